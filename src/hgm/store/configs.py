"""The run's config as recorded: the text it started with and every accepted edit.

`run.toml` in the run directory is what the user may edit; the table `run_configs` holds
what the run actually used, so `hgm resume` can tell what changed. Databases made before
this table existed get it on their next resume, with the config of that moment as its
first row.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from hgm.store.schema import connect

CONFIGS_TABLE = """
CREATE TABLE IF NOT EXISTS run_configs (
    id           INTEGER PRIMARY KEY,
    recorded_at  REAL NOT NULL,
    session      INTEGER,
    config       TEXT NOT NULL,
    changes      TEXT NOT NULL DEFAULT '[]'
)
"""


@dataclass(frozen=True, slots=True)
class RecordedConfig:
    """One row: the config text, the session that began with it (None: the run's creation)
    and the changes against the previous row, one line each."""

    config: str
    session: int | None
    changes: tuple[str, ...]
    recorded_at: float


def record_config(
    db: sqlite3.Connection, text: str, changes: list[str], session: int | None
) -> None:
    """Append `text` (the config from now on) with what changed, in one transaction."""
    db.execute(CONFIGS_TABLE)
    db.execute(
        "INSERT INTO run_configs(recorded_at, session, config, changes) VALUES (?, ?, ?, ?)",
        (time.time(), session, text, json.dumps(changes)),
    )


def record_initial_config(db_path: Path, text: str) -> None:
    """The config a new run starts with."""
    connection = connect(db_path)
    try:
        record_config(connection, text, [], None)
    finally:
        connection.close()


def _has_table(db: sqlite3.Connection) -> bool:
    row = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'run_configs'"
    ).fetchone()
    return row is not None


def recorded_configs(db: sqlite3.Connection) -> list[RecordedConfig]:
    """Every recorded config, oldest first (empty for a run made before they were kept)."""
    if not _has_table(db):
        return []
    rows = db.execute(
        "SELECT config, session, changes, recorded_at FROM run_configs ORDER BY id"
    ).fetchall()
    return [RecordedConfig(row[0], row[1], tuple(json.loads(row[2])), row[3]) for row in rows]
