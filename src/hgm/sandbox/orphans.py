"""Sandboxes whose hgm died while bwrap was starting: found and killed.

bwrap sets its parent-death signal only some milliseconds into its start, so an hgm
killed in that window leaves bwrap behind: its namespace init then waits forever for a
set-up that never comes, or goes on to the command, whose gate
(`hgm.sandbox.launch.gate_argv`) sees its pipe closed and exits. Either way a process per
unlucky kill is left. The gate carries its owner (`hgm-sandbox-<pid>-<pid namespace>`), so
a sandbox being made finds this user's bwrap processes whose owner is dead and kills them
(the namespace init first: the kernel then kills what runs inside).
"""

from __future__ import annotations

import contextlib
import os
import signal

from hgm.sandbox.launch import GATE_NAME, GATE_SCRIPT
from hgm.sandbox.owner import owner_gone


def _orphan(argv: list[bytes]) -> bool:
    if not argv[0].endswith(b"bwrap") or GATE_SCRIPT.encode() not in argv:
        return False
    name = argv[argv.index(GATE_SCRIPT.encode()) + 1 :][:1]
    if not name or not name[0].startswith(GATE_NAME.encode()):
        return False
    pid, _, namespace = name[0][len(GATE_NAME) :].decode(errors="replace").partition("-")
    return owner_gone(pid, namespace)


def orphaned_sandboxes() -> list[int]:
    """This user's bwrap processes of hgm sandboxes whose hgm is gone."""
    uid, found = os.getuid(), []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid != uid:
                continue
            with open(f"/proc/{entry.name}/cmdline", "rb") as file:
                argv = file.read().split(b"\0")
        except OSError:
            continue
        if _orphan(argv):
            found.append(int(entry.name))
    return found


def kill_orphaned_sandboxes() -> int:
    """SIGKILL every orphaned sandbox; how many there were."""
    orphans = orphaned_sandboxes()
    for pid in orphans:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return len(orphans)
