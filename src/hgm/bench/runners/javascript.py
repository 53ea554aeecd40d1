"""JavaScript exercises: node plus hgm's own jest-compatible runner (runners/js/), no npm.

npm cannot reach a registry inside the sandbox and jest needs Babel for Exercism's ESM tests,
so hgm ships a small runner: describe/test/it, hooks, async tests and the common `expect`
matchers; `xtest` enabled as aider's harness does (`xit`, `.skip` too with `all_tests`).
Module hooks let ES modules and CommonJS files use each other as under jest with Babel.
"""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

from hgm.bench import causes
from hgm.bench.canaries.js_tests import js_canaries
from hgm.bench.canaries.plan import CanaryPlan
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

RUNNER_DIR = Path(__file__).resolve().parent / "js"
RESULT = re.compile(r"^(?P<status>PASS|FAIL|SKIP) (?P<name>.+)$", re.M)
LOAD_ERROR = re.compile(r"^ERROR loading ", re.M)
TEST_CALL = re.compile(r"\b(?:x|f)?(?:test|it)\(\s*(['\"])(.+?)\1\s*,")
MIN_NODE_MAJOR = 20
TOKEN_FILE = ".hgm-home/js-token"


class JavaScriptRunner:
    language = "javascript"

    def __init__(self, all_tests: bool = False) -> None:
        found = shutil.which("node")
        self.node = Path(found).resolve() if found else None
        self.all_tests = all_tests

    def problem(self) -> str | None:
        if self.node is None:
            return f"node not on PATH: install Node.js >= {MIN_NODE_MAJOR} (apt install nodejs)"
        return None

    def prepare(self, work: Path, token: str) -> bool:
        write_secret(work / TOKEN_FILE, token)
        return True

    def canaries(self, work: Path, test_files: tuple[str, ...], rng: random.Random) -> CanaryPlan:
        return rewrite_tests(work, test_files, js_canaries, rng)

    def finished(self, output: str) -> bool:
        return False  # only the token proves it

    def integrity(self, work: Path, test_files: tuple[str, ...]) -> list[str]:
        return []  # checked inside the run (runners/js/guard.mjs)

    def plan(self, work: Path, test_files: tuple[str, ...]) -> RunPlan:
        assert self.node is not None, self.problem()
        tests = " ".join(q(name) for name in test_files)
        script = f"{home_exports()} && exec {q(self.node)} {q(RUNNER_DIR / 'runner.mjs')} {tests}"
        env = base_env([self.node.parent]) | {
            "NODE_OPTIONS": "",
            "NO_COLOR": "1",
            "HGM_TOKEN_FILE": TOKEN_FILE,
            "HGM_JS_ALL_TESTS": "1" if self.all_tests else "0",
        }
        return RunPlan(script, env, read_only(RUNNER_DIR))

    def parse(self, output: str) -> list[TestOutcome]:
        return outcomes_from(RESULT, output, {"PASS"}, frozenset({"SKIP"}))

    def expected_tests(self, test_sources: list[str]) -> list[str]:
        return [m.group(2) for source in test_sources for m in TEST_CALL.finditer(source)]

    def expected_from(self, outcomes: list[TestOutcome], test_files: tuple[str, ...]) -> list[str]:
        return not_skipped(outcomes)

    def cause(self, output: str) -> str:
        """A test file that could not be loaded (syntax error, missing export, bad import)."""
        return causes.COMPILE_ERROR if LOAD_ERROR.search(output) else ""
