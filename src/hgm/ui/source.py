"""One run opened for viewing: its config, and its database read-only (never a write).

The database is opened with SQLite's `mode=ro` URI: a WAL reader, which never blocks the
engine's writes and never writes itself, so a viewer works on live, finished and copied
runs (also on read-only storage). Every query of a viewer goes through `RunSource.read`,
which serialises the viewer's own threads on the one connection.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from hgm.errors import UserError
from hgm.runconfig.agent_report import ARCHIVE_DIR_NAME
from hgm.runconfig.config import RunConfig, read_run_config
from hgm.store.run_dir import RunDir
from hgm.store.schema import BUSY_TIMEOUT_MS, check_schema

T = TypeVar("T")


def connect_readonly(path: Path) -> sqlite3.Connection:
    """`path` opened read-only (`mode=ro`): usable from any thread, rows as sqlite3.Row."""
    if not path.is_file():
        raise UserError(f"{path}: no run database here (expected a run directory)")
    connection = sqlite3.connect(
        f"file:{path}?mode=ro",
        uri=True,
        isolation_level=None,
        timeout=BUSY_TIMEOUT_MS / 1000,
        check_same_thread=False,
    )
    connection.execute("PRAGMA query_only = ON")
    connection.row_factory = sqlite3.Row
    check_schema(connection, path)
    return connection


@dataclass
class RunSource:
    """A run directory opened for reading: its config (and text) and a read-only connection."""

    run_dir: RunDir
    config: RunConfig
    config_text: str
    db: sqlite3.Connection
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(cls, path: Path) -> RunSource:
        run_dir = RunDir.open(path)
        config, text = read_run_config(run_dir.config_path)
        return cls(run_dir, config, text, connect_readonly(run_dir.db_path))

    @property
    def name(self) -> str:
        return self.config.run.name

    @property
    def archive_path(self) -> Path:
        return self.run_dir.path / ARCHIVE_DIR_NAME

    def read(self, query: Callable[[sqlite3.Connection], T]) -> T:
        """Run `query` on the connection, one thread at a time."""
        with self.lock:
            return query(self.db)

    def is_active(self) -> bool:
        """True while a process drives the run (its lock is held)."""
        return self.run_dir.is_active()

    def close(self) -> None:
        with self.lock:
            self.db.close()


@contextmanager
def opened(path: Path) -> Iterator[RunSource]:
    source = RunSource.open(path)
    try:
        yield source
    finally:
        source.close()


def has_table(db: sqlite3.Connection, name: str) -> bool:
    query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    return db.execute(query, (name,)).fetchone() is not None
