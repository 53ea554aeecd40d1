"""`cause_of`: the one-word cause of a grade comes from the real tests, never a canary."""

from __future__ import annotations

import pytest

from hgm.bench import causes
from hgm.bench.canaries.plan import Verdict
from hgm.bench.grading import cause_of
from hgm.bench.types import TestOutcome
from hgm.sandbox import Completed, KillReason


def run(exit_code: int = 1, killed: KillReason = KillReason.NONE) -> Completed:
    return Completed(exit_code, "", "", 1.0, None, None, killed)


PASSED = [TestOutcome("a", True), TestOutcome("b", True), TestOutcome("c", False, skipped=True)]


@pytest.mark.parametrize(
    ("verdict", "completed", "real", "marked", "finished", "cause"),
    [
        (Verdict(True), run(), PASSED, "", True, ""),
        (Verdict(False, "tampered: x", ("x",)), run(0), PASSED, "", True, causes.TAMPERED),
        (
            Verdict(False, "tampered: x", ("x",)),
            run(137, KillReason.TIMEOUT),
            [],
            "",
            False,
            causes.TAMPERED,
        ),
        (Verdict(False, "killed"), run(137, KillReason.TIMEOUT), [], "", False, causes.TIMEOUT),
        (Verdict(False, "killed"), run(137, KillReason.MEMORY), [], "", False, causes.KILLED),
        (Verdict(False, "x"), run(), [], causes.COMPILE_ERROR, False, causes.COMPILE_ERROR),
        (
            Verdict(False, "failed tests: b"),
            run(),
            [TestOutcome("a", True), TestOutcome("b", False)],
            "",
            True,
            causes.TEST_FAILED,
        ),
        (Verdict(False, "never finished"), run(), PASSED, "", False, causes.UNFINISHED),
        (Verdict(False, "no test results"), run(), [], "", True, causes.NO_TESTS),
        (
            Verdict(False, "tests never seen passing: d"),
            run(),
            PASSED,
            "",
            True,
            causes.TESTS_MISSING,
        ),
        (
            Verdict(False, "canary tests not reported as failed: k"),
            run(),
            PASSED,
            "",
            True,
            causes.CANARY_NOT_FAILED,
        ),
    ],
)
def test_cause_of_a_grade(
    verdict: Verdict,
    completed: Completed,
    real: list[TestOutcome],
    marked: str,
    finished: bool,
    cause: str,
) -> None:
    """`real` never holds canaries (grading leaves them out), so the failures canaries
    always have cannot make a passing solution `test-failed`."""
    assert cause_of(verdict, completed, real, marked, finished) == cause
