"""Turn how a process ended (and what its cgroups saw) into a `Completed` with a kill reason."""

from __future__ import annotations

import signal

from hgm.sandbox.cgroups import RunCgroups
from hgm.sandbox.launch import Exit
from hgm.sandbox.types import Completed, KillReason, Limits

NEAR_LIMIT_SHARE = 0.9


def _cpu_s(outcome: Exit, groups: RunCgroups | None, rusage_covers_tree: bool) -> float | None:
    measured = groups.cpu_s() if groups is not None else None
    if measured is not None or not rusage_covers_tree:
        return measured
    return outcome.rusage.ru_utime + outcome.rusage.ru_stime


def _peak_memory_mb(
    outcome: Exit, groups: RunCgroups | None, rusage_covers_tree: bool
) -> float | None:
    measured = groups.peak_memory_mb() if groups is not None else None
    if measured is not None or not rusage_covers_tree:
        return measured
    return outcome.rusage.ru_maxrss / 1024 if outcome.rusage.ru_maxrss else None


def kill_reason(
    outcome: Exit,
    limits: Limits,
    groups: RunCgroups | None,
    cpu_s: float | None,
    peak_memory_mb: float | None,
) -> KillReason:
    """Why the run was stopped, most specific cause first."""
    failed = outcome.exit_code != 0 or outcome.timed_out
    if groups is not None and groups.oom_kills() > 0:
        return KillReason.MEMORY
    memory_by_cgroup = groups is not None and groups.enforces("memory")
    if (
        failed
        and not memory_by_cgroup
        and limits.memory_mb is not None
        and peak_memory_mb is not None
        and peak_memory_mb >= NEAR_LIMIT_SHARE * limits.memory_mb
    ):
        return KillReason.MEMORY
    if groups is not None and groups.pids_limit_hits() > 0:
        return KillReason.PIDS
    if limits.cpu_s is not None and not outcome.timed_out:
        xcpu = outcome.exit_code == 128 + signal.SIGXCPU
        near_limit = cpu_s is not None and cpu_s >= NEAR_LIMIT_SHARE * limits.cpu_s
        killed = outcome.exit_code == 128 + signal.SIGKILL
        if outcome.cpu_exceeded or xcpu or (killed and near_limit):
            return KillReason.CPU
    if outcome.quota_exceeded is not None:
        return KillReason.DISK
    if outcome.timed_out:
        return KillReason.TIMEOUT
    if outcome.exit_code == 128 + signal.SIGXFSZ:
        return KillReason.FILE_SIZE
    return KillReason.NONE


def completed_from(
    outcome: Exit, limits: Limits, groups: RunCgroups | None, rusage_covers_tree: bool
) -> Completed:
    """The result; `rusage_covers_tree` says whether the waited process's rusage includes the
    command's whole process tree (not so for bwrap, whose namespace init is reaped by no one
    we wait for, nor for the docker CLI): if not, CPU and memory come from cgroups or are None.
    """
    cpu_s = _cpu_s(outcome, groups, rusage_covers_tree)
    peak = _peak_memory_mb(outcome, groups, rusage_covers_tree)
    details = {
        "stdout_bytes": str(outcome.stdout.total_bytes),
        "stderr_bytes": str(outcome.stderr.total_bytes),
        "timed_out": str(outcome.timed_out).lower(),
    }
    if outcome.term_signal is not None:
        details["signal"] = signal.Signals(outcome.term_signal).name
    if outcome.quota_exceeded is not None:
        details["quota"] = outcome.quota_exceeded
    if groups is not None:
        details["cgroups"] = ",".join(sorted(groups.dirs)) or "none"
        details["cgroup_version"] = groups.version
        for controller, problem in groups.problems.items():
            details[f"cgroup_{controller}"] = problem
    return Completed(
        exit_code=outcome.exit_code,
        stdout_tail=outcome.stdout.text(),
        stderr_tail=outcome.stderr.text(),
        wall_s=outcome.wall_s,
        cpu_s=cpu_s,
        peak_memory_mb=peak,
        killed=kill_reason(outcome, limits, groups, cpu_s, peak),
        details=details,
    )
