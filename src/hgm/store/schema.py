"""The run database: one SQLite file per run, its tables and its schema version.

Durability choice: WAL journal with `synchronous=NORMAL`. Every event is its own
committed transaction; a commit in WAL mode is appended to the `-wal` file by a
`write()` before `COMMIT` returns, so it lives in the operating system's page
cache and survives the process being killed at any instant (SIGKILL, OOM kill,
Ctrl-C). What NORMAL gives up relative to FULL is only the fsync on every
commit: after an operating-system crash or power loss the last few commits may
be rolled back, never corrupted, and resume then simply re-runs those jobs.
FULL would cost an fsync per event (milliseconds on most disks) for a failure
mode that the resume logic already tolerates.

Other components (the LLM gateway's recorder) add their own tables to the same
file, so every connection waits on a busy timeout instead of failing.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from hgm.errors import UserError

SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 30_000

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    id          INTEGER PRIMARY KEY,
    started_at  REAL NOT NULL,
    ended_at    REAL,
    end_reason  TEXT,
    pid         INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS agents (
    id       INTEGER PRIMARY KEY,
    parent   INTEGER REFERENCES agents(id),
    created  REAL NOT NULL,
    job      INTEGER,
    details  TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS jobs (
    id        INTEGER PRIMARY KEY,
    kind      TEXT NOT NULL CHECK (kind IN ('expand', 'evaluate')),
    agent     INTEGER NOT NULL,
    child     INTEGER,
    task      TEXT,
    status    TEXT NOT NULL CHECK (status IN ('running', 'done', 'interrupted')),
    started   REAL NOT NULL,
    finished  REAL,
    attempts  INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS jobs_unfinished ON jobs(status) WHERE status != 'done';
CREATE TABLE IF NOT EXISTS expansions (
    job       INTEGER PRIMARY KEY REFERENCES jobs(id),
    parent    INTEGER NOT NULL,
    child     INTEGER NOT NULL,
    ok        INTEGER NOT NULL,
    reason    TEXT NOT NULL,
    cost_usd  REAL NOT NULL,
    started   REAL NOT NULL,
    finished  REAL NOT NULL,
    details   TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS evaluations (
    job       INTEGER PRIMARY KEY REFERENCES jobs(id),
    agent     INTEGER NOT NULL,
    task      TEXT NOT NULL,
    success   INTEGER NOT NULL,
    cost_usd  REAL NOT NULL,
    started   REAL NOT NULL,
    finished  REAL NOT NULL,
    details   TEXT NOT NULL DEFAULT '{}',
    UNIQUE (agent, task)
);
CREATE TABLE IF NOT EXISTS events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    session      INTEGER NOT NULL,
    type         TEXT NOT NULL,
    time         REAL NOT NULL,
    payload      TEXT NOT NULL,
    recorded_at  REAL NOT NULL
);
"""


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """Open `path` in WAL mode with a busy timeout; autocommit (transactions are explicit)."""
    if readonly:
        if not path.is_file():
            raise UserError(f"{path}: no run database here (expected a run directory)")
        uri = f"file:{path}?mode=ro"
        connection = sqlite3.connect(
            uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000
        )
    else:
        connection = sqlite3.connect(
            path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
        )
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    connection.row_factory = sqlite3.Row
    return connection


def create_schema(connection: sqlite3.Connection, *, created_at: float) -> None:
    """Create every table of a new run database and stamp the schema version."""
    connection.executescript(_TABLES)
    connection.execute(
        "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?), ('created_at', ?)",
        (str(SCHEMA_VERSION), repr(created_at)),
    )


def initialize_database(path: Path) -> None:
    """Create the run database file at `path` with every table and the schema version."""
    connection = connect(path)
    try:
        create_schema(connection, created_at=time.time())
    finally:
        connection.close()


def check_schema(connection: sqlite3.Connection, source: Path) -> None:
    """Refuse a database written by another schema version (or not a run database at all)."""
    try:
        row = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.DatabaseError as error:
        raise UserError(f"{source}: not an hgm run database ({error})") from error
    if row is None:
        raise UserError(f"{source}: not an hgm run database (no schema version)")
    if int(row["value"]) != SCHEMA_VERSION:
        raise UserError(
            f"{source}: run database schema version {row['value']}, "
            f"this hgm reads version {SCHEMA_VERSION}"
        )
