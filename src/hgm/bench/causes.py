"""Why a grade is not resolved, in one word: for `Grade.cause`, `bench check` and reports.

Runners print a marker line (`hgm-cause: <cause>`) from their own script when a phase
before the tests fails (configure, build); grading reads the first one (code under test
runs only after the build). Markers are only
a diagnosis: they never make a grade resolved.
"""

from __future__ import annotations

import re

MISSING_DEPENDENCY = "missing-dependency"  # the host lacks a crate, jar, library or toolchain
DIFF_NOT_APPLIED = "diff-not-applied"  # `git apply` refused the agent's diff
CONFIGURE_FAILED = "configure-failed"  # e.g. CMake could not configure the project
MISSING_CRATE = "missing-crate"  # cargo found no offline version of a crate the code names
COMPILE_ERROR = "compile-error"  # the code or the tests do not build
TEST_FAILED = "test-failed"  # tests ran and at least one failed
TESTS_MISSING = "tests-missing"  # an expected test was never seen passing
NO_TESTS = "no-tests"  # the runner reported no test results at all
TIMEOUT = "timeout"  # the run hit its wall-clock limit
KILLED = "killed"  # memory, process or file-size limit
UNFINISHED = "runner-unfinished"  # the runner's completion token never came
CRASHED = "crashed"  # grading itself raised
TAMPERED = "tampered"  # the solution attacked the grading (a canary passed, runner integrity)
CANARY_NOT_FAILED = "canary-not-failed"  # every test passed but a canary did not fail

ALL = (
    MISSING_DEPENDENCY,
    DIFF_NOT_APPLIED,
    CONFIGURE_FAILED,
    MISSING_CRATE,
    COMPILE_ERROR,
    TEST_FAILED,
    TESTS_MISSING,
    NO_TESTS,
    TIMEOUT,
    KILLED,
    UNFINISHED,
    CRASHED,
    TAMPERED,
    CANARY_NOT_FAILED,
)
MARKER = "hgm-cause:"
_MARKER_LINE = re.compile(rf"^{MARKER} ([a-z-]+)\s*$", re.M)


def marker(cause: str) -> str:
    """Shell that prints the marker line for `cause` (used in runners' scripts)."""
    assert cause in ALL, cause
    return f"echo '{MARKER} {cause}'"


def marked_cause(output: str) -> str:
    """The cause named by the first marker line in `output`, or ""."""
    found = [m.group(1) for m in _MARKER_LINE.finditer(output) if m.group(1) in ALL]
    return found[0] if found else ""
