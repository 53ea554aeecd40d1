from collections import Counter

import numpy as np
import pytest
from search_helpers import TASKS, chain_tree, record_many, state

from hgm.search import (
    Evaluate,
    Expand,
    GreedyPolicyConfig,
    HGMPolicyConfig,
    RandomPolicyConfig,
    Wait,
    make_policy,
)
from hgm.search.sampling import temperature, warmup_count


def test_widening_counts_agents_and_running_expansions() -> None:
    tree = chain_tree([None, 0])  # |T| = 1 without the root
    policy = make_policy(HGMPolicyConfig(warmup_expansions=0))
    rng = np.random.default_rng(0)
    # 3^0.6 = 1.93 >= 1: expand
    assert isinstance(policy.decide(tree, state(evaluations_started=3), rng), Expand)
    # one expansion running: |T| = 2 > 1.93: evaluate
    running = state(evaluations_started=3, expansions_started=2)
    running.expanding[7] = 0
    assert isinstance(policy.decide(tree, running, rng), Evaluate)
    # 4^0.6 = 2.29 >= 2: expand again
    running.evaluations_started = 4
    assert isinstance(policy.decide(tree, running, rng), Expand)


@pytest.mark.parametrize(("workers", "expected"), [(1, 1), (4, 2), (16, 5), (100, 5)])
def test_warmup_is_min_5_and_workers_to_the_alpha(workers: int, expected: int) -> None:
    assert warmup_count(None, workers, 0.6) == expected
    tree = chain_tree([None])
    policy = make_policy(HGMPolicyConfig())
    search = state(workers=workers)
    rng = np.random.default_rng(0)
    for _ in range(expected):
        assert policy.decide(tree, search, rng) == Expand(0)
        search.expansions_started += 1
        search.expanding[search.expansions_started] = 0
    assert isinstance(policy.decide(tree, search, rng), Evaluate)


def test_temperature_schedule() -> None:
    assert temperature(state(budget=100, evaluations_started=50), True, 1.0) == pytest.approx(2.0)
    assert temperature(state(budget=100, evaluations_started=75), True, 2.0) == pytest.approx(16.0)
    assert temperature(state(budget=100, evaluations_started=100), True, 1.0) == 10_000.0
    assert temperature(state(budget=100, evaluations_started=75), False, 1.0) == 1.0


def _expansion_shares(config: object, tree_builder: object, draws: int = 400) -> Counter[int]:
    tree = tree_builder()  # type: ignore[operator]
    policy = make_policy(config)  # type: ignore[arg-type]
    rng = np.random.default_rng(1)
    search = state(budget=10_000, evaluations_started=5_000, expansions_started=10)
    decisions = [policy.decide(tree, search, rng) for _ in range(draws)]
    assert all(isinstance(d, Expand) for d in decisions)
    return Counter(d.parent for d in decisions if isinstance(d, Expand))


def _clade_tree():  # root -> 1 -> 2 (20/0), root -> 3 (0/20); agent 1 has no own results
    tree = chain_tree([None, 0, 1, 0])
    record_many(tree, 2, 20, 0)
    record_many(tree, 3, 0, 20)
    return tree


def test_hgm_expands_by_clade_and_greedy_by_own_counts() -> None:
    hgm = _expansion_shares(HGMPolicyConfig(cool_down=False), _clade_tree)
    greedy = _expansion_shares(GreedyPolicyConfig(cool_down=False), _clade_tree)
    # HGM: agents 1 and 2 both have clade Beta(21, 1): about half each.
    assert 0.35 < hgm[1] / 400 < 0.65
    # greedy: agent 1 is Beta(1, 1) against Beta(21, 1): wins about 1/22 of the time.
    assert greedy[1] / 400 < 0.12


def test_positive_mean_filter_excludes_agents_without_own_successes() -> None:
    shares = _expansion_shares(HGMPolicyConfig(require_positive_mean=True), _clade_tree)
    assert set(shares) == {2}
    unfiltered = _expansion_shares(HGMPolicyConfig(), _clade_tree)
    assert unfiltered[1] > 0


