"""docs/api.md runs as written: every `python` block, in order, in one namespace, from a
directory holding a copy of `examples/`; every `toml` block parses; no other kind of block."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import pytest

from components import need
from hgm.sandbox import BubblewrapConfig, check_backend

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

REPO = Path(__file__).parents[2]
PAGE = REPO / "docs" / "api.md"
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```$", re.S | re.M)


def blocks() -> list[tuple[str, str, int]]:
    text = PAGE.read_text()
    return [(m[1], m[2], text[: m.start()].count("\n") + 1) for m in BLOCK.finditer(text)]


def test_every_block_is_python_or_toml_and_the_names_table_is_hgm_all() -> None:
    import hgm

    kinds = {kind for kind, _, _ in blocks()}
    assert kinds == {"python", "toml"}
    table = PAGE.read_text().split("## The names", 1)[1].split("\n## ", 1)[0]
    first_cells = [row.split("|")[1] for row in table.splitlines() if row.startswith("| `")]
    listed = {name for cell in first_cells for name in re.findall(r"`([A-Za-z_]+)[(`]", cell)}
    assert listed == set(hgm.__all__) - {"__version__"}


def test_docs_api_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    need("bubblewrap", check_backend(BubblewrapConfig()))
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "docs_api"}
    for kind, code, line in blocks():
        if kind == "toml":
            tomllib.loads(code)
            continue
        exec(compile(code, f"{PAGE}:{line}", "exec"), namespace)
    assert (tmp_path / "runs" / "api-paced" / "run.db").is_file()
