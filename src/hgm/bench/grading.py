"""Grading an agent's diff on an Exercism-layout exercise, in a fresh sandbox it cannot fool.

Pristine visible files, then the agent's diff restricted to the solution files, then the
hidden tests, rewritten with fresh names and canaries (copies of real tests with a
perturbed expectation, which must fail), then the language's test runner in a fresh sandbox
with no network. The verdict (`canaries.plan.judge`): resolved only if every expected test
(the reference run's list, else those declared in the hidden files) passed, no other test
failed, every canary failed and the runner ran to its end; a canary that passed with its
twin, one missing from a finished report, an exit code of 0 (impossible while canaries
fail), a runner integrity finding or a dropped file that only subverts the runner makes the
grade `tampered`. Runners that can (pytest, the JavaScript runner) print a per-grade secret
token after their own summary; only output before it counts, and without it nothing does.
An unresolved grade gets a one-word cause (`cause_of`) from the real tests, never a canary.
"""

from __future__ import annotations

import random
import secrets
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from hgm.bench import causes
from hgm.bench.canaries.plan import Verdict, judge
from hgm.bench.diffs import DiffApplyError, apply_diff, diff_is_empty, restrict_diff
from hgm.bench.exercism import Exercise, copy_hidden_tests, copy_visible
from hgm.bench.integrity import dropped_evidence
from hgm.bench.runners import LOG_NAME, TestRunner
from hgm.bench.runners.base import integrity_notes, output_before
from hgm.bench.types import Grade, TestOutcome
from hgm.errors import InfrastructureFailure
from hgm.sandbox.types import Completed, KillReason, Limits, Sandbox

LOG_TAIL_CHARS = 4000
PARSE_LIMIT_BYTES = 8 * 1024 * 1024
DEFAULT_LIMITS = Limits(wall_s=300.0, memory_mb=4096, pids=512, file_size_mb=512)


def cause_of(
    verdict: Verdict,
    completed: Completed,
    real: list[TestOutcome],
    marked: str,
    finished: bool,
) -> str:
    """The one-word cause (hgm.bench.causes) of a grade, "" when resolved.

    `real` holds the hidden tests' outcomes without the canaries (which always fail), so a
    canary never makes a grade `test-failed`; `marked` is what the runner's own output says
    (a configure, build or crate failure before any test ran).
    """
    if verdict.resolved:
        return ""
    if verdict.evidence:
        return causes.TAMPERED
    if completed.killed is KillReason.TIMEOUT:
        return causes.TIMEOUT
    if completed.killed is not KillReason.NONE:
        return causes.KILLED
    if marked:
        return marked
    if any(not o.passed and not o.skipped for o in real):
        return causes.TEST_FAILED
    if not finished:
        return causes.UNFINISHED
    if not real:
        return causes.NO_TESTS
    if verdict.why.startswith("tests never seen passing"):
        return causes.TESTS_MISSING
    if verdict.why.startswith("canary tests not reported as failed"):
        return causes.CANARY_NOT_FAILED
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
    subverting = dropped_evidence(exercise.language, dropped)
    unresolved = Grade(
        task=exercise.task_id,
        resolved=False,
        empty_diff=diff_is_empty(kept),
        dropped_files=tuple(dropped),
        tampered=bool(subverting),
        tamper_evidence=tuple(subverting),
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
        subverting += runner.integrity(work, exercise.test)
        token = f"hgm-tests-finished-{secrets.token_hex(16)}"
        guarded = runner.prepare(work, token)
        canaries = runner.canaries(work, exercise.test, random.SystemRandom())
        plan = runner.plan(work, exercise.test)
        prepared = time.perf_counter()
        completed = sandbox.run(plan.command(), work, plan.env, limits, plan.mounts)
        ran = time.perf_counter()
        output = _read_log(work)
        counted = output_before(token, output) if guarded else output
        finished = counted is not None if guarded else runner.finished(output)
        findings = integrity_notes(token, counted or "") if guarded else []
        outcomes = runner.parse(counted or "")
        exact = expected is not None
        if expected is None:
            sources = [(exercise.root / name).read_text(errors="replace") for name in exercise.test]
            expected = runner.expected_tests(sources)
        evidence = subverting + findings
        verdict = judge(canaries, outcomes, expected, completed, finished, evidence, exact)
        unfinished_run = guarded and counted is None  # code under test ended it: no diagnosis
        marked = "" if unfinished_run else runner.cause(output) or causes.marked_cause(output)
    done = time.perf_counter()
    sandbox_notes = "\n".join(t for t in (completed.stdout_tail, completed.stderr_tail) if t)
    tests = [
        replace(outcome, name=canaries.original(outcome.name))
        for outcome in outcomes
        if not canaries.is_canary(outcome.name)
    ]
    cause = cause_of(verdict, completed, tests, marked, finished)
    timings = {
        "prepare": prepared - start,
        "tests": ran - prepared,
        "sandbox_tests": completed.wall_s,
        "finish": done - ran,
        "total": done - start,
    }
    if completed.cpu_s is not None:
        timings["cpu"] = completed.cpu_s
    return replace(
        unresolved,
        resolved=verdict.resolved,
        tests=tuple(tests),
        log_tail=canaries.original(output + sandbox_notes)[-LOG_TAIL_CHARS:],
        wall_s=done - start,
        error=verdict.why,
        exit_code=completed.exit_code,
        tampered=bool(verdict.evidence),
        tamper_evidence=verdict.evidence,
        timings=timings,
        cause=cause,
        canaries=len(canaries.canaries),
    )
