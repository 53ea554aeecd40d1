"""Writing engine events into the run database: one committed transaction per event.

Each event appends one row to `events` and updates the state tables with
primary-key upserts, so a write costs O(1) whatever the size of the run. Writes
are idempotent per job id: a resumed run re-emits `*Started` for the jobs it
re-queues, and those only bump the job's attempt count. A second evaluation of
the same (agent, task) pair under another job id violates a unique constraint
and raises: the store never records a pair twice.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import time
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


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _agent_created(db: sqlite3.Connection, event: AgentCreated) -> None:
    db.execute(
        "INSERT INTO agents(id, parent, created, job, details) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET details = excluded.details",
        (event.agent, event.parent, event.time, event.job, _json(event.details)),
    )


def _expansion_started(db: sqlite3.Connection, event: ExpansionStarted) -> None:
    db.execute(
        "INSERT INTO jobs(id, kind, agent, child, status, started) "
        "VALUES (?, 'expand', ?, ?, 'running', ?) "
        "ON CONFLICT(id) DO UPDATE SET status = 'running', attempts = attempts + 1 "
        "WHERE status != 'done'",
        (event.job, event.parent, event.child, event.time),
    )


def _expansion_finished(db: sqlite3.Connection, event: ExpansionFinished) -> None:
    db.execute(
        "INSERT INTO expansions"
        "(job, parent, child, ok, reason, cost_usd, started, finished, details) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(job) DO NOTHING",
        (
            event.job,
            event.parent,
            event.child,
            int(event.ok),
            event.reason,
            event.cost_usd,
            event.started,
            event.finished,
            _json(event.details),
        ),
    )
    if event.ok:
        # The child exists as soon as its expansion succeeded, whichever of this
        # event and `AgentCreated` reaches the database first.
        db.execute(
            "INSERT OR IGNORE INTO agents(id, parent, created, job) VALUES (?, ?, ?, ?)",
            (event.child, event.parent, event.finished, event.job),
        )
    _finish_job(db, event.job, event.finished)


def _evaluation_started(db: sqlite3.Connection, event: EvaluationStarted) -> None:
    db.execute(
        "INSERT INTO jobs(id, kind, agent, task, status, started) "
        "VALUES (?, 'evaluate', ?, ?, 'running', ?) "
        "ON CONFLICT(id) DO UPDATE SET status = 'running', attempts = attempts + 1 "
        "WHERE status != 'done'",
        (event.job, event.agent, event.task, event.time),
    )


def _evaluation_finished(db: sqlite3.Connection, event: EvaluationFinished) -> None:
    db.execute(
        "INSERT INTO evaluations"
        "(job, agent, task, success, cost_usd, started, finished, details) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(job) DO NOTHING",
        (
            event.job,
            event.agent,
            event.task,
            int(event.success),
            event.cost_usd,
            event.started,
            event.finished,
            _json(event.details),
        ),
    )
    _finish_job(db, event.job, event.finished)


def _finish_job(db: sqlite3.Connection, job: int, finished: float) -> None:
    db.execute(
        "UPDATE jobs SET status = 'done', finished = ? WHERE id = ? AND status != 'done'",
        (finished, job),
    )


def _job_interrupted(db: sqlite3.Connection, event: JobInterrupted) -> None:
    db.execute(
        "UPDATE jobs SET status = 'interrupted' WHERE id = ? AND status = 'running'",
        (event.job,),
    )


def _job_requeued(db: sqlite3.Connection, event: JobRequeued) -> None:
    """Not a result: the job waits to run again (same id), now or after a resume."""
    db.execute(
        "UPDATE jobs SET status = 'interrupted' WHERE id = ? AND status = 'running'",
        (event.job,),
    )


def _run_finished(db: sqlite3.Connection, session: int, event: RunFinished) -> None:
    """The engine's end is also its session's end, in the same transaction."""
    db.execute(
        "INSERT INTO meta(key, value) VALUES ('last_finish_reason', ?), "
        "('last_finish_detail', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (event.reason, event.detail),
    )
    db.execute(
        "UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL",
        (time.time(), event.reason, session),
    )


def _apply(db: sqlite3.Connection, session: int, event: Event) -> None:
    match event:
        case AgentCreated():
            _agent_created(db, event)
        case ExpansionStarted():
            _expansion_started(db, event)
        case ExpansionFinished():
            _expansion_finished(db, event)
        case EvaluationStarted():
            _evaluation_started(db, event)
        case EvaluationFinished():
            _evaluation_finished(db, event)
        case JobInterrupted():
            _job_interrupted(db, event)
        case JobRequeued():
            _job_requeued(db, event)
        case RunFinished():
            _run_finished(db, session, event)


def record_event(db: sqlite3.Connection, session: int, event: Event) -> None:
    """Append `event` to the log and apply it to the state tables, in one transaction."""
    payload = dataclasses.asdict(event)
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute(
            "INSERT INTO events(session, type, time, payload, recorded_at) VALUES (?, ?, ?, ?, ?)",
            (session, type(event).__name__, _event_time(event), _json(payload), time.time()),
        )
        _apply(db, session, event)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _event_time(event: Event) -> float:
    if isinstance(event, ExpansionFinished | EvaluationFinished):
        return event.finished
    return event.time
