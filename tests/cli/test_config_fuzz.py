"""Fuzzing run configs: whatever a run.toml holds, `hgm run` either accepts it or says what is
wrong in one message with exit code 2, never a traceback.

Configs are made from the shipped examples by hypothesis: values replaced by values of
any TOML type (inf and nan included), keys dropped, added or misspelled, tables nested
deep, and the text itself cut or spliced.
"""

from __future__ import annotations

import datetime
import json
import math
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hgm.cli.app import main
from hgm.errors import UserError
from hgm.runconfig.config import parse_run_config

REPO = Path(__file__).resolve().parents[2]
BASES = {
    name: tomllib.loads((REPO / "examples" / name).read_text())
    for name in ("sim.toml", "quickstart.toml")
}
KEYS = st.sampled_from(["kind", "name", "task_evals", "workers", "beta", "sim", "x", "seed"])


def toml_value(value: Any) -> str:
    """`value` written as TOML (tables inline)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    items = (f"{json.dumps(str(key))} = {toml_value(item)}" for key, item in value.items())
    return "{" + ", ".join(items) + "}"


def toml_document(data: dict[str, Any]) -> str:
    return "".join(f"{json.dumps(str(key))} = {toml_value(value)}\n" for key, value in data.items())


scalars = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=20),
    st.datetimes(min_value=datetime.datetime(1, 1, 1)),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=8,
)


def _paths(node: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    return found


def _parent(data: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    node = data
    for key in path[:-1]:
        node = node[key]
    return node


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """The TOML text of an example config with a few random edits."""
    data = json.loads(json.dumps(BASES[draw(st.sampled_from(sorted(BASES)))]))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        paths = _paths(data)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent, key = _parent(data, path), path[-1]
        action = draw(st.sampled_from(["replace", "drop", "add", "misspell", "deepen"]))
        if action == "replace":
            parent[key] = draw(values)
        elif action == "drop":
            del parent[key]
        elif action == "add":
            parent[draw(KEYS)] = draw(values)
        elif action == "misspell":
            parent[key[:-1] + draw(st.sampled_from("aesx_"))] = parent.pop(key)
        else:
            depth = draw(st.integers(min_value=1, max_value=60))
            nested: Any = parent[key]
            for _ in range(depth):
                nested = [nested]
            parent[key] = nested
    return toml_document(data)


@st.composite
def spliced(draw: st.DrawFn) -> str:
    """Example text cut or spliced at random places (often not TOML at all)."""
    text = (REPO / "examples" / draw(st.sampled_from(sorted(BASES)))).read_text()
    start = draw(st.integers(min_value=0, max_value=len(text)))
    end = draw(st.integers(min_value=start, max_value=len(text)))
    return text[:start] + draw(st.text(max_size=12)) + text[end:]


def _cli_rejects(path: Path, run_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = sys.argv
    sys.argv = ["hgm", "run", str(path), "--run-dir", str(run_dir)]
    try:
        with pytest.raises(SystemExit) as exited:
            main()
    finally:
        sys.argv = argv
    captured = capsys.readouterr()
    assert exited.value.code == 2, captured.err
    assert captured.out == ""
    assert captured.err.startswith("error: ") and "Traceback" not in captured.err
    assert not run_dir.exists()


@settings(
    max_examples=100,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=st.one_of(mutated(), spliced()))
def test_any_config_is_accepted_or_one_message_exit_2(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        parse_run_config(text, "fuzzed.toml")
    except UserError as error:
        assert str(error).startswith("fuzzed.toml")
    else:
        return  # a valid config: running it is what the other tests do
    path = tmp_path / "fuzzed.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _cli_rejects(path, tmp_path / "never-created", capsys)
