import numpy as np
import pytest
from scipy.stats import beta
from search_helpers import chain_tree, record_many

from hgm.errors import UserError
from hgm.search import select_final


def _tree():
    tree = chain_tree([None, 0, 0, 1, 2])
    record_many(tree, 1, 3, 0)  # mean 1.0 on 3
    record_many(tree, 2, 14, 6)  # mean 0.7 on 20
    record_many(tree, 3, 1, 1)  # mean 0.5 on 2
    return tree  # 0 and 4 have no evaluations


@pytest.mark.parametrize("epsilon", [0.01, 0.05, 0.2])
def test_best_belief_is_the_beta_quantile(epsilon: float) -> None:
    tree = _tree()
    chosen = select_final(tree, "best-belief", epsilon)
    scores = {a: beta.ppf(epsilon, 1 + s, 1 + f) for a, s, f in [(1, 3, 0), (2, 14, 6), (3, 1, 1)]}
    best = max(scores, key=scores.__getitem__)
    assert chosen.agent == best
    s, f = (3, 0) if best == 1 else (14, 6) if best == 2 else (1, 1)
    assert chosen.low == pytest.approx(beta.ppf(epsilon, 1 + s, 1 + f), rel=1e-9)
    assert chosen.high == pytest.approx(beta.ppf(1 - epsilon, 1 + s, 1 + f), rel=1e-9)
    assert chosen.n == s + f and chosen.mean == pytest.approx(s / (s + f))


def test_best_belief_prefers_evidence_and_best_mean_does_not() -> None:
    tree = _tree()
    assert select_final(tree, "best-belief", 0.01).agent == 2
    assert select_final(tree, "best-mean").agent == 1
    lcb = {1: 1.0, 2: 0.7 - 1.96 * np.sqrt(0.21 / 20), 3: 0.5 - 1.96 * np.sqrt(0.25 / 2)}
    assert select_final(tree, "lcb").agent == max(lcb, key=lcb.__getitem__)


def test_unevaluated_agents_are_excluded_and_the_root_is_the_fallback() -> None:
    tree = chain_tree([None, 0])
    assert select_final(tree, "best-mean").agent == 0
    assert select_final(tree, "best-mean").n == 0
    tree.record(1, "t", False)
    assert select_final(tree, "best-mean").agent == 1


def test_bad_rule_or_epsilon_is_a_user_error() -> None:
    with pytest.raises(UserError, match="best-belief, best-mean, lcb"):
        select_final(_tree(), "max")
    with pytest.raises(UserError, match="epsilon"):
        select_final(_tree(), "best-belief", 0.7)


@pytest.mark.parametrize("rule", ["best-belief", "best-mean", "lcb", "lineage"])
def test_excluded_agents_are_never_shipped(rule: str) -> None:
    tree = _tree()
    chosen = select_final(tree, rule, 0.01).agent
    second = select_final(tree, rule, 0.01, excluded={chosen}).agent
    assert second != chosen and second in (1, 2, 3)
    assert select_final(tree, rule, 0.01, excluded={1, 2, 3, 99}).agent == 0  # the root
