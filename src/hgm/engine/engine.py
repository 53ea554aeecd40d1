"""The asynchronous scheduler: W workers, each free worker asks the policy what to do next."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hgm.engine.budget import Budget
from hgm.engine.events import (
    AgentCreated,
    EvaluationFinished,
    EvaluationStarted,
    Event,
    ExpansionFinished,
    ExpansionStarted,
    JobInterrupted,
    JobRequeued,
    Observer,
    RunFinished,
)
from hgm.engine.executors import Executor, VirtualTimeExecutor
from hgm.engine.jobs import Done, Job
from hgm.engine.state import ROOT, EngineState
from hgm.engine.world import EvalOutcome, ExpandOutcome, Unfinished, World
from hgm.errors import UserError
from hgm.search.actions import Evaluate, Expand
from hgm.search.policies import Policy
from hgm.search.state import SearchState
from hgm.search.tree import Tree

POLL_S = 0.1
DEFAULT_PAUSE_AFTER = 3
PAUSED = "paused"


@dataclass(frozen=True, slots=True)
class Pause:
    """Why the run paused: the last of `failures` infrastructure failures (in a row, or of
    one job)."""

    component: str
    reason: str
    failures: int

    def describe(self) -> str:
        return (
            f"{self.failures} attempts in a row could not be done because the "
            f"{self.component} failed; the last: {self.reason}"
        )


@dataclass(frozen=True, slots=True)
class RunSummary:
    """Why the run stopped and what it did (counters cover every session of the run).

    `reason`: "budget" (task evaluations), "wall-clock", "money", "stopped" (request_stop),
    "paused" (`pause_after` infrastructure failures in a row: `pause` says which), or
    "no-work" (the policy had nothing left to do).
    """

    reason: str
    evaluations_started: int
    evaluations_finished: int
    agents: int
    expansions_started: int
    expansions_failed: int
    money_usd: float
    elapsed_s: float
    interrupted_jobs: int
    requeued_jobs: int = 0
    pause: Pause | None = None


class Engine:
    """Runs a search on a world until the budget is spent, then finishes the work in flight.

    An evaluation is charged when it starts. Jobs re-queued in `state` run first, uncharged.
    A job the world could not do because the infrastructure failed (`Unfinished`) is
    re-queued with its job id, uncharged and not recorded as a result; after `pause_after`
    such failures in a row (no job succeeding in between) the engine starts no more work,
    lets the jobs in flight finish and returns with reason "paused" (resume continues).
    The engine assigns job ids and child agent ids (monotone, never reused) and sends every
    event to `observers`, in order, on the thread that called `run`.
    """

    def __init__(
        self,
        world: World,
        policy: Policy,
        budget: Budget,
        workers: int,
        seed: int,
        executor: Executor | None = None,
        observers: Sequence[Observer] = (),
        state: EngineState | None = None,
        pause_after: int = DEFAULT_PAUSE_AFTER,
    ) -> None:
        if workers < 1:
            raise UserError(f"workers must be >= 1, given {workers}")
        if pause_after < 1:
            raise UserError(f"pause_after must be >= 1, given {pause_after}")
        self.world = world
        self.policy = policy
        self.budget = budget
        self._expansion_cap = budget.expansion_cap()
        self.workers = workers
        self.executor: Executor = executor if executor is not None else VirtualTimeExecutor()
        self.observers = tuple(observers)
        self._announce_root = state is None
        self.state = state if state is not None else EngineState.fresh()
        self.rng = np.random.default_rng(
            seed if self._announce_root else [seed, self.state.next_job]
        )
        self.search = SearchState(
            budget=budget.task_evals,
            tasks=tuple(world.tasks()),
            workers=workers,
            expansion_cost=budget.expansion_cost,
            evaluations_started=self.state.evaluations_started,
            expansions_started=self.state.expansions_started,
            expansions_failed=self.state.expansions_failed,
        )
        self._stop = threading.Event()
        self._pause_after = pause_after
        self._failures_in_a_row = 0
        self._failures_of_job: dict[int, int] = {}
        self._requeued = 0
        self._pause: Pause | None = None
        self._pending: deque[Job] = deque()
        self._evaluations_finished = sum(
            self.tree.own_successes(a) + self.tree.own_failures(a) for a in self.tree.agents()
        )

    @property
    def tree(self) -> Tree:
        return self.state.tree

    def request_stop(self) -> None:
        """Stop deciding; jobs in flight are reported as interrupted (thread-safe)."""
        self._stop.set()

    def run(self) -> RunSummary:
        executor = self.executor
        executor.bind(self.world, self.workers, self.state.elapsed_s)
        if self._announce_root:
            self._emit(AgentCreated(ROOT, None, executor.now()))
        pending = self._pending = deque(self.state.requeue)
        self.state.requeue = []
        for job in pending:
            self._reserve(job)
        limit: str | None = None
        # looked up once: the loop runs once per job (the tree and search state never change)
        running, decide, tree, search = executor.running, self.policy.decide, self.tree, self.search
        stopped, workers, rng = self._stop.is_set, self.workers, self.rng
        while not stopped():
            while running() < workers and self._pause is None and not stopped():
                if pending:
                    self._submit(pending.popleft())
                    continue
                remaining = search.remaining
                limit = limit or self._limit_reached(remaining)
                if limit is not None:
                    break
                search.can_expand = self._may_expand(remaining)
                action = decide(tree, search, rng)
                if isinstance(action, Evaluate):
                    self._start_evaluation(action)
                elif isinstance(action, Expand):
                    self._start_expansion(action)
                else:
                    break
            if running() == 0 and (not pending or self._pause is not None):
                break
            done = executor.wait(POLL_S)
            for notice in executor.notices():
                self._emit(notice)
            if done is not None:
                self._finish(done)
        interrupted = self._interrupt(pending) if self._stop.is_set() else 0
        if self._stop.is_set():
            reason = "stopped"
        elif self._pause is not None:
            reason = PAUSED
            self.state.requeue = list(pending)
        else:
            reason = limit or "no-work"
        self.state.elapsed_s = executor.now()
        self.state.evaluations_started = self.search.evaluations_started
        self.state.expansions_started = self.search.expansions_started
        self.state.expansions_failed = self.search.expansions_failed
        detail = self._pause.describe() if self._pause is not None else ""
        self._emit(RunFinished(reason, self.state.elapsed_s, detail))
        return RunSummary(
            reason=reason,
            evaluations_started=self.search.evaluations_started,
            evaluations_finished=self._evaluations_finished,
            agents=len(self.tree),
            expansions_started=self.search.expansions_started,
            expansions_failed=self.search.expansions_failed,
            money_usd=self.state.money_usd,
            elapsed_s=self.state.elapsed_s,
            interrupted_jobs=interrupted,
            requeued_jobs=self._requeued,
            pause=self._pause,
        )

    # ---- internals ---------------------------------------------------------------------

    def _may_expand(self, remaining: float) -> bool:
        """Below the expansion cap and, when expansions are charged, one still fits in the
        `remaining` budget."""
        search = self.search
        if search.expansions_started >= self._expansion_cap:
            return False
        return search.expansion_cost == 0.0 or remaining >= search.expansion_cost

    def _limit_reached(self, remaining: float) -> str | None:
        budget = self.budget
        if remaining < 1:  # no evaluation fits (C = 0: N_t >= B)
            return "budget"
        if budget.wall_clock_s is not None and self.executor.now() >= budget.wall_clock_s:
            return "wall-clock"
        if budget.money_usd is not None and self.state.money_usd >= budget.money_usd:
            return "money"
        return None

    def _start_expansion(self, action: Expand) -> None:
        if not self.search.can_expand:
            raise RuntimeError(f"policy expanded beyond the expansion cap: {action}")
        state = self.state
        job = Job(state.next_job, action, state.next_agent)
        state.next_agent += 1
        state.next_job += 1
        self.search.expansions_started += 1
        self._reserve(job)
        self._submit(job)

    def _start_evaluation(self, action: Evaluate) -> None:
        search, agent, task = self.search, action.agent, action.task
        if self.tree.is_evaluated(agent, task) or search.in_flight(agent, task):
            raise RuntimeError(f"policy chose a pair already evaluated or running: {action}")
        state = self.state
        job = Job(state.next_job, action)
        state.next_job += 1
        search.evaluations_started += 1
        self._reserve(job)
        self._submit(job)

    def _reserve(self, job: Job) -> None:
        action = job.action
        if isinstance(action, Expand):
            self.search.expanding[job.id] = action.parent
        else:
            self.search.start_evaluation(action.agent, action.task)

    def _submit(self, job: Job) -> None:
        action = job.action
        if self.observers:  # events are built only when someone listens (simulations: no one)
            now = self.executor.now()
            if isinstance(action, Expand):
                assert job.child is not None
                self._emit(ExpansionStarted(job.id, action.parent, job.child, now))
            else:
                self._emit(EvaluationStarted(job.id, action.agent, action.task, now))
        self.executor.submit(job)

    def _finish(self, done: Done) -> None:
        job, outcome, action = done.job, done.outcome, done.job.action
        if isinstance(outcome, EvalOutcome):
            self._finish_evaluation(done, outcome)
            return
        if isinstance(outcome, Unfinished):
            self._requeue(job, outcome)
            return
        assert isinstance(action, Expand) and isinstance(outcome, ExpandOutcome)
        assert job.child is not None
        self._failures_in_a_row = 0
        self.state.money_usd += outcome.cost_usd
        del self.search.expanding[job.id]
        if not outcome.ok:
            self.search.expansions_failed += 1
            self.tree.record_failed_expansion(action.parent)
        self._emit(
            ExpansionFinished(
                job.id,
                action.parent,
                job.child,
                outcome.ok,
                outcome.reason,
                outcome.cost_usd,
                done.started,
                done.finished,
                outcome.details,
            )
        )
        if outcome.ok:
            self.tree.add_agent(job.child, action.parent)
            self._emit(AgentCreated(job.child, action.parent, done.finished, job.id))

    def _finish_evaluation(self, done: Done, outcome: EvalOutcome) -> None:
        job = done.job
        action = job.action
        assert isinstance(action, Evaluate)
        self._failures_in_a_row = 0
        self.state.money_usd += outcome.cost_usd
        self.search.finish_evaluation(action.agent, action.task)
        self.tree.record(action.agent, action.task, outcome.success)
        self._evaluations_finished += 1
        if self.observers:
            self._emit(
                EvaluationFinished(
                    job.id,
                    action.agent,
                    action.task,
                    outcome.success,
                    outcome.cost_usd,
                    done.started,
                    done.finished,
                    outcome.details,
                )
            )

    def _requeue(self, job: Job, failure: Unfinished) -> None:
        """Run `job` again (first, same id, still reserved and charged once); pause after
        `pause_after` failures in a row, or of this one job (which other jobs succeeding
        in between must not let run on forever). The money it spent shows when it
        finishes."""
        self._requeued += 1
        self._failures_in_a_row += 1
        failures = self._failures_of_job[job.id] = self._failures_of_job.get(job.id, 0) + 1
        self._emit(JobRequeued(job.id, failure.component, failure.reason, self.executor.now()))
        self._pending.appendleft(job)
        worst = max(self._failures_in_a_row, failures)
        if worst >= self._pause_after and self._pause is None:
            self._pause = Pause(failure.component, failure.reason, worst)

    def _interrupt(self, pending: deque[Job]) -> int:
        jobs = [*self.executor.abandon(), *pending]
        now = self.executor.now()
        for job in jobs:
            self._emit(JobInterrupted(job.id, now))
        self.state.requeue = jobs
        return len(jobs)

    def _emit(self, event: Event) -> None:
        for observer in self.observers:
            observer.notify(event)
