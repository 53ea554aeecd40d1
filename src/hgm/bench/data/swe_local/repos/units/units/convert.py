"""Convert lengths through metres, then round for display."""

from __future__ import annotations

UNITS: dict[str, float] = {
    "mm": 0.001,
    "cm": 0.01,
    "m": 1.0,
    "km": 1000.0,
    "in": 0.0254,
    "ft": 0.3048,
    "yd": 0.9144,
    "mi": 1609.344,
}


class UnknownUnit(KeyError):
    pass


def _metres_per(unit: str) -> float:
    try:
        return UNITS[unit]
    except KeyError:
        raise UnknownUnit(f"unknown unit {unit!r}; known: {', '.join(UNITS)}") from None


def convert(value: float, from_unit: str, to_unit: str, places: int = 2) -> float:
    """`value` in `from_unit`, expressed in `to_unit`, rounded to `places` decimals."""
    if places < 0:
        raise ValueError("places must not be negative")
    result = value * _metres_per(from_unit) / _metres_per(to_unit)
    scale = 10**places
    return int(result * scale) / scale
