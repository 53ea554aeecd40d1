"""Python exercises: pytest from hgm's own interpreter, visible read-only in the sandbox."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

from hgm.bench.runners.base import RunPlan, base_env, home_exports, outcomes_from, read_only
from hgm.bench.runners.base import shell_quote as q
from hgm.bench.types import TestOutcome

RESULT = re.compile(r"^(?P<status>PASSED|FAILED|ERROR|XPASS|XFAIL|SKIPPED) (?P<name>\S+)", re.M)
TEST_DEF = re.compile(r"^\s*(?:async\s+)?def (test\w*)\s*\(", re.M)


class PythonRunner:
    language = "python"

    def __init__(self) -> None:
        self.python = Path(sys.executable)

    def problem(self) -> str | None:
        if importlib.util.find_spec("pytest") is None:
            return f"pytest is missing for {self.python}: run `{self.python} -m pip install pytest`"
        return None

    def prepare(self, work: Path) -> None:
        return None

    def plan(self, work: Path, test_files: tuple[str, ...]) -> RunPlan:
        tests = " ".join(q(name) for name in test_files)
        script = (
            f"{home_exports()} && exec {q(self.python)} -m pytest -rA -p no:cacheprovider "
            f"--no-header -o addopts= -o console_output_style=classic {tests}"
        )
        env = base_env([self.python.parent]) | {
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONHASHSEED": "0",
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        }
        return RunPlan(script, env, read_only(Path(sys.prefix), Path(sys.base_prefix)))

    def parse(self, output: str) -> list[TestOutcome]:
        return outcomes_from(RESULT, output, {"PASSED", "XFAIL"})

    def expected_tests(self, test_sources: list[str]) -> list[str]:
        return [name for source in test_sources for name in TEST_DEF.findall(source)]
