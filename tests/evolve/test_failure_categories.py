"""The stable failure vocabulary recorded in evaluation details (what the UI shows)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from hgm.bench.types import Grade
from hgm.evolve.failures import FAILURES, failure_category
from hgm.evolve.records import AgentRun, Evaluation
from hgm.llm.ledger import JobUsage
from hgm.sandbox.types import Completed, KillReason

PROCESS = Completed(0, "", "", 1.0, None, None)
RUN = AgentRun(
    job="eval-0-t", agent="0", role="task", job_dir=Path("/j"), repo_dir=Path("/j/repo"),
    out_dir=Path("/j/out"), process=PROCESS, stop_reason="finished", stop_detail=None,
    usage=JobUsage(), diff="--- a/x\n+++ b/x\n", llm_last_status="ok",
)  # fmt: skip
GRADE = Grade(task="t", resolved=False, empty_diff=False)


def _evaluation(grade: Grade = GRADE, **run: object) -> Evaluation:
    return Evaluation("t", replace(RUN, **run), grade, 1.0, 0.5, 0.1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("evaluation", "expected"),
    [
        (_evaluation(replace(GRADE, resolved=True)), None),
        (_evaluation(replace(GRADE, tampered=True)), "tampered"),
        (
            _evaluation(process=replace(PROCESS, exit_code=137, killed=KillReason.TIMEOUT)),
            "time_limit",
        ),
        (_evaluation(process=replace(PROCESS, killed=KillReason.MEMORY)), "resource_limit"),
        (
            _evaluation(llm_last_status="context_length_exceeded", stop_reason="llm_error"),
            "context_length",
        ),
        (_evaluation(llm_last_status="budget_exceeded", stop_reason="budget_exceeded"), "budget"),
        (_evaluation(stop_reason="step_limit"), "step_limit"),
        (_evaluation(stop_reason="token_limit"), "token_limit"),
        (_evaluation(stop_reason="time_limit"), "time_limit"),
        (_evaluation(stop_reason="llm_error", llm_last_status="provider_error"), "model_error"),
        (_evaluation(stop_reason=None, process=replace(PROCESS, exit_code=1)), "agent_crash"),
        (_evaluation(replace(GRADE, empty_diff=True)), "empty_patch"),
        (_evaluation(), "tests_failed"),
    ],
)
def test_each_way_to_fail_has_its_name(evaluation: Evaluation, expected: str | None) -> None:
    category = failure_category(evaluation)
    assert category == expected
    assert category is None or category in FAILURES
