"""examples/tutorial.py runs as written (with small parameters): simulate, the quick start
through hgm.start, DataFrames, a progress plot, certification."""

from __future__ import annotations

import os
import runpy
import shutil
from pathlib import Path

import pytest

from components import need
from hgm.sandbox import BubblewrapConfig, check_backend

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

REPO = Path(__file__).parents[2]


def test_tutorial_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    need("bubblewrap", check_backend(BubblewrapConfig()))
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    for name, value in (("SEEDS", "3"), ("EVALS", "4"), ("CERTIFY", "3"), ("OUT", str(out))):
        monkeypatch.setenv(f"HGM_TUTORIAL_{name}", value)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace = runpy.run_path(str(REPO / "examples" / "tutorial.py"))
    assert namespace["run"].status().task_evals_done == 4
    assert len(namespace["evaluations"]) == 4
    assert namespace["result"].agent_rate.tasks == 3
    for picture in ("policies.png", "progress.png"):
        assert (out / picture).stat().st_size > 10_000
    assert os.path.isfile(out / "quickstart" / "run.db")