def test_failed_expansions_can_count_against_a_clade() -> None:
    def builder():
        tree = chain_tree([None, 0, 0])
        record_many(tree, 1, 5, 5)
        record_many(tree, 2, 5, 5)
        for _ in range(30):
            tree.record_failed_expansion(1)
        return tree

    counted = _expansion_shares(HGMPolicyConfig(failed_expansion_counts_in_clade=True), builder)
    ignored = _expansion_shares(HGMPolicyConfig(), builder)
    assert counted[1] < 0.1 * 400 < ignored[1]


def test_evaluation_skips_finished_and_running_pairs() -> None:
    tree = chain_tree([None])
    record_many(tree, 0, 3, 3)
    search = state(evaluations_started=7, expansions_started=30)
    search.expanding.update({job: 0 for job in range(30)})  # |T| = 30 > 7^0.6
    search.start_evaluation(0, TASKS[6])
    policy = make_policy(HGMPolicyConfig(warmup_expansions=0))
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(200):
        action = policy.decide(tree, search, rng)
        assert isinstance(action, Evaluate) and action.agent == 0
        seen.add(action.task)
    assert seen == set(TASKS[7:])


def test_eval_random_level_zero_takes_the_fixed_order() -> None:
    tree = chain_tree([None])
    search = state(evaluations_started=1, expansions_started=2)
    search.expanding.update({0: 0, 1: 0})
    search.start_evaluation(0, search.task_order[0])
    policy = make_policy(HGMPolicyConfig(eval_random_level=0.0, warmup_expansions=0))
    action = policy.decide(tree, search, np.random.default_rng(0))
    assert action == Evaluate(0, search.task_order[1])


@pytest.mark.parametrize("config", [HGMPolicyConfig(), GreedyPolicyConfig(), RandomPolicyConfig()])
def test_waits_when_nothing_is_left_and_expanding_is_closed(config: object) -> None:
    tasks = ("a", "b")
    tree = chain_tree([None])
    tree.record(0, "a", True)
    search = state(tasks=tasks, evaluations_started=2, expansions_started=9, can_expand=False)
    search.start_evaluation(0, "b")
    assert make_policy(config).decide(tree, search, np.random.default_rng(0)) == Wait()  # type: ignore[arg-type]
    search.can_expand = True
    assert isinstance(make_policy(config).decide(tree, search, np.random.default_rng(0)), Expand)  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [3, 2000])
def test_thompson_draws_follow_the_beta_posterior(size: int) -> None:
    """The draw picks candidate 0 as often as P(theta_0 > max of the others) says, with
    the temperature applied to both Beta parameters."""
    from scipy import integrate, stats

    from hgm.search.sampling import thompson_argmax

    rng = np.random.default_rng(5)
    successes = np.zeros(size, dtype=np.int64)
    failures = np.full(size, 400, dtype=np.int64)
    successes[0], failures[0] = 2, 3
    successes[1], failures[1] = 3, 2
    wins = sum(thompson_argmax(rng, successes, failures, 1.5) == 0 for _ in range(3000))
    first, second = stats.beta(1.5 * 3, 1.5 * 4), stats.beta(1.5 * 4, 1.5 * 3)
    expected = integrate.quad(lambda t: first.pdf(t) * second.cdf(t), 0, 1)[0]
    assert wins / 3000 == pytest.approx(expected, abs=0.03)


def test_all_open_is_a_sufficient_test_for_the_open_mask() -> None:
    tasks = ("a", "b", "c")
    tree = chain_tree([None, 0])
    search = state(tasks=tasks)
    assert search.all_open(tree) and search.open_mask(tree).all()
    tree.record(1, "a", True)
    search.start_evaluation(0, "a")
    assert tree.max_own_n == 1 and search.all_open(tree)
    search.start_evaluation(1, "b")  # agent 1: one done, one running, one free
    assert search.all_open(tree) and list(search.open_mask(tree)) == [True, True]
    search.start_evaluation(1, "c")
    assert not search.all_open(tree)
    assert list(search.open_mask(tree)) == [True, False]
