"""Failures of the run database and the disk under it, as messages a user can act on.

A damaged database, a full disk, a database another process keeps locked or a file hgm
may not write are states of the user's machine, not bugs: each becomes one `UserError`
saying what happened and what to do (exit code 2, no traceback). Errors that mean a bug
in hgm (integrity or programming errors) pass through unchanged.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hgm.errors import UserError

DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
MACHINE_STATES = (sqlite3.OperationalError, sqlite3.DatabaseError)
BUGS = (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError)


def _disk_full(detail: str, run_dir: Path | None) -> str:
    resume = f"`hgm resume {run_dir}`" if run_dir is not None else "`hgm resume RUN`"
    return (
        f"the disk is full ({detail}). What was recorded before stays consistent: free some "
        f"space, then {resume} re-runs the work that was in flight"
    )


def describe_failure(error: BaseException, db_path: Path | None = None) -> str | None:
    """The message for a database or disk failure, or None if `error` is none of them."""
    where = str(db_path) if db_path is not None else "the run database"
    file = str(db_path) if db_path is not None else "RUN/run.db"
    run_dir = db_path.parent if db_path is not None else None
    if isinstance(error, OSError) and error.errno in DISK_FULL:
        return _disk_full(f"{error.filename or where}: {error.strerror}", run_dir)
    if not isinstance(error, MACHINE_STATES) or isinstance(error, BUGS):
        return None
    text = str(error)
    lowered = text.lower()
    if "full" in lowered:
        return _disk_full(f"{where}: {text}", run_dir)
    if "locked" in lowered or "busy" in lowered:
        return f"{where}: another process keeps the database locked ({text}); try again later"
    if "readonly" in lowered or "unable to open" in lowered or "permission" in lowered:
        return f"{where}: cannot write or open the database ({text}); check its permissions"
    if "malformed" in lowered or "not a database" in lowered or "corrupt" in lowered:
        return (
            f"{where} is damaged ({text}). hgm cannot read it safely: restore it from a "
            f"copy, or salvage what it holds with `sqlite3 {file} .recover | sqlite3 recovered.db`"
        )
    return f"{where}: the run database failed ({text})"


@contextmanager
def database_errors(db_path: Path | None) -> Iterator[None]:
    """Turn database and disk failures inside the block into `UserError`s."""
    try:
        yield
    except (sqlite3.DatabaseError, OSError) as error:
        message = describe_failure(error, db_path)
        if message is None:
            raise
        raise UserError(message) from error
