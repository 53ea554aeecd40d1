"""A run directory: the config verbatim (`run.toml`) next to the database (`run.db`).

While a process drives the run it holds an exclusive `flock` on `run.lock`; the
kernel drops it when the process dies, however it dies, so "is this run alive?"
has an exact answer and two processes never drive the same run.
"""

from __future__ import annotations

import fcntl
import os
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from hgm.errors import UserError
from hgm.store.configs import record_initial_config
from hgm.store.schema import initialize_database

CONFIG_NAME = "run.toml"
DATABASE_NAME = "run.db"
LOCK_NAME = "run.lock"
ARTIFACTS_NAME = "artifacts"
PROBE_GRACE_S = 1.0


@dataclass(frozen=True, slots=True)
class RunDir:
    """Where one run lives on disk (always an absolute path: jobs run in other directories)."""

    path: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", self.path.absolute())

    @property
    def config_path(self) -> Path:
        return self.path / CONFIG_NAME

    @property
    def db_path(self) -> Path:
        return self.path / DATABASE_NAME

    @property
    def lock_path(self) -> Path:
        return self.path / LOCK_NAME

    @property
    def artifacts(self) -> Path:
        return self.path / ARTIFACTS_NAME

    @classmethod
    def create(cls, path: Path, config_text: str) -> RunDir:
        """Make a new run directory holding `config_text` verbatim; never overwrite a run."""
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            hint = (
                f"continue it with `hgm resume {path}`"
                if (path / DATABASE_NAME).exists()
                else "choose another --run-dir"
            )
            raise UserError(f"{path} already exists and is not empty: {hint}")
        path.mkdir(parents=True, exist_ok=True)
        run_dir = cls(path)
        run_dir.artifacts.mkdir()
        initialize_database(run_dir.db_path)
        record_initial_config(run_dir.db_path, config_text)
        # run.toml last, atomically: a directory holding it always holds a database too
        partial = path / f".{CONFIG_NAME}.partial"
        partial.write_text(config_text, encoding="utf-8")
        os.replace(partial, run_dir.config_path)
        return run_dir

    @classmethod
    def open(cls, path: Path) -> RunDir:
        """An existing run directory; a clear error when `path` is not one."""
        run_dir = cls(path)
        if not path.is_dir():
            raise UserError(f"{path}: no such run directory")
        missing = [p.name for p in (run_dir.config_path, run_dir.db_path) if not p.is_file()]
        if missing:
            raise UserError(f"{path}: not a run directory (missing {', '.join(missing)})")
        return run_dir

    def is_active(self) -> bool:
        """True while some process holds the run lock (the run is being driven right now)."""
        if not self.lock_path.exists():
            return False
        with RunLock(self.lock_path, probe=True) as lock:
            return not lock.acquired


class RunLock:
    """Exclusive `flock` on the run's lock file, held for the `with` block.

    With `probe=False` (the default) a lock still held by another after `PROBE_GRACE_S`
    is a `UserError`: the grace lets a driver start while `is_active` probes. With
    `probe=True` the lock is shared, taken at once or not, and the outcome is left in
    `acquired`; probes never block each other.
    """

    def __init__(self, path: Path, *, probe: bool = False) -> None:
        self.path = path
        self.probe = probe
        self.acquired = False
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        # a probe only reads, so it also works on a run copied to read-only storage
        flags = os.O_RDONLY if self.probe else os.O_RDWR | os.O_CREAT
        try:
            self._fd = os.open(self.path, flags, 0o644)
        except OSError as error:
            raise UserError(
                f"{self.path}: cannot open the run's lock file ({error.strerror}); it must be a "
                "file hgm may write. If no hgm process drives this run, remove it and retry"
            ) from None
        if self.probe:
            # shared: probes never see each other as a driver
            self.acquired = _try_lock(self._fd, fcntl.LOCK_SH)
            return self
        # a probe holds the lock for microseconds: only a lock held past the grace is a driver
        deadline = time.monotonic() + PROBE_GRACE_S
        while not _try_lock(self._fd, fcntl.LOCK_EX):
            if time.monotonic() > deadline:
                os.close(self._fd)
                self._fd = None
                raise UserError(
                    f"{self.path.parent}: the run is being driven by another process; "
                    "wait for it or stop it first"
                )
            time.sleep(0.01)
        self.acquired = True
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            if self.acquired:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
        self.acquired = False


def _try_lock(fd: int, kind: int) -> bool:
    try:
        fcntl.flock(fd, kind | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
