"""The lineage policy (the default) and the name `default`."""

from collections import Counter

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError
from search_helpers import chain_tree, record_many, state

from hgm.runconfig.config import parse_run_config
from hgm.search import (
    DEFAULT_KIND,
    Evaluate,
    Expand,
    HGMPolicyConfig,
    LineagePolicyConfig,
    PolicyConfig,
    Wait,
    make_policy,
    policy_rule,
    select_final,
)
from hgm.search.selection import LINEAGE_PRIOR, lineage_prior
from hgm.sim.compare import policy_configs


def test_default_names_the_lineage_policy_everywhere() -> None:
    assert DEFAULT_KIND == "lineage"
    adapter = TypeAdapter(PolicyConfig)
    assert adapter.validate_python({"kind": "default"}) == LineagePolicyConfig()
    tuned = adapter.validate_python({"kind": "default", "leader_share": 0.8})
    assert tuned == LineagePolicyConfig(leader_share=0.8)
    assert adapter.validate_python({"kind": "hgm"}) == HGMPolicyConfig()
    with pytest.raises(ValidationError, match="allowed: default, lineage, hgm"):
        adapter.validate_python({"kind": "magic"})
    configs = policy_configs("default,hgm,default:inherited_prior=2")
    assert configs["default"] == LineagePolicyConfig()
    assert configs["default:inherited_prior=2"] == LineagePolicyConfig(inherited_prior=2.0)
    assert policy_rule("lineage") == "lineage" and policy_rule("hgm") == "best-belief"


def test_widening_grows_with_the_scale_and_shrinks_with_the_expansion_cost() -> None:
    tree = chain_tree([None, *range(9)])  # 9 agents besides the root
    policy = make_policy(LineagePolicyConfig(warmup_expansions=0))
    hgm = make_policy(HGMPolicyConfig(warmup_expansions=0))
    rng = np.random.default_rng(0)
    # N_t = 10: HGM's 10^0.6 = 3.98 < 9 evaluates; 4 * 3.98 = 15.9 >= 9 expands
    free = state(evaluations_started=10)
    assert isinstance(hgm.decide(tree, free, rng), Evaluate)
    assert isinstance(policy.decide(tree, free, rng), Expand)
    # C = 3: 15.9 / 4^0.66 = 6.3 < 9: evaluate
    charged = state(evaluations_started=10)
    charged.expansion_cost = 3.0
    assert isinstance(policy.decide(tree, charged, rng), Evaluate)


def test_a_child_inherits_its_parents_clade_standing() -> None:
    tree = chain_tree([None, 0, 1, 0])
    record_many(tree, 1, 9, 1)  # clade of 1: 9/1 (agent 2 is new, unevaluated)
    record_many(tree, 3, 1, 9)
    policy = make_policy(LineagePolicyConfig())
    mean = policy.guidance(tree)  # type: ignore[attr-defined]
    k = LineagePolicyConfig().inherited_prior
    parent_mean = 10 / 12
    assert mean[2] == pytest.approx((1 + k * parent_mean) / (2 + k))
    assert mean[2] > 0.7 > 0.5  # not a coin flip: HGM's flat prior would say 0.5
    a, b = policy.clade_shapes(tree)  # type: ignore[attr-defined]
    assert a[0] == 1 + tree.clade_successes(0) and b[0] == 1 + tree.clade_failures(0)
    shares = Counter()
    search = state(budget=10_000, evaluations_started=5_000, expansions_started=10)
    rng = np.random.default_rng(3)
    for _ in range(300):
        decision = policy.decide(tree, search, rng)
        assert isinstance(decision, Expand)
        shares[decision.parent] += 1
    assert shares[3] < 10 and shares[1] + shares[2] > 250


@pytest.mark.parametrize(("leader_share", "low", "high"), [(1.0, 0.0, 0.25), (0.5, 0.35, 0.65)])
def test_top_two_evaluates_the_challenger_when_the_leader_is_not_drawn(
    leader_share: float, low: float, high: float
) -> None:
    """Agent 1 (9/1) leads agent 2 (6/4) in about 85% of Thompson draws: plain Thompson
    evaluates 2 about 15% of the time, top-two about half (as the usual challenger)."""
    tree = chain_tree([None, 0, 0])
    record_many(tree, 1, 9, 1)  # a clear leader (10 of the 20 tasks left free for each)
    record_many(tree, 2, 6, 4)
    record_many(tree, 0, 1, 9)
    policy = make_policy(LineagePolicyConfig(leader_share=leader_share, cool_down=False))
    search = state(budget=100_000, evaluations_started=10, expansions_started=50)
    search.expanding.update({job: 0 for job in range(50)})  # widening says evaluate
    rng = np.random.default_rng(5)
    picks = Counter()
    for _ in range(400):
        decision = policy.decide(tree, search, rng)
        assert isinstance(decision, Evaluate)
        assert not tree.is_evaluated(decision.agent, decision.task)
        picks[decision.agent] += 1
    assert low <= picks[2] / 400 <= high


def test_no_free_task_and_no_expansion_waits_and_reading_changes_nothing() -> None:
    tree = chain_tree([None, 0])
    record_many(tree, 0, 10, 10)
    record_many(tree, 1, 10, 10)
    before = [(tree.own_s.copy(), tree.own_f.copy(), tree.clade_s.copy(), tree.clade_f.copy())]
    policy = make_policy(LineagePolicyConfig())
    search = state(evaluations_started=40, can_expand=False)
    assert policy.decide(tree, search, np.random.default_rng(0)) == Wait()
    after = (tree.own_s, tree.own_f, tree.clade_s, tree.clade_f)
    assert all((x == y).all() for x, y in zip(before[0], after, strict=True))


