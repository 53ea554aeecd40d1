"""Jobs the engine hands to an executor, and what comes back."""

from __future__ import annotations

from dataclasses import dataclass

from hgm.engine.world import EvalOutcome, ExpandOutcome
from hgm.search.actions import Evaluate, Expand


@dataclass(frozen=True, slots=True)
class Job:
    """One unit of work: `Expand(parent)` making agent `child`, or `Evaluate(agent, task)`."""

    id: int
    action: Expand | Evaluate
    child: int | None = None


@dataclass(frozen=True, slots=True)
class Done:
    """A finished job with the world's outcome and its start and finish times."""

    job: Job
    outcome: ExpandOutcome | EvalOutcome
    started: float
    finished: float
