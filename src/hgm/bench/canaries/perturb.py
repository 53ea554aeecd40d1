"""Perturbed expectations: a different value of the same type that a correct answer cannot equal."""

from __future__ import annotations

import math
import re

_SUFFIX = (
    r"(?P<suffix>(?:[ui](?:8|16|32|64|128|size)|f32|f64|[uU]?[lL]{0,2}|[lL]{1,2}[uU]|[fFdD])?)"
)
_DECIMAL = re.compile(rf"^(?P<digits>0|[1-9][0-9_]*){_SUFFIX}$")
_FLOAT = re.compile(rf"^(?P<number>[0-9][0-9_]*\.[0-9][0-9_]*(?:[eE][+-]?[0-9]+)?){_SUFFIX}$")


def _other_char(char: str) -> str:
    return "b" if char == "a" else "a"


def perturb_value(value: object) -> object | None:
    """A changed copy of a Python literal value, or None when there is no safe change.

    Integers move one step towards zero (away from it when zero), so a literal never leaves
    the range of its type; strings change their last character; booleans flip.
    """
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value - 1 if value > 0 else value + 1
    if isinstance(value, float):
        return value + max(1.0, abs(value)) if math.isfinite(value) else None
    if isinstance(value, complex):
        return value + 1 if math.isfinite(value.real) and math.isfinite(value.imag) else None
    if isinstance(value, str):
        return value[:-1] + _other_char(value[-1]) if value else "a"
    if isinstance(value, bytes):
        return value[:-1] + (b"b" if value[-1:] == b"a" else b"a")
    return None


def perturb_number_text(text: str) -> str | None:
    """A decimal integer or float literal as source text (with a type suffix kept), changed.

    `90` -> `89`, `0` -> `1`, `255u8` -> `254u8`, `1.5` -> `2.5`; None for other forms (hex,
    exponents without a fraction) where a change might not fit the literal's type.
    """
    decimal = _DECIMAL.match(text)
    if decimal:
        number = int(decimal.group("digits").replace("_", ""))
        changed = number - 1 if number > 0 else number + 1
        return f"{changed}{decimal.group('suffix')}"
    floating = _FLOAT.match(text)
    if floating:
        number = float(floating.group("number").replace("_", ""))
        if not math.isfinite(number) or number >= 1e15:
            return None
        return f"{number + 1.0!r}{floating.group('suffix')}"
    return None
