"""Run one command under per-run cgroups and rlimits: the part bubblewrap and unsafe-local share."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Mapping

from hgm.sandbox.cgroups import RunCgroups
from hgm.sandbox.launch import (
    Supervision,
    apply_rlimits,
    nproc_fallback,
    rlimits_for,
    run_supervised,
)
from hgm.sandbox.types import Completed, Limits
from hgm.sandbox.verdict import completed_from


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
    *,
    use_cgroups: bool,
    rusage_covers_tree: bool,
    inherit_fds: tuple[int, ...] = (),
) -> Completed:
    """Start `argv` inside fresh cgroups with rlimits; on timeout or exit, kill all that is left.

    Memory is limited by the cgroup when one can be created, else by RLIMIT_DATA (which,
    unlike RLIMIT_AS, leaves the large reservations of the JVM, V8 and Go alone); processes
    by the pids cgroup, else (for users other than root) by RLIMIT_NPROC.
    """
    if use_cgroups:
        groups = RunCgroups.create(limits.memory_mb, limits.pids)
    else:
        groups = RunCgroups(problems={"all": "disabled by config (use_cgroups = false)"})
    try:
        memory_by_rlimit = None if groups.enforces("memory") else limits.memory_mb
        rlimits = rlimits_for(
            limits.cpu_s, limits.file_size_mb, limits.open_files, memory_by_rlimit
        )
        if not groups.enforces("pids"):
            rlimits |= nproc_fallback(limits.pids)

        def prepare(pid: int) -> None:
            groups.join(pid)
            apply_rlimits(pid, rlimits)

        def kill(pid: int) -> None:
            kill_leader(pid)
            groups.kill_all()

        def after_exit(pid: int) -> None:
            kill_leader(pid)
            groups.kill_all()

        supervision = Supervision(
            prepare=prepare, kill=kill, after_exit=after_exit, cpu_used=groups.cpu_s
        )
        outcome = run_supervised(
            argv, env, limits.wall_s, limits.cpu_s, tail_bytes, supervision, inherit_fds
        )
        return completed_from(outcome, limits, groups, rusage_covers_tree)
    finally:
        groups.close()
