"""Perturbed expectations: a different value of the same type that a correct answer cannot equal."""

from __future__ import annotations

import math
import re

from hgm.bench.canaries.tokens import Token

_SUFFIX = (
    r"(?P<suffix>(?:[ui](?:8|16|32|64|128|size)|f32|f64|[uU]?[lL]{0,2}|[lL]{1,2}[uU]|[fFdD])?)"
)
_DECIMAL = re.compile(rf"^(?P<digits>0|[1-9][0-9_]*){_SUFFIX}$")
_FLOAT = re.compile(rf"^(?P<number>[0-9][0-9_]*\.[0-9][0-9_]*(?:[eE][+-]?[0-9]+)?){_SUFFIX}$")


def _other_char(char: str) -> str:
    """The next character of the same kind (letter case, digit), so a change looks plausible."""
    for first, size in (("a", 26), ("A", 26), ("0", 10)):
        if 0 <= ord(char) - ord(first) < size:
            return chr(ord(first) + (ord(char) - ord(first) + 1) % size)
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
        last = value[-1:].decode("latin-1") if value else "a"
        return value[:-1] + _other_char(last).encode("latin-1") if value else b"a"
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


_RAW_RUST = re.compile(r'^(?:b|c)?r(#*)"')
_RAW_CPP = re.compile(r'^(?:u8|u|U|L)?R"([^(]*)\(')
_ESCAPE = re.compile(
    r"\\(?:x[0-9a-fA-F]{1,2}|u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|.)", re.S
)


def _parts(text: str) -> tuple[str, str, str, bool] | None:
    """(prefix, content, suffix, escapes) of a string or char literal; None if unknown."""
    if text.startswith('"""') and text.endswith('"""') and len(text) >= 6:
        return '"""', text[3:-3], '"""', True
    raw = _RAW_RUST.match(text) or _RAW_CPP.match(text)
    if raw:
        closing = '"' + raw.group(1) if raw.re is _RAW_RUST else ")" + raw.group(1) + '"'
        if text.endswith(closing) and len(text) >= raw.end() + len(closing):
            return text[: raw.end()], text[raw.end() : len(text) - len(closing)], closing, False
        return None
    quotes = [text.find(q) for q in "\"'`" if q in text]
    head = min(quotes) if quotes else -1
    if head < 0 or len(text) < head + 2 or text[-1] != text[head]:
        return None
    return text[: head + 1], text[head + 1 : -1], text[-1], True


def _last_unit(content: str, escapes: bool) -> int:
    """Where the content's last character (or escape sequence) starts."""
    if not escapes:
        return len(content) - 1
    index, last = 0, 0
    while index < len(content):
        last = index
        match = _ESCAPE.match(content, index) if content[index] == "\\" else None
        index = match.end() if match else index + 1
    return last


def perturb_literal(token: Token, language: str) -> str | None:
    """A changed copy of one literal token's text: same type, and for strings same length.

    `true` and `false` swap; numbers as `perturb_number_text`; the last character (or escape
    sequence) of a string or character literal becomes `a` (`b` if it was `a`); an empty
    string gets one (not a Rust byte string, whose length is part of its type).
    """
    text = token.text
    if token.kind == "ident" and text in ("true", "false"):
        return "false" if text == "true" else "true"
    if token.kind == "number":
        return perturb_number_text(text)
    if token.kind not in ("string", "char") or "${" in text:
        return None
    parts = _parts(text)
    if parts is None:
        return None
    prefix, content, suffix, escapes = parts
    escapes = escapes and not (language == "go" and prefix == "`")  # Go's raw strings
    if not content:
        byte_string = language == "rust" and prefix.startswith("b")
        return None if byte_string or token.kind == "char" else prefix + "a" + suffix
    cut = _last_unit(content, escapes)
    last = content[cut:]
    replacement = _other_char(last) if len(last) == 1 else "a"
    return prefix + content[:cut] + replacement + suffix
