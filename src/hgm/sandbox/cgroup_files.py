"""Reading and removing cgroup files, shared by the v1 and v2 layouts."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

from hgm.sandbox.owner import owner_alive_somewhere, owner_gone, owner_tag

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


def run_group_name(suffix: str) -> str:
    """`hgm-sandbox-<pid>-<pid namespace>-<suffix>`: the owner, so that a later hgm can
    tell the groups of a dead hgm from those of a live one (`hgm.sandbox.owner`)."""
    return f"{GROUP_PREFIX}{owner_tag()}-{suffix}"


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


def _kill_members(group: Path) -> None:
    try:
        members = (group / "cgroup.procs").read_text().split()
    except OSError:
        return
    for pid in members:
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid), signal.SIGKILL)


def remove_stale(parent: Path, min_age_s: float = STALE_AFTER_S) -> None:
    """Remove the groups that hgm processes left when they died mid-run (SIGKILL, OOM).

    A group whose owner was in this PID namespace and is dead may still hold sandboxed
    processes: if hgm died while bwrap was starting, they outlive it (and would go on
    writing into a job directory a resumed run uses again); they are killed first. A group
    of an owner in another PID namespace (who looks dead from here) is removed only when
    empty and older than `min_age_s`, so it cannot vanish before its first process joins.
    """
    now = time.time()
    for group in parent.glob(f"{GROUP_PREFIX}*-*"):
        owner, namespace, *_ = [*group.name[len(GROUP_PREFIX) :].split("-"), ""]
        if owner_alive_somewhere(owner):
            continue
        with contextlib.suppress(OSError):
            if owner_gone(owner, namespace):
                _kill_members(group)
                remove_group(group)
            elif now - group.stat().st_mtime >= min_age_s:
                group.rmdir()
