"""Split CSV lines into fields and rows into records."""

from __future__ import annotations


class CSVError(ValueError):
    pass


def _unquote(field: str) -> str:
    field = field.strip()
    if len(field) >= 2 and field[0] == field[-1] == '"':
        return field[1:-1].replace('""', '"')
    return field


def parse_line(line: str, delimiter: str = ",") -> list[str]:
    """The fields of one CSV line, with surrounding quotes removed."""
    return [_unquote(field) for field in line.split(delimiter)]


def read_records(text: str, delimiter: str = ",") -> list[dict[str, str]]:
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    header = parse_line(lines[0], delimiter)
    records = []
    for number, line in enumerate(lines[1:], start=2):
        fields = parse_line(line, delimiter)
        if len(fields) != len(header):
            raise CSVError(f"line {number}: expected {len(header)} fields, got {len(fields)}")
        records.append(dict(zip(header, fields, strict=True)))
    return records
