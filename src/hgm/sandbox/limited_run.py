"""Run one command under per-run cgroups and rlimits: the part bubblewrap and unsafe-local share."""

from __future__ import annotations

import errno
import os
import signal
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Protocol

from hgm.sandbox.cgroups import CgroupParents, NoCgroups, RunCgroups, run_cgroups
from hgm.sandbox.launch import (
    Supervision,
    apply_rlimits,
    nproc_fallback,
    rlimits_for,
    run_supervised,
)
from hgm.sandbox.quota import WorkdirQuota
from hgm.sandbox.types import Completed, Limits
from hgm.sandbox.verdict import completed_from


class Hold(Protocol):
    """A command that starts paused by its own means (its gate is in its own argv)."""

    def targets(self, pid: int) -> Iterable[int]:
        """The processes to put into the run's groups and limit, given the spawned pid."""
        ...

    def release(self) -> None:
        """Let the command go on."""
        ...


def kill_process(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)


def kill_process_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        return


def run_limited(
    argv: list[str],
    env: Mapping[str, str],
    limits: Limits,
    tail_bytes: int,
    kill_leader: Callable[[int], None],
    workdir: Path,
    *,
    rusage_covers_tree: bool,
    inherit_fds: tuple[int, ...] = (),
    hold: Hold | None = None,
    cgroup_parents: CgroupParents | None = None,
) -> Completed:
    """Start `argv` inside fresh cgroups with rlimits; on timeout or exit, kill all that is left.

    Memory is limited by the cgroup when one can be created, else by RLIMIT_DATA (which,
    unlike RLIMIT_AS, leaves the large reservations of the JVM, V8 and Go alone); processes
    by the pids cgroup, else (for users other than root) by RLIMIT_NPROC; the work
    directory `workdir` by its quota (`hgm.sandbox.quota`). `cgroup_parents` None: no
    cgroups (disabled by config).

    Without `hold` the command waits behind the shell gate; with one, the command holds
    itself, carries the gate in its argv (`gate_argv`) and `hold` names the processes to
    limit and then lets it go. The groups are
    made after the spawn, so that work overlaps with the command's (bwrap's) own start.
    """
    groups: RunCgroups = NoCgroups()  # made in `prepare`, while a held command sets itself up

    def prepare(pid: int) -> None:
        nonlocal groups
        groups = run_cgroups(limits.memory_mb, limits.pids, cgroup_parents)
        memory_by_rlimit = None if groups.enforces("memory") else limits.memory_mb
        rlimits = rlimits_for(
            limits.cpu_s, limits.file_size_mb, limits.open_files, memory_by_rlimit
        )
        if not groups.enforces("pids"):
            rlimits |= nproc_fallback(limits.pids)
        if hold is None:
            groups.join(pid)
            apply_rlimits(pid, rlimits)
            return
        for target in hold.targets(pid):
            try:
                groups.join(target)
                apply_rlimits(target, rlimits)
            except OSError as error:  # ESRCH: it failed already; its stderr says why
                if error.errno != errno.ESRCH:
                    raise
        hold.release()

    def kill(pid: int) -> None:
        kill_leader(pid)
        groups.kill_all(every_group=False)

    supervision = Supervision(
        prepare=prepare,
        kill=kill,
        after_exit=kill,
        cpu_used=lambda: groups.cpu_s(),
        quota=WorkdirQuota(workdir, limits.disk_mb, limits.files),
    )
    try:
        outcome = run_supervised(
            argv,
            env,
            limits.wall_s,
            limits.cpu_s,
            tail_bytes,
            supervision,
            inherit_fds,
            wrap_gate=hold is None,
        )
        return completed_from(outcome, limits, groups, rusage_covers_tree)
    finally:
        groups.close()
