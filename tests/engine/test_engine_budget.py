import pytest
from engine_helpers import Recorder, SlowWorld, check_history

from hgm.engine import Budget, Engine, ThreadExecutor
from hgm.engine.events import (
    AgentCreated,
    EvaluationStarted,
    ExpansionFinished,
    ExpansionStarted,
    RunFinished,
)
from hgm.engine.world import EvalOutcome, ExpandOutcome
from hgm.errors import UserError
from hgm.search import (
    DGMPolicyConfig,
    GreedyPolicyConfig,
    HGMPolicyConfig,
    RandomPolicyConfig,
    SICAPolicyConfig,
    make_policy,
)
from hgm.sim import make_world, world_config

POLICIES = [
    HGMPolicyConfig(),
    DGMPolicyConfig(),
    SICAPolicyConfig(),
    GreedyPolicyConfig(),
    RandomPolicyConfig(),
]


@pytest.mark.parametrize("workers", [1, 3, 8])
@pytest.mark.parametrize("config", POLICIES, ids=lambda c: c.kind)
def test_exactly_the_budget_is_evaluated(config: object, workers: int) -> None:
    recorder = Recorder()
    world = make_world(world_config("fragile"), seed=workers)
    engine = Engine(world, make_policy(config), Budget(120), workers, seed=5, observers=[recorder])  # type: ignore[arg-type]
    summary = engine.run()
    assert summary.reason == "budget"
    assert summary.evaluations_started == summary.evaluations_finished == 120
    check_history(recorder.events, 120)
    assert summary.agents == len(recorder.of(AgentCreated)) == len(engine.tree)
    assert summary.expansions_failed == sum(1 for e in recorder.of(ExpansionFinished) if not e.ok)
    assert isinstance(recorder.events[-1], RunFinished)


def test_work_in_flight_finishes_after_the_budget_is_spent() -> None:
    recorder = Recorder()
    engine = Engine(
        make_world(world_config("drift"), 1),
        make_policy(HGMPolicyConfig()),
        Budget(30),
        6,
        1,
        observers=[recorder],
    )
    engine.run()
    last_start = max(i for i, e in enumerate(recorder.events) if isinstance(e, EvaluationStarted))
    finished_later = [
        e for e in recorder.events[last_start:] if type(e).__name__.endswith("Finished")
    ]
    assert len(finished_later) >= 2  # several jobs were still running at the last start


def test_events_announce_ids_before_use() -> None:
    recorder = Recorder()
    engine = Engine(
        make_world(world_config("fragile"), 2),
        make_policy(HGMPolicyConfig()),
        Budget(80),
        4,
        2,
        observers=[recorder],
    )
    engine.run()
    assert recorder.events[0] == AgentCreated(0, None, 0.0)
    jobs = [e.job for e in recorder.events if isinstance(e, ExpansionStarted | EvaluationStarted)]
    assert jobs == list(range(len(jobs)))
    children = [e.child for e in recorder.of(ExpansionStarted)]
    assert children == sorted(children) and children[0] == 1
    started = {e.child: i for i, e in enumerate(recorder.events) if isinstance(e, ExpansionStarted)}
    for i, event in enumerate(recorder.events):
        if isinstance(event, AgentCreated) and event.parent is not None:
            assert started[event.agent] < i
            assert isinstance(recorder.events[i - 1], ExpansionFinished)


def test_expansion_cap_and_no_work() -> None:
    engine = Engine(
        make_world(world_config("drift", ["n_tasks=5"]), 0),
        make_policy(HGMPolicyConfig()),
        Budget(100, expansions=2),
        workers=2,
        seed=0,
    )
    summary = engine.run()
    assert summary.expansions_started == 2
    assert summary.reason == "no-work"
    assert summary.evaluations_finished == 5 * summary.agents


def test_money_cap_stops_deciding() -> None:
    world = make_world(world_config("drift", ["eval_cost_usd=1.0"]), 0)
    summary = Engine(world, make_policy(HGMPolicyConfig()), Budget(500, money_usd=20), 1, 0).run()
    assert summary.reason == "money"
    assert summary.money_usd == pytest.approx(20.0)


def test_wall_clock_cap_uses_the_engine_clock() -> None:
    world = make_world(world_config("drift"), 0)
    summary = Engine(
        world, make_policy(HGMPolicyConfig()), Budget(500, wall_clock_s=10.0), 2, 0
    ).run()
    assert summary.reason == "wall-clock"
    assert summary.evaluations_finished < 500


def test_thread_executor_runs_real_jobs() -> None:
    recorder = Recorder()
    engine = Engine(
        SlowWorld(),
        make_policy(HGMPolicyConfig()),
        Budget(40),
        4,
        0,
        executor=ThreadExecutor(),
        observers=[recorder],
    )
    summary = engine.run()
    assert summary.reason == "budget"
    check_history(recorder.events, 40)
    assert summary.money_usd == pytest.approx(20.0)


def test_a_world_error_reaches_the_caller() -> None:
    class Broken(SlowWorld):
        def evaluate(self, agent: int, task: str):  # type: ignore[override]
            raise OSError("disk full")

    engine = Engine(
        Broken(), make_policy(HGMPolicyConfig()), Budget(10), 2, 0, executor=ThreadExecutor()
    )
    with pytest.raises(OSError, match="disk full"):
        engine.run()


def test_bad_workers_is_a_user_error() -> None:
    with pytest.raises(UserError, match="workers"):
        Engine(SlowWorld(), make_policy(HGMPolicyConfig()), Budget(10), 0, 0)
    with pytest.raises(UserError, match="task_evals"):
        Budget(-1)


class _ExpansionsAlwaysFail:
    """A world in which no agent can ever improve itself: every expansion fails."""

    def tasks(self) -> list[str]:
        return [f"t{i}" for i in range(50)]

    def expand(self, parent: int, child: int) -> ExpandOutcome:
        return ExpandOutcome(ok=False, reason="broken", duration=1.0)

    def evaluate(self, agent: int, task: str) -> EvalOutcome:
        return EvalOutcome(success=False, duration=1.0)


@pytest.mark.parametrize("config", POLICIES, ids=lambda c: c.kind)
def test_a_world_of_failed_expansions_still_ends_at_the_budget(config: object) -> None:
    budget = Budget(20)
    engine = Engine(_ExpansionsAlwaysFail(), make_policy(config), budget, 2, seed=3)  # type: ignore[arg-type]
    summary = engine.run()  # before the default cap, this never returned
    # DGM evaluates only children that pass their stage; with no children it runs out of work.
    assert summary.reason == ("no-work" if config.kind == "dgm" else "budget")  # type: ignore[attr-defined]
    assert summary.evaluations_finished == (10 if config.kind == "dgm" else 20)  # type: ignore[attr-defined]
    assert summary.expansions_started <= budget.expansion_cap() == 40
    assert summary.agents == 1
