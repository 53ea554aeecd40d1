"""SICA: evaluate each new agent on the full set; modify the latest agent within the best's LCB.

Sequential by construction: one expansion at a time, and the next only after
the newest agent has finished its full evaluation (run in parallel over tasks).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from hgm.search.actions import Action, Evaluate, Expand, Wait
from hgm.search.config import SICAPolicyConfig
from hgm.search.state import SearchState
from hgm.search.tree import Tree


class SICAPolicy:
    def __init__(self, config: SICAPolicyConfig) -> None:
        self.config = config

    def decide(self, tree: Tree, state: SearchState, rng: np.random.Generator) -> Action:
        n_full = min(self.config.eval_tasks or len(state.tasks), len(state.tasks))
        full_set = state.task_order[:n_full]
        unfinished = (tree.own_n < n_full).nonzero()[0]
        for index in unfinished[::-1]:
            agent = int(tree.ids[index])
            task = state.first_free_task(tree, agent, full_set)
            if task is not None:
                return Evaluate(agent, task)
        if state.expansions_running > 0 or unfinished.size > 0 or not state.can_expand:
            return Wait()
        return Expand(self.base(tree))

    def guidance(self, tree: Tree) -> NDArray[np.float64]:
        """The estimate that guides expansion: each agent's own mean."""
        return tree.own_s / np.maximum(tree.own_n, 1)

    def base(self, tree: Tree) -> int:
        """The most recent agent whose mean is at least the best agent's LCB (else the best)."""
        done = np.maximum(tree.own_n, 1)
        mean = tree.own_s / done
        best = int(np.argmax(mean))
        p = mean[best]
        lcb = p - self.config.z * np.sqrt(p * (1.0 - p)) / np.sqrt(done[best])
        qualified = np.flatnonzero(mean >= lcb - 1e-12)
        chosen = int(qualified[-1]) if qualified.size else best
        return int(tree.ids[chosen])
