"""Parse INI text into {section: {key: value}}."""

from __future__ import annotations


class ParseError(ValueError):
    def __init__(self, line_number: int, message: str) -> None:
        super().__init__(f"line {line_number}: {message}")
        self.line_number = line_number


def parse(text: str) -> dict[str, dict[str, str]]:
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            name = line[1:-1].strip()
            if not name:
                raise ParseError(number, "empty section name")
            current = sections.setdefault(name, {})
            continue
        if current is None:
            raise ParseError(number, "key outside of any section")
        if "=" not in line:
            raise ParseError(number, f"expected 'key = value', got {line!r}")
        parts = line.split("=")
        key, value = parts[0].strip().lower(), parts[1].strip()
        if not key:
            raise ParseError(number, "empty key")
        current[key] = value
    return sections
