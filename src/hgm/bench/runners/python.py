"""Python exercises: pytest from hgm's own interpreter, visible read-only in the sandbox.

The runner cannot be shadowed or reconfigured from the graded tree: no working directory on
`sys.path` at start-up (`PYTHONSAFEPATH`), no user site, plugin autoload off, no
`conftest.py`, and hgm's own empty ini file instead of any configuration in the tree. hgm's
plugin (`pytest_guard/hgm_guard.py`, loaded first) proves the run reached its end and
reports pytest internals replaced during it.
"""

from __future__ import annotations

import importlib.util
import random
import re
import shutil
import sys
from pathlib import Path

from hgm.bench import causes
from hgm.bench.canaries.plan import CanaryPlan
from hgm.bench.canaries.python_tests import pytest_canaries
from hgm.bench.runners.base import (
    RunPlan,
    base_env,
    home_exports,
    not_skipped,
    outcomes_from,
    read_only,
    rewrite_tests,
    write_secret,
)
from hgm.bench.runners.base import shell_quote as q
from hgm.bench.types import TestOutcome

RESULT = re.compile(r"^(?P<status>PASSED|FAILED|ERROR|XPASS|XFAIL|SKIPPED) (?P<name>\S+)", re.M)
SUMMARY_HEADER = re.compile(r"^=+ short test summary info =+$", re.M)
GUARD_SOURCE = Path(__file__).resolve().parent / "pytest_guard" / "hgm_guard.py"
PLUGIN_DIR = ".hgm-home/pytest-plugin"
TOKEN_FILE = f"{PLUGIN_DIR}/token"
TEST_DEF = re.compile(r"^\s*(?:async\s+)?def (test\w*)\s*\(", re.M)
COLLECTION_ERROR = re.compile(r"^(?:_+ )?ERROR collecting |^E +(?:Syntax|Indentation)Error", re.M)
SAFE_ENV = {
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONHASHSEED": "0",
    "PYTHONSAFEPATH": "1",
    "PYTHONNOUSERSITE": "1",
    "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
}


def install_guard(plugin_dir: Path, token: str) -> None:
    """hgm's pytest plugin, its token file (read and deleted at import) and an empty ini."""
    write_secret(plugin_dir / "token", token)
    shutil.copyfile(GUARD_SOURCE, plugin_dir / "hgm_guard.py")
    (plugin_dir / "pytest.ini").write_text("[pytest]\n")


def pytest_flags(plugin_dir: str) -> list[str]:
    """Flags that keep pytest's configuration hgm's: its plugin first, no conftest, its ini."""
    return [
        "-p",
        "no:cacheprovider",
        "-p",
        "hgm_guard",
        "--noconftest",
        "-c",
        f"{plugin_dir}/pytest.ini",
        "--rootdir=.",
    ]


class PythonRunner:
    language = "python"

    def __init__(self) -> None:
        self.python = Path(sys.executable)

    def problem(self) -> str | None:
        if importlib.util.find_spec("pytest") is None:
            return f"pytest is missing for {self.python}: run `{self.python} -m pip install pytest`"
        return None

    def prepare(self, work: Path, token: str) -> bool:
        install_guard(work / PLUGIN_DIR, token)
        return True

    def canaries(self, work: Path, test_files: tuple[str, ...], rng: random.Random) -> CanaryPlan:
        return rewrite_tests(work, test_files, pytest_canaries, rng)

    def finished(self, output: str) -> bool:
        return False  # only the token proves it

    def integrity(self, work: Path, test_files: tuple[str, ...]) -> list[str]:
        return []  # checked inside the run (pytest_guard/hgm_guard.py)

    def plan(self, work: Path, test_files: tuple[str, ...]) -> RunPlan:
        tests = " ".join(q(name) for name in test_files)
        flags = " ".join(q(flag) for flag in pytest_flags(PLUGIN_DIR))
        script = (
            f'{home_exports()} && export PYTHONPATH="$PWD/{PLUGIN_DIR}" && '
            f"exec {q(self.python)} -s -m pytest -rA {flags} "
            f"--no-header -o console_output_style=classic {tests}"
        )
        env = base_env([self.python.parent]) | SAFE_ENV | {"HGM_GUARD_TOKEN_FILE": TOKEN_FILE}
        return RunPlan(script, env, read_only(Path(sys.prefix), Path(sys.base_prefix)))

    def parse(self, output: str) -> list[TestOutcome]:
        """Outcomes from pytest's own short summary (the last one), not from test output."""
        headers = list(SUMMARY_HEADER.finditer(output))
        summary = output[headers[-1].end() :] if headers else ""
        return outcomes_from(RESULT, summary, {"PASSED", "XFAIL"}, frozenset({"SKIPPED"}))

    def expected_tests(self, test_sources: list[str]) -> list[str]:
        return [name for source in test_sources for name in TEST_DEF.findall(source)]

    def expected_from(self, outcomes: list[TestOutcome], test_files: tuple[str, ...]) -> list[str]:
        return not_skipped(outcomes)

    def cause(self, output: str) -> str:
        return causes.COMPILE_ERROR if COLLECTION_ERROR.search(output) else ""
