import threading

import numpy as np
import pytest
from engine_helpers import Recorder, SlowWorld, check_history

from hgm.engine import Budget, Engine, EngineState, ThreadExecutor
from hgm.engine.events import EvaluationStarted, ExpansionStarted, JobInterrupted
from hgm.search import DGMPolicyConfig, HGMPolicyConfig, SICAPolicyConfig, make_policy
from hgm.sim import make_world, world_config

BUDGET = 90


def _resume(events: list, config: object, workers: int, seed: int) -> tuple[list, object]:
    state = EngineState.from_events(events)
    world = make_world(world_config("fragile"), seed)
    world.restore((agent, state.tree.parent(agent)) for agent in state.tree.agents())
    recorder = Recorder()
    engine = Engine(
        world, make_policy(config), Budget(BUDGET), workers, seed, observers=[recorder], state=state
    )  # type: ignore[arg-type]
    return recorder.events, engine.run()


def test_a_stopped_run_resumes_to_exactly_the_budget() -> None:
    config = HGMPolicyConfig()
    recorder = Recorder(stop_after=70)
    engine = Engine(
        make_world(world_config("fragile"), 4),
        make_policy(config),
        Budget(BUDGET),
        5,
        4,
        observers=[recorder],
    )
    recorder.engine = engine
    first = engine.run()
    assert first.reason == "stopped" and first.interrupted_jobs > 0
    interrupted = {e.job for e in recorder.of(JobInterrupted)}
    assert len(interrupted) == first.interrupted_jobs
    second_events, second = _resume(recorder.events, config, 5, 4)
    assert second.reason == "budget" and second.evaluations_started == BUDGET  # type: ignore[attr-defined]
    restarted = [
        e.job for e in second_events if isinstance(e, ExpansionStarted | EvaluationStarted)
    ]
    assert restarted[: len(interrupted)] == sorted(interrupted)  # same ids, run first
    history = recorder.events + second_events
    check_history(history, BUDGET)
    assert len({e.job for e in history if isinstance(e, EvaluationStarted)}) == BUDGET


@pytest.mark.parametrize(
    "config", [HGMPolicyConfig(), DGMPolicyConfig(), SICAPolicyConfig()], ids=lambda c: c.kind
)
def test_resume_after_a_crash_at_random_moments(config: object) -> None:
    """A crash is a cut of the event log anywhere: resuming from any prefix ends with exactly
    the budget, no evaluation lost or repeated."""
    recorder = Recorder()
    Engine(
        make_world(world_config("fragile"), 9),
        make_policy(config),
        Budget(BUDGET),
        4,
        9,
        observers=[recorder],
    ).run()  # type: ignore[arg-type]
    full = recorder.events
    rng = np.random.default_rng(0)
    for cut in sorted(rng.choice(np.arange(1, len(full)), size=6, replace=False)):
        prefix = full[:cut]
        events, summary = _resume(prefix, config, 3, 9)
        assert summary.reason == "budget"  # type: ignore[attr-defined]
        check_history(prefix + events, BUDGET)
        # a second crash and resume inside the resumed session
        middle = prefix + events[: len(events) // 2]
        events2, _ = _resume(middle, config, 2, 9)
        check_history(middle + events2, BUDGET)


def test_thread_executor_interrupts_and_resumes() -> None:
    world = SlowWorld(sleep_s=0.05)
    recorder = Recorder()
    engine = Engine(
        world,
        make_policy(HGMPolicyConfig()),
        Budget(40),
        4,
        0,
        executor=ThreadExecutor(),
        observers=[recorder],
    )
    timer = threading.Timer(0.3, engine.request_stop)
    timer.start()
    first = engine.run()
    timer.join()
    assert first.reason == "stopped"
    assert len(recorder.of(JobInterrupted)) == first.interrupted_jobs > 0
    state = EngineState.from_events(recorder.events)
    assert len(state.requeue) == first.interrupted_jobs
    second_recorder = Recorder()
    world.sleep_s = 0.001
    Engine(
        world,
        make_policy(HGMPolicyConfig()),
        Budget(40),
        4,
        0,
        executor=ThreadExecutor(),
        observers=[second_recorder],
        state=state,
    ).run()
    check_history(recorder.events + second_recorder.events, 40)
