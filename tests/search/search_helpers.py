"""Small builders for search tests."""

from __future__ import annotations

from hgm.search import SearchState, Tree

TASKS = tuple(f"t{i:02d}" for i in range(20))


def chain_tree(parents: list[int | None]) -> Tree:
    """A tree whose agent i has parent parents[i]."""
    tree = Tree(capacity=2)
    for agent, parent in enumerate(parents):
        tree.add_agent(agent, parent)
    return tree


def record_many(tree: Tree, agent: int, successes: int, failures: int) -> None:
    """Record `successes` then `failures` results for `agent` on fresh tasks."""
    start = len(tree.evaluated(agent))
    for i in range(successes + failures):
        tree.record(
            agent, TASKS[start + i] if start + i < len(TASKS) else f"x{start + i}", i < successes
        )


def state(
    budget: int = 100, workers: int = 1, tasks: tuple[str, ...] = TASKS, **counters: int
) -> SearchState:
    return SearchState(budget=budget, tasks=tasks, workers=workers, **counters)
