"""DGM: archive sampling by sigmoid(accuracy) / (1 + children), staged evaluation, generations.

The policy keeps no memory: the stage an agent is in follows from its counts,
and the position inside the current generation from `expansions_started % k`.
Stage tasks are taken in the fixed task order, so every agent meets the same
first tasks (as DGM's fixed small and medium task sets).
"""

from __future__ import annotations

from itertools import accumulate

import numpy as np
from numpy.typing import NDArray

from hgm.search.actions import Action, Evaluate, Expand, Wait
from hgm.search.config import DGMPolicyConfig
from hgm.search.state import SearchState
from hgm.search.tree import Tree


class DGMPolicy:
    def __init__(self, config: DGMPolicyConfig) -> None:
        self.config = config

    def decide(self, tree: Tree, state: SearchState, rng: np.random.Generator) -> Action:
        generation_size = self.config.generation_size
        if state.can_expand and state.expansions_started % generation_size != 0:
            return Expand(self._parent(tree, state, rng))
        targets = self.targets(tree, len(state.tasks))
        done = tree.own_n
        unstarted = targets - done  # stage tasks neither finished nor in flight, below
        for agent, running in state.evaluating.items():
            unstarted[tree.index_of(agent)] -= len(running)
        for index in (unstarted > 0).nonzero()[0]:
            agent = int(tree.ids[index])
            task = state.first_free_task(tree, agent, state.task_order[: targets[index]])
            if task is not None:
                return Evaluate(agent, task)
        busy = state.expansions_running > 0 or bool((targets > done).any())
        if busy or not state.can_expand:
            return Wait()
        return Expand(self._parent(tree, state, rng))

    def targets(self, tree: Tree, n_tasks: int) -> NDArray[np.int64]:
        """Per dense index: how many tasks (a prefix of the task order) each agent gets."""
        ends = [min(end, n_tasks) for end in accumulate(self.config.stage_tasks)]
        if len(ends) == 1:
            return np.full(len(tree), ends[0], dtype=np.int64)
        done = tree.own_n
        # own mean >= threshold, without dividing (and without rounding away a tie)
        good = tree.own_s >= self.config.stage_threshold * done - 1e-9
        # a good agent enters every stage whose previous stages it has finished
        targets = np.where(good & (done >= ends[0]), ends[1], ends[0])
        for stage in range(2, len(ends)):
            targets[good & (done >= ends[stage - 1])] = ends[stage]
        return targets

    def guidance(self, tree: Tree) -> NDArray[np.float64]:
        """The estimate that guides expansion: sigmoid(lambda (accuracy - alpha_0))."""
        accuracy = tree.own_s / np.maximum(tree.own_n, 1)
        config = self.config
        return 1.0 / (1.0 + np.exp(-config.sigmoid_lambda * (accuracy - config.sigmoid_midpoint)))

    def parent_probabilities(self, tree: Tree, n_tasks: int) -> NDArray[np.float64]:
        """p_i proportional to sigmoid(lambda*(acc_i - alpha_0)) / (1 + children_i).

        The archive is the agents whose staged evaluation is complete (every agent
        if none is, which happens only before the root's first stage ends).
        """
        done = tree.own_n
        accuracy = tree.own_s / np.maximum(done, 1)
        score = 1.0 / (
            1.0 + np.exp(-self.config.sigmoid_lambda * (accuracy - self.config.sigmoid_midpoint))
        )
        weights = score / (1.0 + tree.n_children_array())
        archived = self.targets(tree, n_tasks) <= done
        if archived.any():
            weights = np.where(archived, weights, 0.0)
        return weights / weights.sum()

    def _parent(self, tree: Tree, state: SearchState, rng: np.random.Generator) -> int:
        probabilities = self.parent_probabilities(tree, len(state.tasks))
        return int(tree.ids[rng.choice(len(tree), p=probabilities)])
