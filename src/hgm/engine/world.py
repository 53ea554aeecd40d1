"""The seam between the scheduler and whatever does the work (simulated or real agents)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class ExpandOutcome:
    """The result of asking a parent to modify itself.

    `child` is the new agent's metadata when the expansion produced an admissible
    agent; `None` with a `reason` when it failed (the reason is recorded).
    `duration` is the job's (virtual or wall-clock) duration in seconds.
    """

    ok: bool
    reason: str = ""
    cost_usd: float = 0.0
    duration: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EvalOutcome:
    """The result of running one agent on one task: resolved or not."""

    success: bool
    cost_usd: float = 0.0
    duration: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Unfinished:
    """A job the world could not do because something outside the agent failed (it raised
    `hgm.errors.InfrastructureFailure`): not a result. The engine re-queues the job with its
    job id, uncharged, and pauses the run after repeated failures."""

    component: str
    reason: str
    duration: float = 0.0


class World(Protocol):
    """Does the work the policy asks for. Implementations: `hgm.sim` and `hgm.evolve`.

    `tasks()` is the ordered list of task ids the search may evaluate on.
    `expand(parent, child)` makes agent `child` from agent `parent` (ids are
    assigned by the engine so that a resumed run reuses them).
    `evaluate(agent, task)` runs and grades one agent on one task.
    Both may be called from worker threads at the same time. Either may raise
    `hgm.errors.InfrastructureFailure` when something outside the agent failed: the job is
    then re-queued, never recorded as the agent's result.
    """

    def tasks(self) -> list[str]: ...

    def expand(self, parent: int, child: int) -> ExpandOutcome: ...

    def evaluate(self, agent: int, task: str) -> EvalOutcome: ...
