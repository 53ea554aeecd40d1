"""Infrastructure failures: re-queued with the same job id, never charged, never a result; the
run pauses after repeated failures and a resume (from the run database) finishes the budget."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from engine_helpers import Recorder, check_history

from hgm.engine import Budget, Engine, EngineState, EvalOutcome, ExpandOutcome
from hgm.engine.events import (
    EvaluationFinished,
    EvaluationStarted,
    ExpansionFinished,
    ExpansionStarted,
    JobRequeued,
)
from hgm.errors import InfrastructureFailure
from hgm.search import HGMPolicyConfig, make_policy
from hgm.sim import make_world, world_config
from hgm.store.run_store import RunStore

BUDGET = 40
SEED = 5


class FlakyWorld:
    """A simulated world whose n-th job (1-based, counting every call) raises an
    infrastructure failure when `broken(n)` says so."""

    def __init__(self, broken: Callable[[int], bool], seed: int = SEED) -> None:
        self.world = make_world(world_config("fragile"), seed)
        self.broken = broken
        self.calls = 0

    def tasks(self) -> list[str]:
        return self.world.tasks()

    def _check(self) -> None:
        self.calls += 1
        if self.broken(self.calls):
            raise InfrastructureFailure("provider", f"connection refused (call {self.calls})")

    def expand(self, parent: int, child: int) -> ExpandOutcome:
        self._check()
        return self.world.expand(parent, child)

    def evaluate(self, agent: int, task: str) -> EvalOutcome:
        self._check()
        return self.world.evaluate(agent, task)


def _engine(
    world: FlakyWorld,
    *observers: object,
    state: EngineState | None = None,
    workers: int = 3,
    **kw: object,
) -> Engine:
    return Engine(
        world,  # type: ignore[arg-type]
        make_policy(HGMPolicyConfig()),
        Budget(BUDGET),
        workers=workers,
        seed=SEED,
        observers=observers,  # type: ignore[arg-type]
        state=state,
        **kw,
    )


def test_failed_jobs_run_again_with_their_ids_and_are_never_results() -> None:
    failing = {3, 4, 9, 17, 30}
    recorder = Recorder()
    summary = _engine(FlakyWorld(lambda n: n in failing), recorder, pause_after=3).run()
    assert summary.reason == "budget" and summary.pause is None
    assert summary.requeued_jobs == len(failing)
    requeued = recorder.of(JobRequeued)
    assert len(requeued) == len(failing)
    assert {event.component for event in requeued} == {"provider"}
    starts = [e.job for e in recorder.events if isinstance(e, EvaluationStarted | ExpansionStarted)]
    requeues = [event.job for event in requeued]
    for event in requeued:  # started again, same id, and finished exactly once
        assert starts.count(event.job) == 1 + requeues.count(event.job)
        finished = [
            e
            for e in recorder.events
            if isinstance(e, EvaluationFinished | ExpansionFinished) and e.job == event.job
        ]
        assert len(finished) == 1
    check_history(recorder.events, BUDGET)
    assert summary.evaluations_started == summary.evaluations_finished == BUDGET


def test_a_success_between_failures_resets_the_count() -> None:
    recorder = Recorder()  # one worker: results come back in the order the world was called
    broken = FlakyWorld(lambda n: n % 2 == 0 and n < 30)
    summary = _engine(broken, recorder, workers=1, pause_after=2).run()
    assert summary.reason == "budget" and summary.requeued_jobs > 5
    check_history(recorder.events, BUDGET)


def test_one_job_that_keeps_failing_pauses_even_while_others_succeed() -> None:
    class OneBadTask(FlakyWorld):
        def evaluate(self, agent: int, task: str) -> EvalOutcome:
            if task in self.world.tasks()[:10]:
                raise InfrastructureFailure("toolchain", "rust toolchain: cargo not found")
            return self.world.evaluate(agent, task)

    summary = _engine(OneBadTask(lambda n: False), workers=3, pause_after=3).run()
    assert summary.reason == "paused" and summary.pause is not None
    assert summary.pause.component == "toolchain" and summary.evaluations_finished < BUDGET


def test_an_outage_pauses_the_run_and_a_resume_finishes_exactly_the_budget(
    tmp_path: Path,
) -> None:
    db = tmp_path / "run.db"
    outage = FlakyWorld(lambda n: n > 20)
    with RunStore.create(db) as store:
        recorder = Recorder()
        first = _engine(outage, store, recorder, pause_after=3).run()
    assert first.reason == "paused" and first.pause is not None
    assert first.pause.component == "provider" and first.pause.failures == 3
    assert "connection refused" in first.pause.describe()
    assert first.evaluations_finished < BUDGET
    # nothing that failed became a result; every requeued job is still open
    requeued = {e.job for e in recorder.of(JobRequeued)}
    finished = {e.job for e in recorder.events if isinstance(e, EvaluationFinished)}
    assert requeued and not requeued & finished
    with RunStore.open_for_reading(db) as store:
        assert store.last_session().end_reason == "paused"  # type: ignore[union-attr]
        state = store.load_engine_state()
    assert state is not None and requeued <= {job.id for job in state.requeue}
    assert state.evaluations_started == first.evaluations_started  # charged once, not twice

    repaired = FlakyWorld(lambda n: False)
    repaired.world.restore((a, state.tree.parent(a)) for a in state.tree.agents())
    with RunStore.open_for_writing(db) as store:
        second_recorder = Recorder()
        second = _engine(repaired, store, second_recorder, state=state).run()
    assert second.reason == "budget" and second.evaluations_finished == BUDGET
    check_history(recorder.events + second_recorder.events, BUDGET)
    with RunStore.open_for_reading(db) as store:
        assert store.counts().task_evals_done == BUDGET
