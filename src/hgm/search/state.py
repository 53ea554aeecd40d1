"""What a policy knows besides the tree: budget, counters and the work in flight."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from hgm.search.tree import Tree


def fixed_task_order(tasks: tuple[str, ...]) -> tuple[str, ...]:
    """A fixed shuffle of the tasks that depends only on their ids (so resume rebuilds it)."""
    return tuple(sorted(tasks, key=lambda task: hashlib.blake2b(task.encode()).digest()))


@dataclass
class SearchState:
    """The scheduler's counters and in-flight work, as the policies see them.

    Everything here is rebuildable from the run's history (the tree plus the jobs
    that started and never finished), so policies keep no memory of their own.
    """

    budget: int
    tasks: tuple[str, ...]
    workers: int
    expansion_cost: float = 0.0
    """Evaluation units charged per expansion started (0: the paper's accounting)."""
    evaluations_started: int = 0
    expansions_started: int = 0
    expansions_failed: int = 0
    can_expand: bool = True
    expanding: dict[int, int] = field(default_factory=dict)
    """job id -> parent of every expansion in flight."""
    evaluating: dict[int, set[str]] = field(default_factory=dict)
    """agent -> tasks in flight for it."""
    task_order: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        self.task_order = fixed_task_order(self.tasks)

    @property
    def spent(self) -> float:
        """Budget used: evaluations started plus `expansion_cost` per expansion started."""
        if self.expansion_cost == 0.0:
            return self.evaluations_started
        return self.evaluations_started + self.expansion_cost * self.expansions_started

    @property
    def remaining(self) -> float:
        """b = B - spent (with the paper's accounting, B - N_t: evaluations not yet started)."""
        return self.budget - self.spent

    @property
    def expansions_running(self) -> int:
        return len(self.expanding)

    def in_flight(self, agent: int, task: str) -> bool:
        running = self.evaluating.get(agent)
        return running is not None and task in running

    def free_tasks(self, tree: Tree, agent: int, order: tuple[str, ...] | None = None) -> list[str]:
        """Tasks `agent` has neither finished nor in flight, in `order` (default: task order)."""
        running = self.evaluating.get(agent, set())
        remaining = tree.unevaluated(agent, self.task_order if order is None else order)
        return [task for task in remaining if task not in running]

    def first_free_task(
        self, tree: Tree, agent: int, order: tuple[str, ...] | None = None
    ) -> str | None:
        """The first of `free_tasks(tree, agent, order)` without listing them; None if none."""
        running = self.evaluating.get(agent, frozenset())
        return tree.first_unevaluated(agent, self.task_order if order is None else order, running)

    def all_open(self, tree: Tree) -> bool:
        """A quick sufficient test that every agent still has a free task."""
        running = max(map(len, self.evaluating.values()), default=0)
        return tree.max_own_n + running < len(self.tasks)

    def open_mask(self, tree: Tree) -> NDArray[np.bool_]:
        """Per dense index: does the agent still have a task neither finished nor in flight?"""
        n_tasks = len(self.tasks)
        done = tree.own_n
        mask = done < n_tasks
        for agent, running in self.evaluating.items():
            index = tree.index_of(agent)
            if done[index] + len(running) >= n_tasks:
                mask[index] = False
        return mask

    # ---- bookkeeping used by the engine ------------------------------------------------

    def start_evaluation(self, agent: int, task: str) -> None:
        self.evaluating.setdefault(agent, set()).add(task)

    def finish_evaluation(self, agent: int, task: str) -> None:
        running = self.evaluating[agent]
        running.discard(task)
        if not running:
            del self.evaluating[agent]
