"""`RunStore`: the run database as an engine observer, plus its readers.

A process that drives the run opens the store with `RunStore.open_for_writing`,
which starts a *session* (one row per `hgm run` / `hgm resume`), and passes the
store to the engine as an observer. Readers (`hgm status`, `tree`, `results`,
a dashboard) use `RunStore.open_for_reading` and never write.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from hgm.store.configs import record_config
from hgm.store.queries import (
    Counts,
    ResultRow,
    SessionRow,
    build_tree,
    read_counts,
    read_events,
    read_last_session,
    read_results,
)
from hgm.store.schema import check_schema, connect, initialize_database

if TYPE_CHECKING:  # the writing side is imported where used: readers start without numpy
    from hgm.engine.events import Event
    from hgm.engine.state import EngineState
    from hgm.search.tree import Tree

ABORTED_REASON = "aborted"
"""Session end reason when the process was aborted (second Ctrl-C) mid-run."""


class RunStore:
    """One run's database. Writes one transaction per event; reads on demand."""

    def __init__(self, db: sqlite3.Connection, path: Path, session: int | None) -> None:
        self._db = db
        self.path = path
        self.session = session

    @classmethod
    def create(cls, path: Path) -> RunStore:
        """A new, empty run database at `path`, with a writing session open."""
        initialize_database(path)
        return cls.open_for_writing(path)

    @classmethod
    def open_for_writing(cls, path: Path) -> RunStore:
        """An existing run database, with a new writing session (a resume)."""
        db = connect(path)
        check_schema(db, path)
        return cls(db, path, _start_session(db))

    @classmethod
    def open_for_reading(cls, path: Path) -> RunStore:
        db = connect(path, readonly=True)
        check_schema(db, path)
        return cls(db, path, None)

    @property
    def connection(self) -> sqlite3.Connection:
        """The open connection, for readers that need a query of their own."""
        return self._db

    # ---- the observer ------------------------------------------------------------------

    def notify(self, event: Event) -> None:
        """Record `event` durably before returning (one committed transaction)."""
        if self.session is None:
            raise RuntimeError("this RunStore was opened for reading")
        from hgm.store.recorder import record_event

        record_event(self._db, self.session, event)

    def record_config(self, text: str, changes: list[str]) -> None:
        """The config this session runs with, and how it differs from the last one."""
        record_config(self._db, text, changes, self.session)

    def end_session(self, reason: str) -> None:
        """Mark this process's session as ended by `reason` (RunFinished does it itself)."""
        self._db.execute(
            "UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL",
            (time.time(), reason, self.session),
        )

    # ---- readers -----------------------------------------------------------------------

    def counts(self) -> Counts:
        return read_counts(self._db)

    def last_session(self) -> SessionRow | None:
        return read_last_session(self._db)

    def tree(self) -> Tree:
        """The tree with own and clade counts, rebuilt from the finished jobs."""
        return build_tree(self._db)

    def load_engine_state(self) -> EngineState | None:
        """What the engine needs to continue this run (see `hgm.store.resume`)."""
        from hgm.store.resume import load_engine_state

        return load_engine_state(self._db)

    def results(self) -> Iterator[ResultRow]:
        """One row per finished evaluation, in the order they finished."""
        return read_results(self._db)

    def events(self) -> Iterator[Event]:
        """The append-only event log, in order (for replay, dashboards, audits)."""
        return read_events(self._db)

    # ---- lifetime ----------------------------------------------------------------------

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.session is not None and error is not None:
            aborted = isinstance(error, KeyboardInterrupt)
            # a full disk or a damaged file may refuse this too: the session then reads crashed
            with contextlib.suppress(sqlite3.Error):
                self.end_session(ABORTED_REASON if aborted else f"error: {type(error).__name__}")
        self.close()


def _start_session(db: sqlite3.Connection) -> int:
    cursor = db.execute(
        "INSERT INTO sessions(started_at, pid) VALUES (?, ?)", (time.time(), os.getpid())
    )
    session = cursor.lastrowid
    if session is None:
        raise RuntimeError("sqlite returned no session id")
    return session
