"""One test runner per language, all working with no network inside the sandbox."""

from __future__ import annotations

from hgm.bench.runners.base import LOG_NAME, RunPlan, TestRunner
from hgm.bench.runners.cpp import CppRunner
from hgm.bench.runners.go import GoRunner
from hgm.bench.runners.java import JavaRunner
from hgm.bench.runners.javascript import JavaScriptRunner
from hgm.bench.runners.python import PythonRunner
from hgm.bench.runners.rust import RustRunner
from hgm.errors import UserError

RUNNERS: dict[str, type[TestRunner]] = {
    "python": PythonRunner,
    "rust": RustRunner,
    "go": GoRunner,
    "javascript": JavaScriptRunner,
    "cpp": CppRunner,
    "java": JavaRunner,
}
LANGUAGES = tuple(RUNNERS)
SKIPPING = frozenset({"javascript", "java"})  # runners whose enabled tests depend on all_tests


def make_runner(language: str, all_tests: bool = False) -> TestRunner:
    """The runner for `language`; `all_tests` also enables what aider's harness leaves
    skipped (JavaScript `xit`/`test.skip`/`xdescribe`, Java's bare `@Disabled`)."""
    runner = RUNNERS.get(language)
    if runner is None:
        raise UserError(f"unknown language {language!r}; valid languages: {', '.join(LANGUAGES)}")
    return runner(all_tests) if language in SKIPPING else runner()


def toolchain_status() -> dict[str, str | None]:
    """Per language: None when its test runner works here, else what is missing and the fix."""
    return {language: make_runner(language).problem() for language in LANGUAGES}


__all__ = ["LANGUAGES", "LOG_NAME", "RunPlan", "TestRunner", "make_runner", "toolchain_status"]
