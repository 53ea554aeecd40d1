"""Every call in the run's SQLite database: its attribution, cost and full request.

This module owns only its own tables (`llm_calls`, `llm_meta`, `llm_blobs`,
`llm_chain`; see hgm.llm.call_store for how requests are stored); the rest of run.db
belongs to hgm.store. The calls are the authoritative trajectory of a job.
"""

from __future__ import annotations

import hashlib
import json
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hgm.errors import UserError
from hgm.llm import call_store
from hgm.llm.call_store import ContentStore, compact_json

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


def fingerprint(alias: str, body: dict[str, Any]) -> str:
    """Hash of the alias, messages, tools and sampling parameters (never the token)."""
    canonical = {"alias": alias, "messages": body.get("messages", [])}
    canonical |= {key: body[key] for key in _FINGERPRINT_PARAMS if key in body}
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One call as the gateway saw it.

    `status` is "ok" or the error type the agent was given (an open vocabulary: see
    docs/llm.md). `request` is the request as the agent sent it; for a request refused
    before it could be read as a chat request it is `{}`, and `request_excerpt` holds the
    first characters of the body instead. `request_bytes` is the body's size;
    `max_output_tokens` the reply limit the gateway sent on (None: none was sent).
    """

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
    request_excerpt: str | None = None
    request_bytes: int = 0
    max_output_tokens: int | None = None


_BATCH = 256
log = logging.getLogger(__name__)
Written = Callable[[CallRecord, int, int], None]


class CallRecorder:
    """Appends calls to run.db (creating or migrating the tables) from a writer thread of
    its own, so that a busy database never stalls the gateway's event loop. Rows are
    committed in small batches as they come; `flush()` waits until all are written.

    `on_written(call, held_bytes, stored_bytes)` is called from the writer thread once a
    call is committed (stored_bytes 0 when writing failed)."""

    def __init__(self, db_path: Path, on_written: Written | None = None) -> None:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        self._db = call_store.connect(db_path)
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        try:
            call_store.prepare(self._db, db_path)
        except UserError:
            self._db.close()
            raise
        self._content = ContentStore()
        self._on_written = on_written
        self._queue: queue.SimpleQueue[tuple[CallRecord, int] | threading.Event | None] = (
            queue.SimpleQueue()
        )
        self._writer = threading.Thread(
            target=self._write_forever, name="hgm-llm-recorder", daemon=True
        )
        self._writer.start()

    def record(self, call: CallRecord, held_bytes: int = 0) -> None:
        """Queue one call for writing; returns at once. `held_bytes` is passed back to
        `on_written` (what the caller held of the job's allowance for it)."""
        self._queue.put((call, held_bytes))

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
                self._write([item for item in batch if isinstance(item, tuple)])
            finally:
                for item in batch:
                    if isinstance(item, threading.Event):
                        item.set()
            if None in batch:
                return

    def _write(self, calls: list[tuple[CallRecord, int]]) -> None:
        if not calls:
            return
        sizes = [0] * len(calls)
        nodes: list[str] = []
        try:
            for index, (call, _) in enumerate(calls):
                sizes[index], new_nodes = self._insert(call)
                nodes.extend(new_nodes)
            self._db.commit()
            self._content.committed(nodes)
        except Exception:  # a bad record or a full disk must not stop the writer
            self._db.rollback()
            sizes = [0] * len(calls)
            log.exception("could not record %d LLM call(s)", len(calls))
        if self._on_written is not None:
            for (call, held), size in zip(calls, sizes, strict=True):
                self._on_written(call, held, size)

    def _insert(self, call: CallRecord) -> tuple[int, tuple[str, ...]]:
        stored = self._content.store(self._db, call.request)
        response = None if call.response is None else compact_json(call.response)
        error = None if call.error is None else compact_json(call.error)
        plain = tuple(getattr(call, name) for name in call_store.PLAIN_COLUMNS)
        call_store.insert_call(
            self._db,
            (
                *plain,
                stored.request_json,
                response,
                error,
                stored.messages_node,
                stored.tools_blob,
                call.request_excerpt,
                call.request_bytes,
                call.max_output_tokens,
            ),
        )
        size = call_store.row_bytes(stored, response, error) + len(call.request_excerpt or "")
        return size, stored.new_nodes


def _record(stored: call_store.StoredCall) -> CallRecord:
    return CallRecord(
        *stored.plain,
        request=stored.request,
        response=stored.response,
        error=stored.error,
        request_excerpt=stored.request_excerpt,
        request_bytes=stored.request_bytes,
        max_output_tokens=stored.max_output_tokens,
    )


def _records(db_path: Path, where: str, args: tuple[Any, ...], **options: bool) -> list[CallRecord]:
    return [_record(stored) for stored in call_store.select_calls(db_path, where, args, **options)]


def job_calls_in(db: sqlite3.Connection, job: str) -> list[CallRecord]:
    """`calls_for_job` on a connection the caller holds open (a reader such as hgm ui)."""
    return [_record(stored) for stored in call_store.read_calls(db, "job = ?", (job,))]


def calls_for_job(db_path: Path, job: str) -> list[CallRecord]:
    """Every call a job made, in order, each with its full request: the authoritative
    trajectory."""
    return _records(db_path, "job = ?", (job,))


def replayable_calls(db_path: Path) -> list[CallRecord]:
    """Calls whose answer came from the provider (a reply or a context-length error); their
    requests' messages and tools are not rebuilt (replay matches by fingerprint)."""
    return _records(db_path, "status IN ('ok', 'context_length_exceeded')", (), with_requests=False)
