"""The random control: uniform parent, agent and task, with HGM's widening and warm-up."""

from __future__ import annotations

import numpy as np

from hgm.search.actions import Action, Evaluate, Expand, Wait
from hgm.search.config import RandomPolicyConfig
from hgm.search.sampling import in_warmup, widening_says_expand
from hgm.search.state import SearchState
from hgm.search.tree import Tree


class RandomPolicy:
    def __init__(self, config: RandomPolicyConfig) -> None:
        self.config = config

    def decide(self, tree: Tree, state: SearchState, rng: np.random.Generator) -> Action:
        config = self.config
        if in_warmup(state, config.warmup_expansions, config.alpha):
            return Expand(int(tree.ids[0]))
        if state.can_expand and widening_says_expand(tree, state, config.alpha):
            return Expand(self._any_agent(tree, rng))
        candidates = state.open_mask(tree).nonzero()[0]
        if candidates.size > 0:
            agent = int(tree.ids[candidates[int(rng.integers(candidates.size))]])
            free = state.free_tasks(tree, agent)
            return Evaluate(agent, free[int(rng.integers(len(free)))])
        return Expand(self._any_agent(tree, rng)) if state.can_expand else Wait()

    @staticmethod
    def _any_agent(tree: Tree, rng: np.random.Generator) -> int:
        return int(tree.ids[int(rng.integers(len(tree)))])
