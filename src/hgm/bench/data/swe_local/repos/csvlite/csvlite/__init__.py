"""A small CSV reader."""

from csvlite.reader import CSVError, parse_line, read_records

__all__ = ["CSVError", "parse_line", "read_records"]
