"""Length conversions."""

from units.convert import UNITS, UnknownUnit, convert

__all__ = ["UNITS", "UnknownUnit", "convert"]
