"""HGM (the paper's policy) and its greedy control, which uses own counts for expansion too."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from hgm.search.actions import Action, Evaluate, Expand, Wait
from hgm.search.config import GreedyPolicyConfig, HGMPolicyConfig
from hgm.search.sampling import (
    in_warmup,
    temperature,
    thompson_argmax,
    thompson_argmax_own,
    thompson_evaluate,
    widening_says_expand,
)
from hgm.search.state import SearchState
from hgm.search.tree import Tree


class HGMPolicy:
    """UCB-Air widening; expand by clade Thompson sampling; evaluate by own-count sampling."""

    def __init__(self, config: HGMPolicyConfig) -> None:
        self.config: HGMPolicyConfig | GreedyPolicyConfig = config

    def decide(self, tree: Tree, state: SearchState, rng: np.random.Generator) -> Action:
        config = self.config
        if in_warmup(state, config.warmup_expansions, config.alpha):
            return Expand(int(tree.ids[0]))
        tau = temperature(state, config.cool_down, config.beta)
        if state.can_expand and widening_says_expand(tree, state, config.alpha):
            return Expand(self._parent(tree, rng, tau))
        chosen = thompson_evaluate(rng, tree, state, tau, config.eval_random_level)
        if chosen is not None:
            return Evaluate(*chosen)
        return Expand(self._parent(tree, rng, tau)) if state.can_expand else Wait()

    def guidance(self, tree: Tree) -> NDArray[np.float64]:
        """The estimate that guides expansion: each clade's posterior mean (pooled CMP)."""
        return (tree.clade_s + 1.0) / (tree.clade_s + tree.clade_f + 2.0)

    def _parent(self, tree: Tree, rng: np.random.Generator, tau: float) -> int:
        config = self.config
        assert isinstance(config, HGMPolicyConfig)
        successes = tree.clade_s
        failures = tree.clade_f
        if config.failed_expansion_counts_in_clade:
            failures = failures + tree.clade_fx
        if config.require_positive_mean:
            candidates = np.flatnonzero(tree.own_s > 0)
            if candidates.size > 0:
                position = thompson_argmax(rng, successes[candidates], failures[candidates], tau)
                return int(tree.ids[candidates[position]])
        return int(tree.ids[thompson_argmax(rng, successes, failures, tau)])


class GreedyPolicy(HGMPolicy):
    """HGM with the clade replaced by the agent itself: own counts for both decisions."""

    def __init__(self, config: GreedyPolicyConfig) -> None:
        self.config = config

    def guidance(self, tree: Tree) -> NDArray[np.float64]:
        """The estimate that guides expansion: each agent's own posterior mean."""
        return (tree.own_s + 1.0) / (tree.own_n + 2.0)

    def _parent(self, tree: Tree, rng: np.random.Generator, tau: float) -> int:
        return int(tree.ids[thompson_argmax_own(rng, tree, tau)])