def test_lineage_rule_shrinks_toward_the_parent() -> None:
    tree = chain_tree([None, 0, 1, 0])
    record_many(tree, 1, 12, 8)  # 0.6 on 20
    record_many(tree, 2, 2, 0)  # 2/2: best-mean's choice, a child of a 0.6 agent
    record_many(tree, 3, 17, 3)  # 0.85 on 20
    assert select_final(tree, "best-mean").agent == 2
    chosen = select_final(tree, "lineage")
    assert chosen.agent == 3
    prior = lineage_prior(tree)
    assert prior[0] == 0.5
    one = (12 + LINEAGE_PRIOR * prior[1]) / (20 + LINEAGE_PRIOR)
    assert prior[2] == pytest.approx(one)
    assert chosen.mean == pytest.approx(0.85) and chosen.n == 20


def test_a_run_config_says_default_and_ships_by_the_policys_own_rule() -> None:
    base = (
        '[run]\nname = "x"\n[budget]\ntask_evals = 10\n'
        '[world]\nkind = "sim"\n[world.sim]\nkind = "drift"\n'
    )
    chosen = parse_run_config(base + '[policy]\nkind = "default"\n', "run.toml")
    assert chosen.policy == LineagePolicyConfig() and chosen.select.rule == "lineage"
    faithful = parse_run_config(base + '[policy]\nkind = "hgm"\n', "run.toml")
    assert faithful.select.rule == "best-belief"
    pinned = parse_run_config(
        base + '[policy]\nkind = "default"\n[select]\nrule = "best-mean"\n', "run.toml"
    )
    assert pinned.select.rule == "best-mean"


def test_the_evaluation_reserve_waits_for_the_children_being_built() -> None:
    """Budget 60, C = 3, four expansions running and 30 units left: with 8 units kept per
    child (32) the policy waits instead of evaluating the root; with none it evaluates."""
    tree = chain_tree([None])
    record_many(tree, 0, 2, 8)
    search = state(budget=60, workers=16, evaluations_started=18, expansions_started=4)
    search.expansion_cost = 3.0
    search.expanding.update({job: 0 for job in range(4)})
    rng = np.random.default_rng(0)
    plain = make_policy(
        LineagePolicyConfig(warmup_expansions=0, widening_scale=0.1, eval_reserve=0.0)
    )
    kept = make_policy(
        LineagePolicyConfig(warmup_expansions=0, widening_scale=0.1, eval_reserve=8.0)
    )
    assert isinstance(plain.decide(tree, search, rng), Evaluate)
    assert kept.decide(tree, search, rng) == Wait()
    # the reserve is per child: the default keeps 16 units each, 29 would remain
    default = make_policy(LineagePolicyConfig(warmup_expansions=0, widening_scale=0.1))
    assert LineagePolicyConfig().eval_reserve == 16.0
    search.can_expand = False
    search.expanding = {0: 0}
    assert isinstance(default.decide(tree, search, rng), Evaluate)
    search.expanding = {0: 0, 1: 0}
    assert default.decide(tree, search, rng) == Wait()
    # with nothing being built, nothing is kept
    search.expanding.clear()
    assert isinstance(kept.decide(tree, search, rng), Evaluate)


def warmup_expansions_started(config: LineagePolicyConfig, budget: int, cost: float) -> int:
    """How many root expansions the policy starts, with 16 workers, before doing anything else."""
    tree = chain_tree([None])
    search = state(budget=budget, workers=16)
    search.expansion_cost = cost
    policy, rng = make_policy(config), np.random.default_rng(0)
    while policy.decide(tree, search, rng) == Expand(0) and search.expansions_started < 20:
        search.expanding[search.expansions_started] = 0
        search.expansions_started += 1
    return search.expansions_started


def test_the_warm_up_costs_at_most_its_share_of_the_budget() -> None:
    """16 workers: HGM's warm-up is min(5, 16^0.6) = 5 root expansions. At C = 3 they would
    cost 15 units: half of a budget of 30. The default stops at 2 (6 units, 20%), at 4 for a
    budget of 60 (12 units); with free or cheap expansions it keeps all 5."""
    default = LineagePolicyConfig()
    assert default.warmup_share == 0.2
    assert warmup_expansions_started(default, budget=30, cost=3.0) == 2
    assert warmup_expansions_started(default, budget=60, cost=3.0) == 4
    assert warmup_expansions_started(default, budget=75, cost=3.0) == 5
    assert warmup_expansions_started(default, budget=30, cost=1.0) == 5
    assert warmup_expansions_started(default, budget=30, cost=0.0) == 5
    # the first always starts, however dear; a configured count is taken as given
    assert warmup_expansions_started(default, budget=10, cost=3.0) == 1
    assert warmup_expansions_started(LineagePolicyConfig(warmup_share=1.0), 30, 3.0) == 5
    pinned = LineagePolicyConfig(warmup_expansions=4)
    assert warmup_expansions_started(pinned, budget=30, cost=3.0) == 4
    with pytest.raises(ValidationError, match="warmup_share"):
        LineagePolicyConfig(warmup_share=0.0)
