"""A minimal INI reader."""

from iniconf.reader import ParseError, parse

__all__ = ["ParseError", "parse"]
