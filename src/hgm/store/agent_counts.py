"""Every agent of a run with its own and clade counts, read with SQL and plain Python.

The same numbers as `hgm.search.tree.Tree` built by `hgm.store.queries.build_tree`, without
numpy: read-only commands (`hgm status`, `hgm tree`, `hgm best`) and the Python API start
fast. Agent ids grow with creation (a child's id is larger than its parent's), so one pass
over the agents in decreasing id order adds each clade into its parent's.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Agent:
    """One agent of the tree: its own results, its clade's (itself and every descendant),
    and the failed expansions attempted from it. `created` is on the engine's clock;
    `job` is the expansion that made it (None for the root)."""

    agent: int
    parent: int | None
    depth: int
    created: float
    job: int | None
    successes: int
    failures: int
    clade_successes: int
    clade_failures: int
    failed_expansions: int
    clade_failed_expansions: int

    @property
    def evaluations(self) -> int:
        return self.successes + self.failures

    @property
    def mean(self) -> float | None:
        """Own success rate, None before its first evaluation."""
        return self.successes / self.evaluations if self.evaluations else None


def read_agents(db: sqlite3.Connection) -> list[Agent]:
    """Every agent, in id order (the root first), with its counts."""
    agents = db.execute("SELECT id, parent, created, job FROM agents ORDER BY id").fetchall()
    own: dict[int, tuple[int, int]] = {
        agent: (successes, total - successes)
        for agent, successes, total in db.execute(
            "SELECT agent, sum(success), count(*) FROM evaluations GROUP BY agent"
        )
    }
    failed: dict[int, int] = dict(
        db.execute("SELECT parent, count(*) FROM expansions WHERE ok = 0 GROUP BY parent")
    )
    parents = {row[0]: row[1] for row in agents}
    clade = {agent: [*own.get(agent, (0, 0)), failed.get(agent, 0)] for agent in parents}
    for agent in sorted(parents, reverse=True):
        parent = parents[agent]
        if parent is not None and parent in clade:
            totals, mine = clade[parent], clade[agent]
            totals[0] += mine[0]
            totals[1] += mine[1]
            totals[2] += mine[2]
    depth: dict[int, int] = {}
    rows = []
    for agent, parent, created, job in agents:
        depth[agent] = 0 if parent is None else depth.get(parent, -1) + 1
        successes, failures = own.get(agent, (0, 0))
        rows.append(
            Agent(
                agent=agent,
                parent=parent,
                depth=depth[agent],
                created=float(created),
                job=job,
                successes=successes,
                failures=failures,
                clade_successes=clade[agent][0],
                clade_failures=clade[agent][1],
                failed_expansions=failed.get(agent, 0),
                clade_failed_expansions=clade[agent][2],
            )
        )
    return rows
