"""Honest accounting: `Budget(expansion_cost=C)` charges every expansion started C units."""

import pytest
from engine_helpers import Recorder

from hgm.engine import Budget, Engine, EngineState
from hgm.engine.events import EvaluationStarted, ExpansionStarted
from hgm.errors import UserError
from hgm.search import DGMPolicyConfig, HGMPolicyConfig, make_policy
from hgm.sim import make_world, world_config


def _run(budget: Budget, config: object = HGMPolicyConfig(), workers: int = 4, seed: int = 3):
    recorder = Recorder()
    world = make_world(world_config("fragile"), seed)
    engine = Engine(world, make_policy(config), budget, workers, seed, observers=[recorder])  # type: ignore[arg-type]
    return engine, engine.run(), recorder


@pytest.mark.parametrize("cost", [0.5, 1.0, 3.0])
@pytest.mark.parametrize("config", [HGMPolicyConfig(), DGMPolicyConfig()], ids=lambda c: c.kind)
def test_expansions_are_charged_and_the_total_never_exceeds_the_budget(
    cost: float, config: object
) -> None:
    budget = 100
    _, summary, recorder = _run(Budget(budget, expansion_cost=cost), config)
    total = summary.evaluations_started + cost * summary.expansions_started
    assert summary.reason == "budget"
    assert budget - 1 < total <= budget  # stops only when no evaluation fits
    assert summary.evaluations_started < budget  # expansions took their share
    spent = 0.0
    for event in recorder.events:  # nothing ever started beyond what remained
        if isinstance(event, ExpansionStarted):
            spent += cost
        elif isinstance(event, EvaluationStarted):
            spent += 1
        assert spent <= budget


def test_cost_zero_is_the_papers_accounting_unchanged() -> None:
    _, paper, paper_events = _run(Budget(80))
    _, free, free_events = _run(Budget(80, expansion_cost=0.0))
    assert paper == free
    assert paper_events.events == free_events.events
    assert paper.evaluations_started == 80


def test_an_expansion_starts_only_if_it_fits() -> None:
    # budget 10 at C = 4: expansions start only while 4 units remain
    _, summary, _ = _run(Budget(10, expansion_cost=4.0), workers=1)
    total = summary.evaluations_started + 4.0 * summary.expansions_started
    assert total <= 10
    assert summary.expansions_started >= 1


def test_resume_charges_expansions_from_the_replayed_counters() -> None:
    budget = Budget(60, expansion_cost=2.0)
    _, whole, recorder = _run(budget, seed=5)
    cut = len(recorder.events) // 2
    state = EngineState.from_events(recorder.events[:cut])
    world = make_world(world_config("fragile"), 5)
    world.restore((agent, state.tree.parent(agent)) for agent in state.tree.agents())
    resumed = Engine(world, make_policy(HGMPolicyConfig()), budget, 4, 5, state=state).run()
    total = resumed.evaluations_started + 2.0 * resumed.expansions_started
    assert 59 < total <= 60
    assert whole.reason == resumed.reason == "budget"


def test_a_negative_or_absurd_expansion_cost_is_a_user_error() -> None:
    with pytest.raises(UserError, match="expansion_cost"):
        Budget(10, expansion_cost=-1.0)
    with pytest.raises(UserError, match="expansion_cost"):
        Budget(10, expansion_cost=float("nan"))
