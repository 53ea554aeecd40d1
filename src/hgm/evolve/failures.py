"""Why an evaluation failed, in a stable vocabulary (evaluation details' `failure`).

Decided from what hgm observed first (the sandbox's kill reason, the gateway's record of the
job's last LLM call, the grade), then from the agent's own stop reason for the limits only
the agent counts (steps, tokens). Infrastructure failures never appear here: such a job is
re-queued, not recorded (see `hgm.evolve.infrastructure`).
"""

from __future__ import annotations

from hgm.evolve.records import Evaluation
from hgm.sandbox.types import KillReason

FAILURES = (
    "tampered",  # grading found the solution attacking the grading itself
    "time_limit",  # killed at its wall clock, or stopped itself on it
    "resource_limit",  # killed for memory, CPU, processes or file size
    "context_length",  # the model's context window overflowed
    "budget",  # a gateway budget (money, tokens, calls) ran out
    "step_limit",  # the agent used all its steps
    "token_limit",  # the agent used all its tokens
    "model_error",  # the model refused a request (not an infrastructure failure)
    "agent_crash",  # the agent's process failed without a clean stop
    "empty_patch",  # it changed no solution file
    "tests_failed",  # it changed something and the hidden tests failed
)
_BY_GATEWAY = {"context_length_exceeded": "context_length", "budget_exceeded": "budget"}
_BY_AGENT = {
    "time_limit": "time_limit",
    "context_length_exceeded": "context_length",
    "budget_exceeded": "budget",
    "step_limit": "step_limit",
    "token_limit": "token_limit",
    "llm_error": "model_error",
}


def failure_category(evaluation: Evaluation) -> str | None:
    """One of FAILURES, or None for a resolved task."""
    grade, run = evaluation.grade, evaluation.run
    if grade.resolved:
        return None
    if grade.tampered:
        return "tampered"
    killed = run.process.killed
    if killed == KillReason.TIMEOUT:
        return "time_limit"
    if killed != KillReason.NONE:
        return "resource_limit"
    if run.llm_last_status in _BY_GATEWAY:
        return _BY_GATEWAY[run.llm_last_status]
    if run.stop_reason in _BY_AGENT:
        return _BY_AGENT[run.stop_reason]
    if run.process.exit_code != 0 and run.stop_reason != "finished":
        return "agent_crash"
    return "empty_patch" if grade.empty_diff else "tests_failed"
