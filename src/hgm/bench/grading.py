"""Grading an agent's diff on an Exercism-layout exercise, in a fresh sandbox it cannot fool.

Pristine visible files, then the agent's diff restricted to the solution files, then the
hidden tests, then the language's test runner in a fresh sandbox with no network. Resolution
needs the runner's exit code 0, no failed test, and every test declared in the hidden test
files seen passing: text the agent's code prints ("PASSED") never earns credit by itself.
Runners that can (pytest, the JavaScript runner) print a per-grade secret token after their
own summary; only output before it counts, and without it nothing does.
"""

from __future__ import annotations

import re
import secrets
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from hgm.bench import causes
from hgm.bench.diffs import DiffApplyError, apply_diff, diff_is_empty, restrict_diff
from hgm.bench.exercism import Exercise, copy_hidden_tests, copy_visible
from hgm.bench.runners import LOG_NAME, TestRunner
from hgm.bench.runners.base import output_before
from hgm.bench.types import Grade, TestOutcome
from hgm.errors import InfrastructureFailure
from hgm.sandbox.types import Completed, KillReason, Limits, Sandbox

LOG_TAIL_CHARS = 4000
PARSE_LIMIT_BYTES = 8 * 1024 * 1024
DEFAULT_LIMITS = Limits(wall_s=300.0, memory_mb=4096, pids=512, file_size_mb=512)


def _names_match(outcome: str, expected: str) -> bool:
    pattern = rf"(?:^|[\s:/.>]){re.escape(expected)}(?:$|[\s\[(/])"
    return re.search(pattern, outcome) is not None


def decide(
    completed: Completed, outcomes: list[TestOutcome], expected: list[str], exact: bool = False
) -> tuple[bool, str]:
    """(resolved, why not): exit code, killed, failures, and every expected test passing.

    `exact`: the expected names come from the runner's own report (the reference's run) and
    must appear as they are; otherwise they were read from the test sources and may appear
    inside a longer reported name (a class or suite prefix).
    """
    if completed.killed is not KillReason.NONE:
        return False, f"test run killed ({completed.killed.value})"
    if completed.exit_code != 0:
        return False, ""
    if not outcomes:
        return False, "the test runner reported no test results"
    failed = [o.name for o in outcomes if not o.passed and not o.skipped]
    if failed:
        return False, f"failed tests despite exit code 0: {', '.join(failed[:5])}"
    passed = {o.name for o in outcomes if o.passed}
    missing = [
        e
        for e in expected
        if e not in passed and (exact or not any(_names_match(name, e) for name in passed))
    ]
    if missing:
        return False, f"tests never seen passing: {', '.join(missing[:5])}"
    return True, ""


def cause_of(completed: Completed, outcomes: list[TestOutcome], output: str, why: str) -> str:
    """The one-word cause (hgm.bench.causes) of an unresolved grade."""
    if completed.killed is KillReason.TIMEOUT:
        return causes.TIMEOUT
    if completed.killed is not KillReason.NONE:
        return causes.KILLED
    marked = causes.marked_cause(output)
    if marked:
        return marked
    if any(not o.passed and not o.skipped for o in outcomes):
        return causes.TEST_FAILED
    if not outcomes:
        return causes.NO_TESTS
    if why.startswith("tests never seen passing"):
        return causes.TESTS_MISSING
    return causes.TEST_FAILED


def _read_log(work: Path) -> str:
    log = work / LOG_NAME
    if log.is_symlink() or not log.is_file():
        return ""
    with log.open("rb") as handle:
        size = log.stat().st_size
        handle.seek(max(0, size - PARSE_LIMIT_BYTES))
        return handle.read().decode(errors="replace")


def grade_exercise(
    exercise: Exercise,
    diff: str,
    sandbox: Sandbox,
    runner: TestRunner,
    limits: Limits = DEFAULT_LIMITS,
    expected: list[str] | None = None,
) -> Grade:
    """Grade `diff` (against the agent's workspace) on `exercise`; never raises for bad diffs.

    `expected`: the tests that must be seen passing, as the runner reports them (the
    reference's run); None reads them from the hidden test files instead.
    Raises `InfrastructureFailure` when the language's toolchain is missing here.
    """
    start = time.perf_counter()
    kept, dropped = restrict_diff(diff, exercise.may_change)
    unresolved = Grade(
        task=exercise.task_id,
        resolved=False,
        empty_diff=diff_is_empty(kept),
        dropped_files=tuple(dropped),
    )
    problem = runner.problem()
    if problem:  # not the solution's fault: the run re-queues the job and pauses
        raise InfrastructureFailure("toolchain", f"{exercise.language} toolchain: {problem}")
    with tempfile.TemporaryDirectory(prefix="hgm-grade-") as scratch:
        work = Path(scratch) / exercise.slug
        copy_visible(exercise, work)
        try:
            apply_diff(work, kept)
        except DiffApplyError as error:
            elapsed = time.perf_counter() - start
            return replace(
                unresolved, error=str(error), wall_s=elapsed, cause=causes.DIFF_NOT_APPLIED
            )
        copy_hidden_tests(exercise, work)
        token = f"hgm-tests-finished-{secrets.token_hex(16)}"
        guarded = runner.prepare(work, token)
        plan = runner.plan(work, exercise.test)
        prepared = time.perf_counter()
        completed = sandbox.run(plan.command(), work, plan.env, limits, plan.mounts)
        ran = time.perf_counter()
        output = _read_log(work)
        counted = output_before(token, output) if guarded else output
        outcomes = runner.parse(counted or "")
        if expected is None:
            sources = [(exercise.root / name).read_text(errors="replace") for name in exercise.test]
            resolved, why = decide(completed, outcomes, runner.expected_tests(sources))
        else:
            resolved, why = decide(completed, outcomes, expected, exact=True)
        if counted is None:
            resolved, why = False, "the test runner never finished (the code under test exited it)"
    finished = time.perf_counter()
    sandbox_notes = "\n".join(t for t in (completed.stdout_tail, completed.stderr_tail) if t)
    cause = ""
    if not resolved:
        if counted is None and completed.killed is KillReason.NONE:
            cause = causes.UNFINISHED
        else:
            cause = runner.cause(output) or cause_of(completed, outcomes, output, why)
    timings = {
        "prepare": prepared - start,
        "tests": ran - prepared,
        "sandbox_tests": completed.wall_s,
        "finish": finished - ran,
        "total": finished - start,
    }
    if completed.cpu_s is not None:
        timings["cpu"] = completed.cpu_s
    return replace(
        unresolved,
        resolved=resolved,
        tests=tuple(outcomes),
        log_tail=(output + sandbox_notes)[-LOG_TAIL_CHARS:],
        wall_s=finished - start,
        error=why,
        exit_code=completed.exit_code,
        timings=timings,
        cause=cause,
    )
