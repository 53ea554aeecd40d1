"""Who started a sandbox's processes and groups: an hgm process, named by pid and PID namespace.

Both go into the names of per-run cgroups and into the gate in front of each command, so
a later hgm can tell what a dead hgm left behind from what a live one runs: a pid is only
compared within the PID namespace it belongs to (an hgm in another namespace looks dead
from here).
"""

from __future__ import annotations

import os


def pid_namespace() -> int:
    """This process's PID namespace (the inode of /proc/self/ns/pid), 0 if unknown."""
    try:
        return os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return 0


def owner_tag() -> str:
    """`<pid>-<pid namespace>` of this process."""
    return f"{os.getpid()}-{pid_namespace()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def owner_gone(pid: str, namespace: str) -> bool:
    """True when the owner `pid` of `namespace` (as in a tag) is known to be dead: it was
    in this process's PID namespace and no longer runs."""
    here = pid_namespace()
    return bool(here) and namespace == str(here) and pid.isdigit() and not _alive(int(pid))


def owner_alive_somewhere(pid: str) -> bool:
    """Whether `pid` may still run (any namespace): unknown pids count as alive."""
    return not pid.isdigit() or _alive(int(pid))
