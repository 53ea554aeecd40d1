"""What the engine needs to resume a run: the tree, the counters and the jobs to re-queue."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from hgm.engine.events import (
    AgentCreated,
    EvaluationFinished,
    EvaluationStarted,
    Event,
    ExpansionFinished,
    ExpansionStarted,
    JobInterrupted,
    JobRequeued,
    RunFinished,
)
from hgm.engine.jobs import Job
from hgm.search.actions import Evaluate, Expand
from hgm.search.tree import Tree

ROOT = 0


@dataclass
class EngineState:
    """A run's state between sessions.

    - `tree`: every agent (root 0) with its parent and every finished evaluation recorded.
    - `evaluations_started`: evaluations charged so far (finished + re-queued ones).
    - `expansions_started`, `expansions_failed`: counts over the whole run.
    - `money_usd`, `elapsed_s`: totals reported so far (the clock resumes from `elapsed_s`).
    - `next_job`, `next_agent`: the next free ids (ids are never reused).
    - `requeue`: jobs that started and never finished, run first on resume without being
      charged again; each gets a new Started event with the SAME job id.

    Build it with `EngineState.fresh()`, `EngineState.from_events(events)` (replaying a
    run's events in order), or directly from a database's rows.
    """

    tree: Tree
    evaluations_started: int = 0
    expansions_started: int = 0
    expansions_failed: int = 0
    money_usd: float = 0.0
    elapsed_s: float = 0.0
    next_job: int = 0
    next_agent: int = ROOT + 1
    requeue: list[Job] = field(default_factory=list)

    @classmethod
    def fresh(cls) -> EngineState:
        """A new run: a tree holding only the root agent 0."""
        tree = Tree()
        tree.add_agent(ROOT, None)
        return cls(tree=tree)

    @classmethod
    def from_events(cls, events: Iterable[Event]) -> EngineState:
        """Rebuild the state by replaying a run's events (several sessions) in order."""
        state = cls(tree=Tree())
        open_jobs: dict[int, Job] = {}
        seen_jobs: set[int] = set()
        for event in events:
            match event:
                case AgentCreated(agent=agent, parent=parent, time=time):
                    state.tree.add_agent(agent, parent)
                    state.next_agent = max(state.next_agent, agent + 1)
                case ExpansionStarted(job=job, parent=parent, child=child, time=time):
                    if job not in seen_jobs:
                        state.expansions_started += 1
                    open_jobs[job] = Job(job, Expand(parent), child)
                    state.next_agent = max(state.next_agent, child + 1)
                case EvaluationStarted(job=job, agent=agent, task=task, time=time):
                    if job not in seen_jobs:
                        state.evaluations_started += 1
                    open_jobs[job] = Job(job, Evaluate(agent, task))
                case ExpansionFinished(job=job, parent=parent, ok=ok, cost_usd=cost, finished=time):
                    open_jobs.pop(job)
                    state.money_usd += cost
                    if not ok:
                        state.expansions_failed += 1
                        state.tree.record_failed_expansion(parent)
                case EvaluationFinished(
                    job=job, agent=agent, task=task, success=success, cost_usd=cost, finished=time
                ):
                    open_jobs.pop(job)
                    state.money_usd += cost
                    state.tree.record(agent, task, success)
                case JobInterrupted(time=time) | JobRequeued(time=time) | RunFinished(time=time):
                    pass
            if isinstance(event, ExpansionStarted | EvaluationStarted):
                seen_jobs.add(event.job)
                state.next_job = max(state.next_job, event.job + 1)
            state.elapsed_s = max(state.elapsed_s, time)
        if ROOT not in state.tree:
            state.tree.add_agent(ROOT, None)
        state.requeue = sorted(open_jobs.values(), key=lambda job: job.id)
        return state
