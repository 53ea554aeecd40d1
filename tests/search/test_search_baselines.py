import numpy as np
from search_helpers import chain_tree, state

from hgm.search import DGMPolicyConfig, Evaluate, Expand, SICAPolicyConfig, Tree, Wait, make_policy
from hgm.search.dgm_policy import DGMPolicy
from hgm.search.sica_policy import SICAPolicy

TASKS60 = tuple(f"task{i:02d}" for i in range(60))


def _record_in_order(tree: Tree, agent: int, order: tuple[str, ...], results: list[bool]) -> None:
    for task, success in zip(order, results, strict=False):
        tree.record(agent, task, success)


def test_dgm_stages_ten_then_fifty_more_at_forty_percent() -> None:
    policy = DGMPolicy(DGMPolicyConfig())
    tree = chain_tree([None, 0, 0])
    search = state(tasks=TASKS60, expansions_started=4)
    order = search.task_order
    assert list(policy.targets(tree, 60)) == [10, 10, 10]
    _record_in_order(tree, 1, order, [True] * 4 + [False] * 6)  # 40%: next stage
    _record_in_order(tree, 2, order, [True] * 3 + [False] * 7)  # 30%: stop
    assert list(policy.targets(tree, 60)) == [10, 60, 10]
    rng = np.random.default_rng(0)
    # the root's first stage comes first (lowest id), in the fixed task order
    assert policy.decide(tree, search, rng) == Evaluate(0, order[0])
    _record_in_order(tree, 0, order, [False] * 10)
    assert policy.decide(tree, search, rng) == Evaluate(1, order[10])


def test_dgm_generations_are_synchronous() -> None:
    policy = make_policy(DGMPolicyConfig(generation_size=2))
    tree = chain_tree([None])
    search = state(tasks=TASKS60, expansions_started=0)
    rng = np.random.default_rng(0)
    _record_in_order(tree, 0, search.task_order, [True] * 2 + [False] * 8)
    assert policy.decide(tree, search, rng) == Expand(0)  # generation 1 starts
    search.expansions_started = 1
    search.expanding[0] = 0
    assert policy.decide(tree, search, rng) == Expand(0)  # its second child
    search.expansions_started = 2
    search.expanding[1] = 0
    assert policy.decide(tree, search, rng) == Wait()  # wait for the generation
    del search.expanding[0]
    tree.add_agent(1, 0)
    assert policy.decide(tree, search, rng) == Evaluate(1, search.task_order[0])
    search.start_evaluation(1, search.task_order[0])
    assert isinstance(policy.decide(tree, search, rng), Evaluate)


def test_dgm_parent_probabilities() -> None:
    policy = DGMPolicy(DGMPolicyConfig())
    tree = chain_tree([None, 0, 0, 1])
    order = tuple(f"task{i:02d}" for i in range(10))
    _record_in_order(tree, 0, order, [True] * 2 + [False] * 8)
    _record_in_order(tree, 1, order, [True] * 7 + [False] * 3)
    _record_in_order(tree, 2, order, [True] * 5 + [False] * 5)
    _record_in_order(tree, 3, order, [True] * 9 + [False] * 1)
    accuracy = np.array([0.2, 0.7, 0.5, 0.9])
    children = np.array([2, 1, 0, 0])
    weights = 1 / (1 + np.exp(-10 * (accuracy - 0.5))) / (1 + children)
    assert np.allclose(policy.parent_probabilities(tree, 10), weights / weights.sum())
    assert np.all(policy.parent_probabilities(tree, 10) > 0)
    # with 60 tasks, agents 1-3 (>= 40%) still owe their second stage: only 0 is archived
    assert np.allclose(policy.parent_probabilities(tree, 60), [1, 0, 0, 0])


def test_sica_evaluates_the_newest_agent_fully_then_expands_the_base() -> None:
    policy = make_policy(SICAPolicyConfig(eval_tasks=10))
    tree = chain_tree([None, 0])
    search = state(tasks=TASKS60)
    order = search.task_order
    rng = np.random.default_rng(0)
    _record_in_order(tree, 0, order, [True] * 3 + [False] * 7)
    assert policy.decide(tree, search, rng) == Evaluate(1, order[0])
    for task in order[:10]:
        search.start_evaluation(1, task)
    assert policy.decide(tree, search, rng) == Wait()
    search.evaluating.clear()
    _record_in_order(tree, 1, order, [True] * 2 + [False] * 8)
    # best: agent 0 (0.3, LCB 0.016); agent 1 (0.2) is the latest within it
    assert policy.decide(tree, search, rng) == Expand(1)


def test_sica_base_falls_back_to_older_agents_outside_the_lcb() -> None:
    tree = chain_tree([None, 0, 1])
    order = tuple(f"task{i:02d}" for i in range(40))
    _record_in_order(tree, 0, order, [True] * 4 + [False] * 36)  # 0.10
    _record_in_order(tree, 1, order, [True] * 30 + [False] * 10)  # 0.75, LCB 0.616
    _record_in_order(tree, 2, order, [True] * 20 + [False] * 20)  # 0.50: outside
    assert SICAPolicy(SICAPolicyConfig()).base(tree) == 1
