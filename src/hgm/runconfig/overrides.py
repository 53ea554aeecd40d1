"""Run configs changed from code: dotted-key overrides, and TOML text for the run directory.

`hgm.start(config, overrides={"budget.task_evals": 20})` reads the TOML file, sets each
dotted key (tables are created as needed; `None` removes a key, so its default applies),
and writes the result back as TOML: the run directory then holds the config the run
really uses, validated by the same `parse_run_config` as any file.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Mapping
from typing import Any

from hgm.errors import UserError

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def apply_overrides(data: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `data` (a parsed TOML document) with each dotted key of `overrides` set."""
    result = json.loads(json.dumps(data, default=str))
    for dotted, value in overrides.items():
        parts = dotted.split(".") if isinstance(dotted, str) else []
        if not parts or not all(parts):
            raise UserError(
                f"override key {dotted!r} is not a dotted key such as 'budget.task_evals'"
            )
        table = result
        for depth, part in enumerate(parts[:-1]):
            node = table.setdefault(part, {})
            if not isinstance(node, dict):
                where = ".".join(parts[: depth + 1])
                raise UserError(f"override {dotted!r}: {where} is a value, not a table")
            table = node
        if value is None:
            table.pop(parts[-1], None)
        else:
            table[parts[-1]] = value
    return result


def _key(name: str) -> str:
    return name if _BARE_KEY.match(name) else json.dumps(name, ensure_ascii=False)


def _value(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON escapes are valid TOML escapes
    if isinstance(value, Mapping):
        items = (
            f"{_key(k)} = {_value(v, f'{where}.{k}')}" for k, v in value.items() if v is not None
        )
        return "{ " + ", ".join(items) + " }" if value else "{}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(item, where) for item in value) + "]"
    raise UserError(f"{where}: {type(value).__name__} values cannot be written to a run config")


def _table(lines: list[str], path: list[str], table: Mapping[str, Any]) -> None:
    scalars = {k: v for k, v in table.items() if v is not None and not isinstance(v, Mapping)}
    tables = {k: v for k, v in table.items() if isinstance(v, Mapping)}
    if path and (scalars or not tables):
        lines.append(f"\n[{'.'.join(_key(part) for part in path)}]")
    for key, value in scalars.items():
        lines.append(f"{_key(key)} = {_value(value, '.'.join([*path, key]))}")
    for key, value in tables.items():
        _table(lines, [*path, key], value)


def to_toml(data: Mapping[str, Any], header: str = "") -> str:
    """`data` as TOML text (tables as `[a.b]` sections, `None` values left out)."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    _table(lines, [], data)
    text = "\n".join(lines).lstrip("\n") + "\n"
    tomllib.loads(text)  # what we write must read back
    return text


def overridden_text(text: str, source: str, overrides: Mapping[str, Any]) -> str:
    """The TOML text of the config `text` with `overrides` applied (see the module docstring)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UserError(f"{source}: not valid TOML: {error}") from error
    changed = apply_overrides(data, overrides)
    listed = ", ".join(f"{key} = {value!r}" for key, value in overrides.items())
    return to_toml(changed, f"{source} with overrides: {listed}\n(written by hgm.start)")
