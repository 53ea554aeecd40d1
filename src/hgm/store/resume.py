"""Resume: rebuild the engine's state from the run database's tables.

The tables already hold the result of replaying every event (see `recorder`),
so rebuilding costs one pass over agents and finished jobs plus a handful of
aggregates, not a replay of the whole event log.
"""

from __future__ import annotations

import sqlite3

from hgm.engine.jobs import Job
from hgm.engine.state import ROOT, EngineState
from hgm.search.actions import Evaluate, Expand
from hgm.store.queries import build_tree


def _unfinished_jobs(db: sqlite3.Connection) -> list[Job]:
    """Jobs that started and never finished (killed or interrupted): run again, same id."""
    jobs = []
    for row in db.execute(
        "SELECT id, kind, agent, child, task FROM jobs WHERE status != 'done' ORDER BY id"
    ):
        if row["kind"] == "expand":
            jobs.append(Job(row["id"], Expand(row["agent"]), row["child"]))
        else:
            jobs.append(Job(row["id"], Evaluate(row["agent"], row["task"])))
    return jobs


def load_engine_state(db: sqlite3.Connection) -> EngineState | None:
    """The tree, the counters, the next free ids and the jobs to re-queue.

    None when the run never recorded its root agent: nothing happened yet, and
    the engine starts it afresh.
    """
    tree = build_tree(db)
    if ROOT not in tree:
        return None
    row = db.execute(
        """
        SELECT
          (SELECT count(*) FROM jobs WHERE kind = 'evaluate') AS evals_started,
          (SELECT count(*) FROM jobs WHERE kind = 'expand') AS expansions_started,
          (SELECT count(*) FROM expansions WHERE ok = 0) AS expansions_failed,
          (SELECT coalesce(sum(cost_usd), 0.0) FROM evaluations)
            + (SELECT coalesce(sum(cost_usd), 0.0) FROM expansions) AS money,
          (SELECT coalesce(max(time), 0.0) FROM events) AS elapsed,
          (SELECT coalesce(max(id), -1) FROM jobs) AS last_job,
          (SELECT max(coalesce((SELECT max(id) FROM agents), 0),
                      coalesce((SELECT max(child) FROM jobs), 0))) AS last_agent
        """
    ).fetchone()
    return EngineState(
        tree=tree,
        evaluations_started=row["evals_started"],
        expansions_started=row["expansions_started"],
        expansions_failed=row["expansions_failed"],
        money_usd=float(row["money"]),
        elapsed_s=float(row["elapsed"]),
        next_job=row["last_job"] + 1,
        next_agent=row["last_agent"] + 1,
        requeue=_unfinished_jobs(db),
    )
