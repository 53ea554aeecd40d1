"""Session fixtures of the ui tests: the runs they read (made once)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "cli"))
sys.path.insert(0, str(Path(__file__).parent))

from ui_runs import make_quickstart, make_sim


@pytest.fixture(scope="session")
def sim_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sim(tmp_path_factory.mktemp("ui") / "sim", "ui-sim")


@pytest.fixture(scope="session")
def dgm_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sim(tmp_path_factory.mktemp("ui") / "dgm", "ui-dgm", policy="dgm")


@pytest.fixture(scope="session")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_quickstart(tmp_path_factory.mktemp("ui") / "quick")
