"""Final-selection rules: which agent a finished search ships."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy.special import betaincinv

from hgm.errors import UserError
from hgm.search.tree import Tree

SelectionRule = Literal["best-belief", "best-mean", "lcb", "lineage"]
SELECTION_RULES: tuple[str, ...] = ("best-belief", "best-mean", "lcb", "lineage")
LCB_Z = 1.96
LINEAGE_PRIOR = 2.0
"""`lineage`: pseudo-evaluations of an agent's prior, centred on its parent's shrunk mean."""
LINEAGE_LEVELS = 2
"""`lineage`: how many generations of ancestors the shrinkage reaches."""


def policy_rule(kind: str) -> str:
    """The final rule a policy ships with: `lineage` for the lineage policy, else the paper's."""
    return "lineage" if kind == "lineage" else "best-belief"


@dataclass(frozen=True, slots=True)
class Selection:
    """The shipped agent, its own mean, the epsilon and 1-epsilon quantiles of
    Beta(1 + s, 1 + f), and its number of evaluations."""

    agent: int
    mean: float
    low: float
    high: float
    n: int


def select_final(
    tree: Tree,
    rule: str = "best-belief",
    epsilon: float = 0.01,
    excluded: Collection[int] = (),
) -> Selection:
    """Pick the agent to ship among agents with at least one evaluation (else the root),
    never one of `excluded` (agents caught attacking their grading: a grade of theirs was
    tampered; their results still count for their clades as failures).

    - `best-belief`: highest epsilon-quantile of the own posterior Beta(1+s, 1+f) (paper).
    - `best-mean`: highest own mean s / n.
    - `lcb`: highest mean - 1.96 * sd / sqrt(n), sd = sqrt(mean * (1 - mean)).
    - `lineage`: highest (s + k m) / (n + k), m the parent's mean shrunk the same way
      toward its own parent (two generations up, k = 2; the root's prior mean is 1/2):
      children resemble their parents, so a few lucky results count for less.
    Ties go to the agent with more evaluations, then the older one.
    """
    if rule not in SELECTION_RULES:
        raise UserError(f"unknown selection rule {rule!r}; allowed: {', '.join(SELECTION_RULES)}")
    if not 0.0 < epsilon < 0.5:
        raise UserError(f"epsilon must be in (0, 0.5), given {epsilon}")
    successes = tree.own_s.astype(np.float64)
    n = successes + tree.own_f
    shippable = n > 0
    for agent in excluded:
        if agent in tree:
            shippable[tree.index_of(agent)] = False
    evaluated = np.flatnonzero(shippable)
    if evaluated.size == 0:
        return Selection(int(tree.ids[0]), 0.0, epsilon, 1.0 - epsilon, 0)
    s, count = successes[evaluated], n[evaluated]
    mean = s / count
    if rule == "best-belief":
        score = betaincinv(1.0 + s, 1.0 + count - s, epsilon)
    elif rule == "best-mean":
        score = mean
    elif rule == "lineage":
        prior = lineage_prior(tree)[evaluated]
        score = (s + LINEAGE_PRIOR * prior) / (count + LINEAGE_PRIOR)
    else:
        score = mean - LCB_Z * np.sqrt(mean * (1.0 - mean) / count)
    order = np.lexsort((evaluated, -count, -score))
    best = int(evaluated[order[0]])
    s_best, n_best = float(successes[best]), float(n[best])
    low, high = betaincinv(1.0 + s_best, 1.0 + n_best - s_best, [epsilon, 1.0 - epsilon])
    return Selection(int(tree.ids[best]), s_best / n_best, float(low), float(high), int(n_best))


def lineage_prior(tree: Tree) -> NDArray[np.float64]:
    """Per dense index: the prior mean of `lineage`, the parent's mean shrunk toward its own
    parent's for `LINEAGE_LEVELS` generations (1/2 for the root)."""
    successes = tree.own_s.astype(np.float64)
    count = tree.own_n.astype(np.float64)
    parents = np.maximum(tree.parents, 0)
    mean = (1.0 + successes) / (2.0 + count)
    for _ in range(LINEAGE_LEVELS):
        prior = mean[parents]
        prior[0] = 0.5
        mean = (successes + LINEAGE_PRIOR * prior) / (count + LINEAGE_PRIOR)
    prior = mean[parents]
    prior[0] = 0.5
    return prior
