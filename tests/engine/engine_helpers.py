"""Observers and worlds for engine tests."""

from __future__ import annotations

import threading
from collections import Counter

from hgm.engine import EvalOutcome, ExpandOutcome
from hgm.engine.events import (
    AgentCreated,
    EvaluationFinished,
    EvaluationStarted,
    Event,
    ExpansionFinished,
    ExpansionStarted,
)


class Recorder:
    """Keeps every event; can ask an engine to stop after a number of events."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.events: list[Event] = []
        self.stop_after = stop_after
        self.engine: object = None

    def notify(self, event: Event) -> None:
        self.events.append(event)
        if self.stop_after is not None and len(self.events) == self.stop_after:
            self.engine.request_stop()  # type: ignore[attr-defined]

    def of(self, kind: type) -> list:
        return [event for event in self.events if isinstance(event, kind)]


def check_history(events: list[Event], budget: int) -> None:
    """Exactly `budget` evaluations finished, each (agent, task) pair once, ids never reused."""
    finished = [e for e in events if isinstance(e, EvaluationFinished)]
    pairs = Counter((e.agent, e.task) for e in finished)
    assert len(finished) == budget
    assert max(pairs.values()) == 1
    assert len({e.job for e in finished}) == budget
    created = [e.agent for e in events if isinstance(e, AgentCreated)]
    assert len(created) == len(set(created))
    expansions = {e.job: e.child for e in events if isinstance(e, ExpansionStarted)}
    assert len(set(expansions.values())) == len(expansions)
    eval_jobs = {e.job for e in events if isinstance(e, EvaluationStarted)}
    assert not eval_jobs & set(expansions)
    failed = {e.child for e in events if isinstance(e, ExpansionFinished) and not e.ok}
    assert not failed & set(created)


class SlowWorld:
    """A real-time world: every job sleeps; evaluations succeed on even task numbers."""

    def __init__(self, n_tasks: int = 30, sleep_s: float = 0.002) -> None:
        self.n_tasks = n_tasks
        self.sleep = threading.Event()
        self.sleep_s = sleep_s

    def tasks(self) -> list[str]:
        return [f"t{i}" for i in range(self.n_tasks)]

    def expand(self, parent: int, child: int) -> ExpandOutcome:
        self.sleep.wait(self.sleep_s)
        return ExpandOutcome(ok=child % 4 != 3, reason="" if child % 4 != 3 else "no patch")

    def evaluate(self, agent: int, task: str) -> EvalOutcome:
        self.sleep.wait(self.sleep_s)
        return EvalOutcome(success=int(task[1:]) % 2 == 0, cost_usd=0.5)
