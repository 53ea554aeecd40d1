"""The tree of agents with own and clade counters, updated along the ancestor path.

Agent ids are the engine's ints (root 0; ids may have gaps where an expansion
failed). Internally every agent also has a dense index so that policies can
draw over numpy arrays. Recording a result costs O(depth); reading never
changes anything (the array views handed out are read-only).
"""

from __future__ import annotations

from collections.abc import Container, Iterable

import numpy as np
from numpy.typing import NDArray

_COUNTERS = ("own_s", "own_f", "own_n", "clade_s", "clade_f", "clade_failed_expansions")
_SHORT_PATH = 24


class Tree:
    """Agents, their parents, and per-node own and clade success/failure counters."""

    def __init__(self, capacity: int = 64) -> None:
        self._capacity = max(1, capacity)
        self._size = 0
        self._index: dict[int, int] = {}
        self._ids = np.zeros(self._capacity, dtype=np.int64)
        self._parents = np.zeros(self._capacity, dtype=np.int64)
        self._parent_index: list[int] = []
        self._depth: list[int] = []
        self._children: list[list[int]] = []
        self._evaluated: list[set[str]] = []
        self._counters = {name: np.zeros(self._capacity, dtype=np.int64) for name in _COUNTERS}
        self._own_shapes = np.ones((self._capacity, 2))
        self._views: dict[str, NDArray[np.int64] | NDArray[np.float64]] = {}
        self._cells: dict[str, memoryview]  # these two: set by _refresh_views
        self._shape_cells: memoryview
        self._max_own_n = 0
        self._refresh_views()

    # ---- writing -------------------------------------------------------------------------

    def add_agent(self, agent: int, parent: int | None) -> None:
        """Add `agent` as a child of `parent` (`None` only for the root, the first agent)."""
        if agent in self._index:
            raise ValueError(f"agent {agent} is already in the tree")
        if parent is None and self._size > 0:
            raise ValueError("only the first agent may have no parent")
        if parent is not None and parent not in self._index:
            raise ValueError(f"parent {parent} of agent {agent} is not in the tree")
        if self._size == self._capacity:
            self._grow()
        index = self._size
        self._size += 1
        self._index[agent] = index
        self._ids[index] = agent
        for array in self._counters.values():
            array[index] = 0
        self._own_shapes[index] = 1.0
        if parent is None:
            self._parents[index] = -1
            self._parent_index.append(-1)
            self._depth.append(0)
        else:
            parent_index = self._index[parent]
            self._parents[index] = parent_index
            self._parent_index.append(parent_index)
            self._depth.append(self._depth[parent_index] + 1)
            self._children[parent_index].append(agent)
        self._children.append([])
        self._evaluated.append(set())
        self._refresh_views()

    def record(self, agent: int, task: str, success: bool) -> None:
        """Record one evaluation result: own counts of `agent`, clade counts up to the root."""
        index = self._index[agent]
        if task in self._evaluated[index]:
            raise ValueError(f"agent {agent} was already evaluated on task {task!r}")
        self._evaluated[index].add(task)
        own, clade = ("own_s", "clade_s") if success else ("own_f", "clade_f")
        cells = self._cells
        cells[own][index] += 1
        self._shape_cells[index, 0 if success else 1] += 1.0
        own_n = cells["own_n"]
        own_n[index] += 1
        self._max_own_n = max(self._max_own_n, own_n[index])
        self._add_along_path(clade, index)

    def record_failed_expansion(self, parent: int) -> None:
        """Count a failed expansion of `parent` in the clades of `parent` and its ancestors."""
        self._add_along_path("clade_failed_expansions", self._index[parent])

    def _add_along_path(self, name: str, index: int) -> None:
        """Add 1 to counter `name` at `index` and every ancestor of it: O(depth)."""
        parents = self._parent_index
        if self._depth[index] < _SHORT_PATH:
            counts = self._cells[name]
            while index >= 0:
                counts[index] += 1
                index = parents[index]
            return
        path = []
        while index >= 0:
            path.append(index)
            index = parents[index]
        self._counters[name][path] += 1

    def _grow(self) -> None:
        self._capacity *= 2
        self._ids = np.resize(self._ids, self._capacity)
        self._parents = np.resize(self._parents, self._capacity)
        shapes = np.ones((self._capacity, 2))
        shapes[: self._size] = self._own_shapes[: self._size]
        self._own_shapes = shapes
        for name, array in self._counters.items():
            self._counters[name] = np.resize(array, self._capacity)

    # ---- reading one agent ---------------------------------------------------------------

    def __len__(self) -> int:
        return self._size

    def __contains__(self, agent: object) -> bool:
        return agent in self._index

    @property
    def max_own_n(self) -> int:
        """The most results any one agent has."""
        return self._max_own_n

    def agents(self) -> list[int]:
        """Agent ids in the order they were added (the root first)."""
        return [int(agent) for agent in self._ids[: self._size]]

    def index_of(self, agent: int) -> int:
        """The dense index of `agent` into the arrays below."""
        return self._index[agent]

    def parent(self, agent: int) -> int | None:
        parent_index = self._parent_index[self._index[agent]]
        return None if parent_index < 0 else int(self._ids[parent_index])

    def children(self, agent: int) -> tuple[int, ...]:
        return tuple(self._children[self._index[agent]])

    def depth(self, agent: int) -> int:
        return self._depth[self._index[agent]]

    def own_successes(self, agent: int) -> int:
        return int(self._counters["own_s"][self._index[agent]])

    def own_failures(self, agent: int) -> int:
        return int(self._counters["own_f"][self._index[agent]])

    def clade_successes(self, agent: int) -> int:
        return int(self._counters["clade_s"][self._index[agent]])

    def clade_failures(self, agent: int) -> int:
        return int(self._counters["clade_f"][self._index[agent]])

    def clade_failed_expansions(self, agent: int) -> int:
        return int(self._counters["clade_failed_expansions"][self._index[agent]])

    def evaluated(self, agent: int) -> frozenset[str]:
        """The tasks `agent` has finished (a copy)."""
        return frozenset(self._evaluated[self._index[agent]])

    def is_evaluated(self, agent: int, task: str) -> bool:
        return task in self._evaluated[self._index[agent]]

    def unevaluated(self, agent: int, tasks: Iterable[str]) -> list[str]:
        """The tasks among `tasks`, in order, that `agent` has not finished."""
        done = self._evaluated[self._index[agent]]
        return [task for task in tasks if task not in done]

    def first_unevaluated(
        self, agent: int, tasks: Iterable[str], skip: Container[str] = frozenset()
    ) -> str | None:
        """The first task among `tasks` that `agent` has not finished and is not in `skip`."""
        done = self._evaluated[self._index[agent]]
        for task in tasks:
            if task not in done and task not in skip:
                return task
        return None

    # ---- reading all agents at once (read-only numpy views, indexed densely) -------------

    def _refresh_views(self) -> None:
        """Rebuild the read-only views (and the writable memoryviews `record` updates) after
        the size or the arrays changed (rare: once per agent added), so that reading them
        (many times per decision) is one dict lookup."""
        arrays: dict[str, NDArray[np.int64] | NDArray[np.float64]] = {
            "ids": self._ids,
            "parents": self._parents,
            "own_shapes": self._own_shapes,
            **self._counters,
        }
        self._views = {}
        for name, array in arrays.items():
            view = array[: self._size]
            view.flags.writeable = False
            self._views[name] = view
        # memoryviews of the arrays written per result: their items are cheaper to update
        # than numpy's
        self._cells = {name: array.data for name, array in self._counters.items()}
        self._shape_cells = self._own_shapes.data

    @property
    def ids(self) -> NDArray[np.int64]:
        return self._views["ids"]

    @property
    def parents(self) -> NDArray[np.int64]:
        """The dense index of each agent's parent (-1 for the root)."""
        return self._views["parents"]

    @property
    def own_shapes(self) -> NDArray[np.float64]:
        """Per agent, [own successes + 1, own failures + 1]: the shapes of its own posterior."""
        return self._views["own_shapes"]

    @property
    def own_s(self) -> NDArray[np.int64]:
        return self._views["own_s"]

    @property
    def own_f(self) -> NDArray[np.int64]:
        return self._views["own_f"]

    @property
    def own_n(self) -> NDArray[np.int64]:
        """Finished evaluations of each agent (own successes + own failures)."""
        return self._views["own_n"]

    @property
    def clade_s(self) -> NDArray[np.int64]:
        return self._views["clade_s"]

    @property
    def clade_f(self) -> NDArray[np.int64]:
        return self._views["clade_f"]

    @property
    def clade_fx(self) -> NDArray[np.int64]:
        """Failed expansions in each clade."""
        return self._views["clade_failed_expansions"]

    def n_children_array(self) -> NDArray[np.int64]:
        return np.fromiter((len(c) for c in self._children), dtype=np.int64, count=self._size)
