"""Jobs the engine hands to an executor, and what comes back.

Both are named tuples: immutable, and several times cheaper to build than frozen
dataclasses, which matters in simulations (two of each per evaluation).
"""

from __future__ import annotations

from typing import NamedTuple

from hgm.engine.world import EvalOutcome, ExpandOutcome, Unfinished
from hgm.search.actions import Evaluate, Expand


class Job(NamedTuple):
    """One unit of work: `Expand(parent)` making agent `child`, or `Evaluate(agent, task)`."""

    id: int
    action: Expand | Evaluate
    child: int | None = None


class Done(NamedTuple):
    """A finished job with the world's outcome (or why it could not be done) and its start
    and finish times."""

    job: Job
    outcome: ExpandOutcome | EvalOutcome | Unfinished
    started: float
    finished: float
