"""Python exercises: pytest from hgm's own interpreter, visible read-only in the sandbox."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

from hgm.bench import causes
from hgm.bench.runners.base import (
    RunPlan,
    base_env,
    home_exports,
    not_skipped,
    outcomes_from,
    read_only,
    write_secret,
)
from hgm.bench.runners.base import shell_quote as q
from hgm.bench.types import TestOutcome

RESULT = re.compile(r"^(?P<status>PASSED|FAILED|ERROR|XPASS|XFAIL|SKIPPED) (?P<name>\S+)", re.M)
SUMMARY_HEADER = re.compile(r"^=+ short test summary info =+$", re.M)
PLUGIN_DIR = ".hgm-home/pytest-plugin"
PLUGIN = "hgm_finish"
# Loaded with `-p` before any test module: reads and deletes the token file, then prints the
# token once pytest has printed its own summary (so an early exit never prints it).
PLUGIN_SOURCE = """\
import os


def _finish_hook():
    secret = os.path.join(os.path.dirname(os.path.abspath(__file__)), "token")
    with open(secret) as handle:
        token = handle.read()
    os.remove(secret)

    def pytest_unconfigure(config):
        print("\\n" + token, flush=True)

    return pytest_unconfigure


pytest_unconfigure = _finish_hook()
"""
TEST_DEF = re.compile(r"^\s*(?:async\s+)?def (test\w*)\s*\(", re.M)
COLLECTION_ERROR = re.compile(r"^(?:_+ )?ERROR collecting |^E +(?:Syntax|Indentation)Error", re.M)


class PythonRunner:
    language = "python"

    def __init__(self) -> None:
        self.python = Path(sys.executable)

    def problem(self) -> str | None:
        if importlib.util.find_spec("pytest") is None:
            return f"pytest is missing for {self.python}: run `{self.python} -m pip install pytest`"
        return None

    def prepare(self, work: Path, token: str) -> bool:
        plugin_dir = work / PLUGIN_DIR
        write_secret(plugin_dir / "token", token)
        (plugin_dir / f"{PLUGIN}.py").write_text(PLUGIN_SOURCE)
        return True

    def plan(self, work: Path, test_files: tuple[str, ...]) -> RunPlan:
        tests = " ".join(q(name) for name in test_files)
        script = (
            f'{home_exports()} && export PYTHONPATH="$PWD/{PLUGIN_DIR}" && '
            f"exec {q(self.python)} -m pytest -rA -p no:cacheprovider -p {PLUGIN} "
            f"--no-header -o addopts= -o console_output_style=classic {tests}"
        )
        env = base_env([self.python.parent]) | {
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONHASHSEED": "0",
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        }
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
