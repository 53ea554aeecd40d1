"""Ablation results in `run.db`, and the per-step comparison read back from them.

`hgm ablate` grades, for each step of an agent's lineage, a variant of the agent with that
step's change reverted. Tables (created on first use; no other table is touched):

- `ablation_steps`: one row per (agent, step): `graded` or `skipped` with the reason.
- `ablation_results`: one row per (agent, step, task) a variant was graded on.

The agent's own results on the same tasks are its certification rows (`certifications`,
shared with `hgm certify`, so either command reuses the other's grading). The comparison
is agent minus variant on the tasks both were graded on: a positive difference means the
step's change carries part of the agent's gain. Statistics: `hgm.evolve.certify_stats`.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import asdict
from typing import Any, Literal

from hgm.evolve.certify import read_certifications
from hgm.evolve.certify_stats import paired_difference, rate

ALPHA = 0.05
Verdict = Literal["carries gain", "neutral", "harmful", "skipped"]

_TABLES = """
CREATE TABLE IF NOT EXISTS ablation_steps (
    agent     INTEGER NOT NULL,
    step      INTEGER NOT NULL,
    status    TEXT NOT NULL CHECK (status IN ('graded', 'skipped')),
    reason    TEXT NOT NULL DEFAULT '',
    finished  REAL NOT NULL,
    PRIMARY KEY (agent, step)
);
CREATE TABLE IF NOT EXISTS ablation_results (
    agent     INTEGER NOT NULL,
    step      INTEGER NOT NULL,
    task      TEXT NOT NULL,
    success   INTEGER NOT NULL,
    cost_usd  REAL NOT NULL,
    duration  REAL NOT NULL,
    finished  REAL NOT NULL,
    details   TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (agent, step, task)
);
"""


def create_tables(db: sqlite3.Connection) -> None:
    db.executescript(_TABLES)


def _has_tables(db: sqlite3.Connection) -> bool:
    query = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 'ablation_%'"
    return db.execute(query).fetchone()[0] == 2


def record_step(db: sqlite3.Connection, agent: int, step: int, reason: str | None) -> None:
    """The step was graded (`reason` None) or skipped for `reason`."""
    db.execute(
        "INSERT OR REPLACE INTO ablation_steps(agent, step, status, reason, finished) "
        "VALUES (?, ?, ?, ?, ?)",
        (agent, step, "graded" if reason is None else "skipped", reason or "", time.time()),
    )


def record_result(
    db: sqlite3.Connection,
    agent: int,
    step: int,
    task: str,
    success: bool,
    cost_usd: float,
    duration: float,
    details: dict[str, Any],
) -> None:
    db.execute(
        "INSERT OR REPLACE INTO ablation_results"
        "(agent, step, task, success, cost_usd, duration, finished, details) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            agent,
            step,
            task,
            int(success),
            cost_usd,
            duration,
            time.time(),
            json.dumps(details, default=str),
        ),
    )


def variant_results(db: sqlite3.Connection, agent: int, step: int) -> dict[str, bool]:
    """Task -> resolved for the variant of `agent` without `step` (empty if none)."""
    if not _has_tables(db):
        return {}
    rows = db.execute(
        "SELECT task, success FROM ablation_results WHERE agent = ? AND step = ?", (agent, step)
    )
    return {task: bool(success) for task, success in rows}


def verdict(difference: float, p_value: float, alpha: float = ALPHA) -> Verdict:
    """`carries gain` / `harmful` when the paired difference is significant at `alpha`."""
    if p_value < alpha and difference > 0:
        return "carries gain"
    if p_value < alpha and difference < 0:
        return "harmful"
    return "neutral"


def read_ablation(db: sqlite3.Connection, agent: int) -> dict[str, Any] | None:
    """Per lineage step of `agent`: the comparison with the variant without it (None when
    `agent` was never ablated). Each graded step compares on the tasks both were graded on."""
    if not _has_tables(db):
        return None
    steps = db.execute(
        "SELECT step, status, reason FROM ablation_steps WHERE agent = ? ORDER BY step", (agent,)
    ).fetchall()
    if not steps:
        return None
    own = read_certifications(db, agent)
    rows = []
    for step, status, reason in steps:
        if status == "skipped":
            rows.append({"step": step, "verdict": "skipped", "reason": reason})
            continue
        variant = variant_results(db, agent, step)
        tasks = sorted(task for task in variant if task in own)
        agent_outcomes = [own[task] for task in tasks]
        variant_outcomes = [variant[task] for task in tasks]
        difference = paired_difference(agent_outcomes, variant_outcomes)
        cost = db.execute(
            "SELECT coalesce(sum(cost_usd), 0.0) FROM ablation_results "
            "WHERE agent = ? AND step = ?",
            (agent, step),
        ).fetchone()[0]
        lost = [t for t in tasks if own[t] and not variant[t]]
        gained = [t for t in tasks if variant[t] and not own[t]]
        rows.append(
            {
                "step": step,
                "verdict": verdict(difference.estimate, difference.mcnemar_p),
                "tasks": len(tasks),
                "variant": asdict(rate(variant_outcomes)),
                "agent": asdict(rate(agent_outcomes)),
                "difference": asdict(difference),
                "lost_without_step": lost,
                "gained_without_step": gained,
                "cost_usd": float(cost),
            }
        )
    return {
        "agent": agent,
        "alpha": ALPHA,
        "comparison": "agent minus the variant without the step, on the same tasks",
        "steps": rows,
    }
