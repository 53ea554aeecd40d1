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
        # plain Python lists: numpy's per-call cost dominates on a few dozen agents
        targets = self._target_list(tree, len(state.tasks))
        done = tree.own_n.tolist()
        unstarted = [target - n for target, n in zip(targets, done, strict=True)]
        for agent, running in state.evaluating.items():
            unstarted[tree.index_of(agent)] -= len(running)  # stage tasks not yet started
        for index, count in enumerate(unstarted):
            if count > 0:
                agent = int(tree.ids[index])
                task = state.first_free_task(tree, agent, state.task_order[: targets[index]])
                if task is not None:
                    return Evaluate(agent, task)
        waiting = any(target > n for target, n in zip(targets, done, strict=True))
        busy = state.expansions_running > 0 or waiting
        if busy or not state.can_expand:
            return Wait()
        return Expand(self._parent(tree, state, rng))

    def targets(self, tree: Tree, n_tasks: int) -> NDArray[np.int64]:
        """Per dense index: how many tasks (a prefix of the task order) each agent gets."""
        return np.array(self._target_list(tree, n_tasks), dtype=np.int64)

    def _target_list(self, tree: Tree, n_tasks: int) -> list[int]:
        ends = [min(end, n_tasks) for end in accumulate(self.config.stage_tasks)]
        threshold = self.config.stage_threshold
        targets = []
        for s, n in zip(tree.own_s.tolist(), tree.own_n.tolist(), strict=True):
            target = ends[0]
            # own mean >= threshold, without dividing (and without rounding away a tie);
            # a good agent enters every stage whose previous stages it has finished
            if s >= threshold * n - 1e-9:
                for stage in range(1, len(ends)):
                    if n >= ends[stage - 1]:
                        target = ends[stage]
            targets.append(target)
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
