"""The `llm_calls` table in a run's SQLite database: every call, its attribution and cost.

This module owns only its own tables (`llm_calls`, `llm_meta`); the rest of
run.db belongs to hgm.store. The table is the authoritative trajectory of a job.
"""

from __future__ import annotations

import hashlib
import json
import logging
import queue
import sqlite3
import threading
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from hgm.errors import UserError

SCHEMA_VERSION = 1
_FINGERPRINT_PARAMS = (
    "tools",
    "tool_choice",
    "temperature",
    "top_p",
    "max_tokens",
    "max_completion_tokens",
    "stop",
    "seed",
    "response_format",
    "n",
    "parallel_tool_calls",
)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS llm_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS llm_calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run TEXT NOT NULL, agent TEXT NOT NULL, job TEXT NOT NULL, role TEXT NOT NULL,
    provider TEXT NOT NULL, model TEXT NOT NULL,
    started_at REAL NOT NULL, latency_s REAL NOT NULL,
    status TEXT NOT NULL, http_status INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL, cost_usd REAL NOT NULL,
    attempts INTEGER NOT NULL, tool_call_repairs INTEGER NOT NULL,
    fingerprint TEXT NOT NULL, request_json TEXT NOT NULL, response_json TEXT, error_json TEXT
);
CREATE INDEX IF NOT EXISTS llm_calls_job ON llm_calls (job);
CREATE INDEX IF NOT EXISTS llm_calls_fingerprint ON llm_calls (fingerprint);
"""


def fingerprint(alias: str, body: dict[str, Any]) -> str:
    """Hash of the alias, messages, tools and sampling parameters (never the token)."""
    canonical = {"alias": alias, "messages": body.get("messages", [])}
    canonical |= {key: body[key] for key in _FINGERPRINT_PARAMS if key in body}
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One call as the gateway saw it. `status` is "ok" or the error type given to the agent."""

    run: str
    agent: str
    job: str
    role: str
    provider: str
    model: str
    started_at: float
    latency_s: float
    status: str
    http_status: int
    input_tokens: int
    output_tokens: int
    cost_usd: float
    attempts: int
    tool_call_repairs: int
    fingerprint: str
    request: dict[str, Any]
    response: dict[str, Any] | None
    error: dict[str, Any] | None


_BATCH = 256
_COLUMNS = [
    *[f.name for f in fields(CallRecord)][:-3],
    "request_json",
    "response_json",
    "error_json",
]
_INSERT = (
    f"INSERT INTO llm_calls ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)})"
)
log = logging.getLogger(__name__)


def _connect(db_path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(db_path, timeout=30.0, check_same_thread=False)
    connection.execute("PRAGMA busy_timeout = 30000")
    return connection


def _to_record(row: tuple[Any, ...]) -> CallRecord:
    *plain, request, response, error = row
    return CallRecord(
        *plain,
        request=json.loads(request),
        response=json.loads(response) if response else None,
        error=json.loads(error) if error else None,
    )


class CallRecorder:
    """Appends calls to `llm_calls` (creating the tables if absent) from a writer thread of
    its own, so that a busy database never stalls the gateway's event loop. Rows are
    committed in small batches as they come; `flush()` waits until all are written."""

    def __init__(self, db_path: Path) -> None:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        self._db = _connect(db_path)
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.executescript(_SCHEMA)
        found = self._db.execute(
            "SELECT value FROM llm_meta WHERE key = 'llm_calls_schema_version'"
        ).fetchone()
        if found is None:
            self._db.execute(
                "INSERT INTO llm_meta VALUES ('llm_calls_schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )
        elif int(found[0]) != SCHEMA_VERSION:
            self._db.close()
            raise UserError(
                f"{db_path}: llm_calls schema version {found[0]}, this hgm reads version "
                f"{SCHEMA_VERSION}: use the hgm version that wrote this run"
            )
        self._db.commit()
        self._queue: queue.SimpleQueue[CallRecord | threading.Event | None] = queue.SimpleQueue()
        self._writer = threading.Thread(
            target=self._write_forever, name="hgm-llm-recorder", daemon=True
        )
        self._writer.start()

    def record(self, call: CallRecord) -> None:
        """Queue one call for writing; returns at once."""
        self._queue.put(call)

    def flush(self) -> None:
        """Wait until every call recorded so far is committed."""
        written = threading.Event()
        self._queue.put(written)
        written.wait()

    def close(self) -> None:
        self._queue.put(None)
        self._writer.join()
        self._db.close()

    def _write_forever(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < _BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                self._write([item for item in batch if isinstance(item, CallRecord)])
            finally:
                for item in batch:
                    if isinstance(item, threading.Event):
                        item.set()
            if None in batch:
                return

    def _write(self, calls: list[CallRecord]) -> None:
        if not calls:
            return
        try:
            self._db.executemany(_INSERT, [_row(call) for call in calls])
            self._db.commit()
        except sqlite3.Error:
            log.exception("could not record %d LLM call(s)", len(calls))


def _row(call: CallRecord) -> tuple[Any, ...]:
    plain = tuple(getattr(call, name) for name in _COLUMNS[:-3])
    return (
        *plain,
        json.dumps(call.request, ensure_ascii=False),
        None if call.response is None else json.dumps(call.response, ensure_ascii=False),
        None if call.error is None else json.dumps(call.error, ensure_ascii=False),
    )


def spent_usd(db_path: Path, run: str) -> float:
    """Money recorded for `run` in this database (earlier sessions of a resumed run)."""
    if not db_path.exists():
        return 0.0
    connection = _connect(db_path)
    try:
        row = connection.execute(
            "SELECT COALESCE(SUM(cost_usd), 0) FROM llm_calls WHERE run = ?", (run,)
        ).fetchone()
    finally:
        connection.close()
    return float(row[0])


def _select(db_path: Path, where: str, args: tuple[Any, ...]) -> list[CallRecord]:
    if not db_path.exists():
        return []
    connection = _connect(db_path)
    try:
        table = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'llm_calls'"
        ).fetchone()
        if table is None:
            return []
        rows = connection.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM llm_calls WHERE {where} ORDER BY id", args
        ).fetchall()
    finally:
        connection.close()
    return [_to_record(row) for row in rows]


def calls_for_job(db_path: Path, job: str) -> list[CallRecord]:
    """Every call a job made, in order: the authoritative trajectory."""
    return _select(db_path, "job = ?", (job,))


def replayable_calls(db_path: Path) -> list[CallRecord]:
    """Calls whose answer came from the provider (a reply or a context-length error)."""
    return _select(db_path, "status IN ('ok', 'context_length_exceeded')", ())
