"""Everything the engine tells its observers. One event per state change.

Times are seconds on the engine's clock (virtual time in simulation, wall
clock since the run started otherwise). Job ids are unique within a run and
are never reused, including across resumes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class AgentCreated:
    agent: int
    parent: int | None
    time: float
    job: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ExpansionStarted:
    job: int
    parent: int
    child: int
    time: float


@dataclass(frozen=True, slots=True)
class ExpansionFinished:
    job: int
    parent: int
    child: int
    ok: bool
    reason: str
    cost_usd: float
    started: float
    finished: float
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EvaluationStarted:
    job: int
    agent: int
    task: str
    time: float


@dataclass(frozen=True, slots=True)
class EvaluationFinished:
    job: int
    agent: int
    task: str
    success: bool
    cost_usd: float
    started: float
    finished: float
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class JobInterrupted:
    """A job that was running when the run stopped (Ctrl-C); it is re-queued on resume."""

    job: int
    time: float


@dataclass(frozen=True, slots=True)
class JobRequeued:
    """A job the world could not do because something outside the agent failed (`component`:
    provider, gateway, sandbox or toolchain; `reason` says how). Not a result and not
    charged again: it runs again with the same job id, at once or after `hgm resume`."""

    job: int
    component: str
    reason: str
    time: float


@dataclass(frozen=True, slots=True)
class RunFinished:
    """The engine stopped: `reason` as in `RunSummary`; `detail` says more (why it paused)."""

    reason: str
    time: float
    detail: str = ""


Event = (
    AgentCreated
    | ExpansionStarted
    | ExpansionFinished
    | EvaluationStarted
    | EvaluationFinished
    | JobInterrupted
    | JobRequeued
    | RunFinished
)


class Observer(Protocol):
    """Receives every event, in order, on the engine's thread."""

    def notify(self, event: Event) -> None: ...
