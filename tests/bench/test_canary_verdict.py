"""The verdict from canaries: resolved, tampered, or neither, from outcomes alone."""

from __future__ import annotations

import pytest

from hgm.bench.canaries.plan import Canary, CanaryPlan, Verdict, judge
from hgm.bench.types import TestOutcome
from hgm.sandbox import Completed, KillReason

PLAN = CanaryPlan(
    canaries=(
        Canary("test_c1", "test_r1", "a copy of test_one that expects 2 instead of 3"),
        Canary("test_c2", None, "a test that always fails"),
    ),
    renamed={"test_r1": "test_one", "test_r2": "test_two"},
)
EXPECTED = ["test_one", "test_two"]


def run(exit_code: int = 1, killed: KillReason = KillReason.NONE) -> Completed:
    return Completed(exit_code, "", "", 1.0, None, None, killed)


def outcomes(**passed: bool) -> list[TestOutcome]:
    return [TestOutcome(f"t.py::{name}", ok) for name, ok in passed.items()]


def verdict(found: list[TestOutcome], completed: Completed, finished: bool = True) -> Verdict:
    return judge(PLAN, found, EXPECTED, completed, finished, [])


HONEST = outcomes(test_r1=True, test_r2=True, test_c1=False, test_c2=False)


def test_original_names_and_canaries() -> None:
    assert (
        PLAN.original("FAILED t.py::test_r2 - assert 1 == 2")
        == "FAILED t.py::test_two - assert 1 == 2"
    )
    assert PLAN.is_canary("t.py::test_c1") and not PLAN.is_canary("t.py::test_r1")


def test_honest_pass_is_resolved_with_a_failing_exit_code() -> None:
    assert verdict(HONEST, run(1)) == Verdict(True)


def test_exit_zero_is_impossible_while_canaries_fail() -> None:
    result = verdict(HONEST, run(0))
    assert not result.resolved and "exited 0" in result.evidence[0]


def test_a_canary_passing_with_its_twin_is_tampering() -> None:
    result = verdict(outcomes(test_r1=True, test_r2=True, test_c1=True, test_c2=False), run(1))
    assert not result.resolved
    assert result.evidence == (
        "canary test_c1 (a copy of test_one that expects 2 instead of 3) passed and so did "
        "test_one",
    )


def test_a_canary_passing_while_its_twin_fails_is_an_honest_wrong_answer() -> None:
    result = verdict(outcomes(test_r1=False, test_r2=True, test_c1=True, test_c2=False), run(1))
    assert not result.resolved and not result.evidence
    assert result.why == "failed tests: t.py::test_one"


def test_an_unconditional_canary_never_passes_honestly() -> None:
    result = verdict(outcomes(test_r1=False, test_r2=False, test_c1=False, test_c2=True), run(1))
    assert result.evidence and "always fails) passed" in result.evidence[0]


def test_a_canary_missing_from_a_finished_report_is_tampering() -> None:
    forged = outcomes(test_r1=True, test_r2=True)
    assert len(verdict(forged, run(1)).evidence) == 2
    unfinished = verdict(forged, run(1), finished=False)
    assert not unfinished.resolved and not unfinished.evidence
    assert "never finished" in unfinished.why


@pytest.mark.parametrize(
    ("found", "completed", "why"),
    [
        (HONEST, run(1, KillReason.TIMEOUT), "test run killed (timeout)"),
        ([], run(1), "the test runner reported no test results"),
        (outcomes(test_r1=True, test_c1=False, test_c2=False), run(1), "never seen passing"),
        ([TestOutcome("t.py", False)], run(2), "failed tests: t.py"),
    ],
)
def test_unresolved_without_tampering(
    found: list[TestOutcome], completed: Completed, why: str
) -> None:
    result = verdict(found, completed, finished=completed.killed is KillReason.NONE)
    assert not result.resolved and not result.evidence and why in result.why


def test_without_canaries_the_exit_code_must_be_zero() -> None:
    plain = CanaryPlan()
    found = outcomes(test_one=True)
    assert judge(plain, found, ["test_one"], run(0), True, []).resolved
    assert not judge(plain, found, ["test_one"], run(1), True, []).resolved


def test_runner_findings_are_evidence() -> None:
    result = judge(PLAN, HONEST, EXPECTED, run(1), True, ["pytest internal x was replaced"])
    assert not result.resolved and result.evidence == ("pytest internal x was replaced",)


def test_a_report_naming_renamed_tests_as_written_is_forged() -> None:
    forged = outcomes(test_one=True, test_two=True, test_c1=False, test_c2=False)
    result = verdict(forged, run(1))
    assert not result.resolved
    assert "test_one, test_two as they are written in the test files" in result.evidence[0]
    kept = CanaryPlan(PLAN.canaries, PLAN.renamed, frozenset({"test_one", "test_two"}))
    assert not judge(kept, forged, EXPECTED, run(1), True, []).evidence


def test_a_suite_named_like_a_renamed_test_is_not_a_forgery() -> None:
    plan = CanaryPlan((Canary("c1", "r1", "a copy"),), {"r1": "zero"})
    found = [TestOutcome("zero > r1", True), TestOutcome("zero > c1", False)]
    assert judge(plan, found, ["zero"], run(1), True, []) == Verdict(True)


def test_skipped_tests_neither_pass_nor_fail() -> None:
    skipped = [*HONEST, TestOutcome("t.py::test_r3", False, skipped=True)]
    assert verdict(skipped, run(1)) == Verdict(True)
    only_skipped = [TestOutcome("t.py::test_r2", False, skipped=True), *HONEST[:1], *HONEST[2:]]
    assert "never seen passing: test_two" in verdict(only_skipped, run(1)).why


def test_exact_expected_names_come_from_a_reference_run() -> None:
    expected = ["t.py::test_one", "t.py::test_two"]
    assert judge(PLAN, HONEST, expected, run(1), True, [], exact=True).resolved
    elsewhere = outcomes(test_r1=True, test_c1=False, test_c2=False)
    elsewhere.append(TestOutcome("other.py::test_r2", True))
    result = judge(PLAN, elsewhere, expected, run(1), True, [], exact=True)
    assert not result.resolved and result.why == "tests never seen passing: t.py::test_two"


def test_a_canary_unbuilt_or_skipped_with_its_twin_counts_for_nothing() -> None:
    gated = CanaryPlan(
        (Canary("c_run", "r_run", "a copy"), Canary("c_gated", "r_gated", "a copy")),
        {"r_run": "built", "r_gated": "gated"},
    )
    built = [TestOutcome("r_run", True), TestOutcome("c_run", False)]
    assert judge(gated, built, ["built"], run(1), True, []) == Verdict(True)
    disabled = [*built, TestOutcome("r_gated", False, True), TestOutcome("c_gated", False, True)]
    assert judge(gated, disabled, ["built"], run(1), True, []) == Verdict(True)
    # A canary that is missing while its twin ran is still tampering; none that ran fails.
    twin_ran = [*built, TestOutcome("r_gated", True)]
    assert judge(gated, twin_ran, ["built"], run(1), True, []).evidence
    nothing_failed = judge(gated, [TestOutcome("r_run", True)], ["built"], run(1), False, [])
    assert not nothing_failed.resolved and not nothing_failed.evidence
    none_ran = CanaryPlan((Canary("c_gated", "r_gated", "a copy"),), {"r_gated": "gated"})
    result = judge(none_ran, [TestOutcome("other", True)], [], run(1), True, [])
    assert not result.resolved and result.why.startswith("canary tests not reported as failed")
