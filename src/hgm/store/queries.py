"""Reading a run database: counts, the last session, the tree, the evaluation results."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hgm.engine.events import (
    AgentCreated,
    EvaluationFinished,
    EvaluationStarted,
    Event,
    ExpansionFinished,
    ExpansionStarted,
    JobInterrupted,
    JobRequeued,
    RunFinished,
)
from hgm.search.tree import Tree


@dataclass(frozen=True, slots=True)
class Counts:
    """How far a run has got, from its tables."""

    task_evals_started: int
    task_evals_done: int
    agents: int
    expansions_started: int
    expansions_done: int
    failed_expansions: int
    jobs_unfinished: int
    money_usd: float
    last_event_time: float


@dataclass(frozen=True, slots=True)
class SessionRow:
    id: int
    started_at: float
    ended_at: float | None
    end_reason: str | None
    pid: int


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One finished evaluation; `tampered` and its evidence come from the details a real
    world records (none in a simulated world)."""

    job: int
    agent: int
    task: str
    result: bool
    started: float
    finished: float
    cost_usd: float
    details: dict[str, Any]

    @property
    def tampered(self) -> bool:
        return self.details.get("tampered") is True

    @property
    def tamper_evidence(self) -> list[str]:
        return [str(line) for line in self.details.get("tamper_evidence") or []]

    @property
    def suspicious(self) -> list[str]:
        return [str(line) for line in self.details.get("suspicious") or []]


def read_counts(db: sqlite3.Connection) -> Counts:
    row = db.execute(
        """
        SELECT
          (SELECT count(*) FROM jobs WHERE kind = 'evaluate') AS evals_started,
          (SELECT count(*) FROM evaluations) AS evals_done,
          (SELECT count(*) FROM agents) AS agents,
          (SELECT count(*) FROM jobs WHERE kind = 'expand') AS expansions_started,
          (SELECT count(*) FROM expansions) AS expansions_done,
          (SELECT count(*) FROM expansions WHERE ok = 0) AS failed,
          (SELECT count(*) FROM jobs WHERE status != 'done') AS unfinished,
          (SELECT coalesce(sum(cost_usd), 0.0) FROM evaluations)
            + (SELECT coalesce(sum(cost_usd), 0.0) FROM expansions) AS money,
          (SELECT coalesce(max(time), 0.0) FROM events) AS last_time
        """
    ).fetchone()
    return Counts(
        task_evals_started=row["evals_started"],
        task_evals_done=row["evals_done"],
        agents=row["agents"],
        expansions_started=row["expansions_started"],
        expansions_done=row["expansions_done"],
        failed_expansions=row["failed"],
        jobs_unfinished=row["unfinished"],
        money_usd=float(row["money"]),
        last_event_time=float(row["last_time"]),
    )


def read_last_session(db: sqlite3.Connection) -> SessionRow | None:
    row = db.execute(
        "SELECT id, started_at, ended_at, end_reason, pid FROM sessions ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return None if row is None else SessionRow(**dict(row))


def build_tree(db: sqlite3.Connection) -> Tree:
    """The tree of agents with every finished evaluation and failed expansion recorded.

    Agent ids grow with creation (a child's id is assigned after its parent
    exists), so adding agents in id order always finds the parent present.
    """
    agent_count = db.execute("SELECT count(*) FROM agents").fetchone()[0]
    tree = Tree(capacity=max(64, agent_count))
    for agent, parent in db.execute("SELECT id, parent FROM agents ORDER BY id"):
        tree.add_agent(agent, parent)
    for agent, task, success in db.execute(
        "SELECT agent, task, success FROM evaluations ORDER BY job"
    ):
        tree.record(agent, task, bool(success))
    for (parent,) in db.execute("SELECT parent FROM expansions WHERE ok = 0 ORDER BY job"):
        tree.record_failed_expansion(parent)
    return tree


def read_results(db: sqlite3.Connection) -> Iterator[ResultRow]:
    cursor = db.execute(
        "SELECT job, agent, task, success, started, finished, cost_usd, details "
        "FROM evaluations ORDER BY finished, job"
    )
    for row in cursor:
        yield ResultRow(
            job=row["job"],
            agent=row["agent"],
            task=row["task"],
            result=bool(row["success"]),
            started=row["started"],
            finished=row["finished"],
            cost_usd=row["cost_usd"],
            details=json.loads(row["details"]),
        )


def read_events(db: sqlite3.Connection) -> Iterator[Event]:
    """The run's event log, every session, in the order it was written."""
    kinds: dict[str, type[Event]] = {
        kind.__name__: kind
        for kind in (
            AgentCreated,
            ExpansionStarted,
            ExpansionFinished,
            EvaluationStarted,
            EvaluationFinished,
            JobInterrupted,
            JobRequeued,
            RunFinished,
        )
    }
    for kind, payload in db.execute("SELECT type, payload FROM events ORDER BY seq"):
        yield kinds[kind](**json.loads(payload))
