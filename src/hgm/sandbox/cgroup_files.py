"""Reading and removing cgroup files, shared by the v1 and v2 layouts."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

GROUP_PREFIX = "hgm-sandbox-"
STALE_AFTER_S = 300.0
REMOVE_TIMEOUT_S = 5.0


def read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def read_keyed(path: Path, key: str) -> int | None:
    """The value of `key` in a flat keyed file (`name value` per line)."""
    try:
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    except (OSError, ValueError):
        return None
    return None


def run_group_name(pid: int, suffix: str) -> str:
    """`hgm-sandbox-<pid>-<suffix>`: the owner's pid lets a later hgm find stale groups."""
    return f"{GROUP_PREFIX}{pid}-{suffix}"


def remove_group(directory: Path) -> str | None:
    """rmdir a group, retrying while its last processes exit; None, or why it stayed."""
    deadline = time.monotonic() + REMOVE_TIMEOUT_S
    while True:
        try:
            directory.rmdir()
            return None
        except FileNotFoundError:
            return None
        except OSError:
            if time.monotonic() > deadline:
                return f"could not remove {directory}"
            time.sleep(0.001)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale(parent: Path, min_age_s: float = STALE_AFTER_S) -> None:
    """Remove empty groups left by hgm processes that died mid-run.

    Only groups older than `min_age_s`: an hgm in another PID namespace looks dead from
    here, and its group must not vanish between its creation and its first process.
    """
    now = time.time()
    for group in parent.glob(f"{GROUP_PREFIX}*-*"):
        owner = group.name.split("-")[2]
        with contextlib.suppress(OSError):
            dead = owner.isdigit() and not _pid_alive(int(owner))
            if dead and now - group.stat().st_mtime >= min_age_s:
                group.rmdir()
