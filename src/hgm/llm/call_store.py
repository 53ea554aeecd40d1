"""How recorded calls sit in run.db: each message stored once, requests rebuilt exactly.

Schema version 2. A request's `messages` are a chain: every message is a blob keyed by
the SHA-256 of its JSON (`llm_blobs`), and every prefix of a conversation is a node
(`llm_chain`: node = SHA-256 of its parent node and its last message). A call row keeps
the rest of its request (`request_json`, with `messages` and `tools` set to null in their
places) plus the head node and the tools blob. A job whose conversation grows by one
message per call therefore adds one message per call to run.db, not the whole
conversation again, and `calls_for_job` rebuilds each request as it was sent (same keys,
same order, same values).

Requests the gateway refused before reading them as a chat request keep only a bounded
excerpt (`request_excerpt`) and their size (`request_bytes`).

Version 1 run.db files (the whole request in `request_json`) are read as they are, and
migrated in place (new columns and tables added, old rows untouched) when a recorder
opens them.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hgm.errors import UserError

SCHEMA_VERSION = 2
_VERSION_KEY = "llm_calls_schema_version"
_KNOWN_NODES = 50_000
_NODE_ROW_BYTES = 200  # a chain row and its index entry, roughly
_CALL_ROW_BYTES = 300  # the plain columns of a call row and its index entries, roughly

_TABLES = """
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
CREATE TABLE IF NOT EXISTS llm_blobs (hash TEXT PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS llm_chain (
    node TEXT PRIMARY KEY, parent TEXT, blob TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS llm_calls_job ON llm_calls (job);
CREATE INDEX IF NOT EXISTS llm_calls_fingerprint ON llm_calls (fingerprint);
"""
# Columns added by version 2 (ALTER TABLE on a version 1 database).
_V2_COLUMNS = {
    "messages_node": "TEXT",
    "tools_blob": "TEXT",
    "request_excerpt": "TEXT",
    "request_bytes": "INTEGER NOT NULL DEFAULT 0",
    "max_output_tokens": "INTEGER",
}
PLAIN_COLUMNS = (
    "run",
    "agent",
    "job",
    "role",
    "provider",
    "model",
    "started_at",
    "latency_s",
    "status",
    "http_status",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "attempts",
    "tool_call_repairs",
    "fingerprint",
)
STORED_COLUMNS = (
    *PLAIN_COLUMNS,
    "request_json",
    "response_json",
    "error_json",
    *_V2_COLUMNS,
)
_INSERT = (
    f"INSERT INTO llm_calls ({', '.join(STORED_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in STORED_COLUMNS)})"
)
_CHAIN = """
WITH RECURSIVE walk(node, parent, blob, depth) AS (
    SELECT node, parent, blob, 0 FROM llm_chain WHERE node = ?
    UNION ALL
    SELECT c.node, c.parent, c.blob, w.depth + 1 FROM llm_chain c JOIN walk w ON c.node = w.parent
)
SELECT b.json FROM walk JOIN llm_blobs b ON b.hash = walk.blob ORDER BY walk.depth DESC
"""


def connect(db_path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(db_path, timeout=30.0, check_same_thread=False)
    connection.execute("PRAGMA busy_timeout = 30000")
    return connection


def compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def prepare(db: sqlite3.Connection, db_path: Path) -> None:
    """Create the tables, or migrate a version 1 database; refuse a newer version."""
    db.executescript(_TABLES)
    found = db.execute("SELECT value FROM llm_meta WHERE key = ?", (_VERSION_KEY,)).fetchone()
    version = int(found[0]) if found else SCHEMA_VERSION
    if version > SCHEMA_VERSION:
        raise UserError(
            f"{db_path}: llm_calls schema version {version}, this hgm reads versions 1 to "
            f"{SCHEMA_VERSION}: use the hgm version that wrote this run"
        )
    present = {row[1] for row in db.execute("PRAGMA table_info(llm_calls)")}
    for column, kind in _V2_COLUMNS.items():
        if column not in present:
            db.execute(f"ALTER TABLE llm_calls ADD COLUMN {column} {kind}")
    db.execute(
        "INSERT INTO llm_meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (_VERSION_KEY, str(SCHEMA_VERSION)),
    )
    db.commit()


@dataclass(frozen=True, slots=True)
class StoredRequest:
    """A request split for storage; `added_bytes` is what the new blobs and nodes take."""

    request_json: str
    messages_node: str | None
    tools_blob: str | None
    added_bytes: int
    new_nodes: tuple[str, ...]


class ContentStore:
    """Writes requests as chains of content-addressed messages (used by one writer thread).

    Remembers the nodes it has committed recently, so that a growing conversation hashes
    its messages but writes only the new ones."""

    def __init__(self) -> None:
        self._known: OrderedDict[str, None] = OrderedDict()

    def store(self, db: sqlite3.Connection, request: dict[str, Any]) -> StoredRequest:
        rest = dict(request)
        added = 0
        head: str | None = None
        new_nodes: list[str] = []
        messages = request.get("messages")
        if isinstance(messages, list) and messages:
            parent: str | None = None
            for message in messages:
                text = compact_json(message)
                blob = _digest(text)
                node = _digest((parent or "") + blob)
                if node not in self._known:
                    added += self._blob(db, blob, text)
                    inserted = db.execute(
                        "INSERT OR IGNORE INTO llm_chain VALUES (?, ?, ?)", (node, parent, blob)
                    ).rowcount
                    added += _NODE_ROW_BYTES * inserted
                    new_nodes.append(node)
                parent = node
            head = parent
            rest["messages"] = None
        tools_blob: str | None = None
        tools = request.get("tools")
        if isinstance(tools, list) and tools:
            text = compact_json(tools)
            tools_blob = _digest(text)
            added += self._blob(db, tools_blob, text)
            rest["tools"] = None
        return StoredRequest(compact_json(rest), head, tools_blob, added, tuple(new_nodes))

    @staticmethod
    def _blob(db: sqlite3.Connection, blob: str, text: str) -> int:
        inserted = db.execute("INSERT OR IGNORE INTO llm_blobs VALUES (?, ?)", (blob, text))
        return (len(text) + len(blob)) * inserted.rowcount

    def committed(self, nodes: Iterable[str]) -> None:
        """Remember nodes that are now in the database (call after the commit)."""
        for node in nodes:
            self._known[node] = None
            self._known.move_to_end(node)
        while len(self._known) > _KNOWN_NODES:
            self._known.popitem(last=False)


def row_bytes(stored: StoredRequest, response_json: str | None, error_json: str | None) -> int:
    """What one call adds to run.db: its row, its new messages, its answer."""
    return (
        _CALL_ROW_BYTES
        + stored.added_bytes
        + len(stored.request_json)
        + len(response_json or "")
        + len(error_json or "")
    )


def insert_call(db: sqlite3.Connection, values: tuple[Any, ...]) -> None:
    db.execute(_INSERT, values)


def _columns(db: sqlite3.Connection) -> list[str] | None:
    """The select list for llm_calls in this database (NULL for columns an old version lacks),
    or None when the table does not exist."""
    present = {row[1] for row in db.execute("PRAGMA table_info(llm_calls)")}
    if not present:
        return None
    return [name if name in present else f"NULL AS {name}" for name in STORED_COLUMNS]


@dataclass(frozen=True, slots=True)
class StoredCall:
    """One row, with its request rebuilt (or left as stored when `with_requests` is False)."""

    plain: tuple[Any, ...]
    request: dict[str, Any]
    response: dict[str, Any] | None
    error: dict[str, Any] | None
    request_excerpt: str | None
    request_bytes: int
    max_output_tokens: int | None


class _Rebuilder:
    """Rebuilds requests; the tools blob, usually the same for every call of a job, is read
    once per query."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._blobs: dict[str, str] = {}

    def messages(self, node: str) -> list[Any]:
        return [json.loads(row[0]) for row in self._db.execute(_CHAIN, (node,))]

    def blob(self, blob: str) -> Any:
        if blob not in self._blobs:
            found = self._db.execute("SELECT json FROM llm_blobs WHERE hash = ?", (blob,))
            self._blobs[blob] = found.fetchone()[0]
        return json.loads(self._blobs[blob])


def read_calls(
    db: sqlite3.Connection, where: str, args: tuple[Any, ...], *, with_requests: bool = True
) -> list[StoredCall]:
    """Rows of llm_calls matching `where`, in order, on an open connection (any schema
    version; none when the table does not exist)."""
    columns = _columns(db)
    if columns is None:
        return []
    rows = db.execute(
        f"SELECT {', '.join(columns)} FROM llm_calls WHERE {where} ORDER BY id", args
    ).fetchall()
    rebuild = _Rebuilder(db)
    calls = []
    for row in rows:
        plain = tuple(row[: len(PLAIN_COLUMNS)])
        request_json, response, error, node, tools, excerpt, size, max_out = row[
            len(PLAIN_COLUMNS) :
        ]
        request = json.loads(request_json)
        if with_requests and node is not None:
            request["messages"] = rebuild.messages(node)
        if with_requests and tools is not None:
            request["tools"] = rebuild.blob(tools)
        calls.append(
            StoredCall(
                plain,
                request,
                json.loads(response) if response else None,
                json.loads(error) if error else None,
                excerpt,
                int(size or 0),
                max_out,
            )
        )
    return calls


def select_calls(
    db_path: Path, where: str, args: tuple[Any, ...], *, with_requests: bool = True
) -> list[StoredCall]:
    if not db_path.exists():
        return []
    db = connect(db_path)
    try:
        return read_calls(db, where, args, with_requests=with_requests)
    finally:
        db.close()


def run_totals(db_path: Path, run: str) -> tuple[int, int, float]:
    """(calls, tokens, money) recorded for `run`: earlier sessions of a resumed run. Calls
    refused for a budget do not count as calls (the provider never saw them)."""
    if not db_path.exists():
        return 0, 0, 0.0
    db = connect(db_path)
    try:
        if _columns(db) is None:
            return 0, 0, 0.0
        calls, tokens, money = db.execute(
            "SELECT COUNT(*) FILTER (WHERE status != 'budget_exceeded'), "
            "COALESCE(SUM(input_tokens + output_tokens), 0), COALESCE(SUM(cost_usd), 0) "
            "FROM llm_calls WHERE run = ?",
            (run,),
        ).fetchone()
    finally:
        db.close()
    return int(calls), int(tokens), float(money)
