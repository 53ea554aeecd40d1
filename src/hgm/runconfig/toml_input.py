"""Reading a TOML config a user wrote: valid TOML, sanely nested, numbers finite.

TOML allows `inf` and `nan` and arrays nested as deep as the parser's stack goes; no
setting of hgm means either, so both are refused here with the key named, before the
config's own validation runs.
"""

from __future__ import annotations

import math
import tomllib
from typing import Any

from hgm.errors import UserError, shown

MAX_DEPTH = 32


def _problems(data: dict[str, Any]) -> list[str]:
    """One line per key holding a non-finite number or nested deeper than MAX_DEPTH."""
    problems: list[str] = []
    stack: list[tuple[str, Any, int]] = [(key, value, 1) for key, value in data.items()]
    while stack:
        path, value, depth = stack.pop()
        if depth > MAX_DEPTH:
            problems.append(f"  {path}: nested more than {MAX_DEPTH} levels deep")
            continue
        if isinstance(value, float) and not math.isfinite(value):
            problems.append(f"  {path}: must be a finite number (given: {shown(value)})")
        elif isinstance(value, dict):
            stack += [(f"{path}.{key}", item, depth + 1) for key, item in value.items()]
        elif isinstance(value, list):
            stack += [(f"{path}[{index}]", item, depth + 1) for index, item in enumerate(value)]
    return sorted(problems)


def load_toml(text: str, source: str) -> dict[str, Any]:
    """The TOML document in `text`; any problem is one `UserError` naming `source`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UserError(f"{source}: not valid TOML: {error}") from None
    except RecursionError:
        raise UserError(
            f"{source}: arrays or inline tables nested too deeply to read "
            f"(a config nests at most {MAX_DEPTH} levels)"
        ) from None
    problems = _problems(data)
    if problems:
        raise UserError("\n".join([f"{source}: invalid configuration", *problems]))
    return data
