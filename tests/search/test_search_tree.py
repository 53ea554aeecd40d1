import numpy as np
import pytest
from search_helpers import TASKS, chain_tree, record_many, state

from hgm.search import HGMPolicyConfig, Tree, make_policy, select_final


def _brute_clade(tree: Tree, agent: int) -> tuple[int, int]:
    successes, failures = tree.own_successes(agent), tree.own_failures(agent)
    for child in tree.children(agent):
        s, f = _brute_clade(tree, child)
        successes, failures = successes + s, failures + f
    return successes, failures


def _snapshot(tree: Tree) -> list[tuple[int, ...]]:
    return [
        (
            tree.own_successes(a),
            tree.own_failures(a),
            tree.clade_successes(a),
            tree.clade_failures(a),
            len(tree.evaluated(a)),
        )
        for a in tree.agents()
    ]


def test_counters_match_brute_force_on_a_random_tree() -> None:
    rng = np.random.default_rng(3)
    tree = Tree(capacity=1)
    tree.add_agent(0, None)
    for agent in range(1, 200):
        tree.add_agent(agent * 3, int(rng.choice(tree.agents())))  # sparse ids
    for _ in range(3000):
        agent = int(rng.choice(tree.agents()))
        task = f"task{rng.integers(100)}"
        if not tree.is_evaluated(agent, task):
            tree.record(agent, task, bool(rng.random() < 0.3))
    for agent in tree.agents():
        assert (tree.clade_successes(agent), tree.clade_failures(agent)) == _brute_clade(
            tree, agent
        )
        assert tree.own_n[tree.index_of(agent)] == len(tree.evaluated(agent))
    assert tree.clade_successes(0) + tree.clade_failures(0) == sum(
        len(tree.evaluated(a)) for a in tree.agents()
    )


def test_structure_accessors() -> None:
    tree = chain_tree([None, 0, 1, 0])
    assert tree.parent(0) is None and tree.parent(2) == 1
    assert tree.children(0) == (1, 3)
    assert [tree.depth(a) for a in tree.agents()] == [0, 1, 2, 1]
    assert len(tree) == 4 and 3 in tree and 4 not in tree


def test_bad_writes_are_refused() -> None:
    tree = chain_tree([None, 0])
    tree.record(1, "a", True)
    with pytest.raises(ValueError, match="already evaluated"):
        tree.record(1, "a", False)
    with pytest.raises(ValueError, match="already in the tree"):
        tree.add_agent(1, 0)
    with pytest.raises(ValueError, match="not in the tree"):
        tree.add_agent(5, 9)
    with pytest.raises(ValueError, match="no parent"):
        tree.add_agent(6, None)


def test_array_views_are_read_only() -> None:
    tree = chain_tree([None, 0])
    for view in (tree.own_s, tree.own_f, tree.own_n, tree.clade_s, tree.clade_f, tree.ids):
        with pytest.raises(ValueError):
            view[0] = 7


def test_failed_expansions_count_in_ancestor_clades_only() -> None:
    tree = chain_tree([None, 0, 1, 0])
    tree.record_failed_expansion(2)
    assert [tree.clade_failed_expansions(a) for a in tree.agents()] == [1, 1, 1, 0]
    assert tree.clade_failures(0) == 0


def test_reading_and_deciding_never_changes_counts() -> None:
    """The published code's clade query appended descendants' results into ancestors'
    own lists on every expansion decision; here no amount of reading changes anything."""
    tree = chain_tree([None, 0, 1, 2, 0, 4])
    for agent, (s, f) in enumerate([(2, 3), (4, 1), (3, 0), (1, 1), (0, 2), (5, 5)]):
        record_many(tree, agent, s, f)
    before = _snapshot(tree)
    policy = make_policy(HGMPolicyConfig())
    rng = np.random.default_rng(0)
    search = state(budget=1000, evaluations_started=500)
    for _ in range(200):
        policy.decide(tree, search, rng)
        for agent in tree.agents():
            tree.clade_successes(agent)
            tree.evaluated(agent)
        select_final(tree, "best-belief")
    assert _snapshot(tree) == before
    assert search.evaluating == {} and search.expanding == {}


def test_deep_chains_use_the_long_path_update() -> None:
    tree = chain_tree([None, *range(99)])
    tree.record(99, TASKS[0], True)
    assert all(tree.clade_successes(a) == 1 for a in tree.agents())
    assert tree.own_successes(98) == 0
