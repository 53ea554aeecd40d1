"""Start a process paused, supervise it, and collect what it left behind.

The command must not run before it is in its cgroups and has its rlimits (both
inherited by everything it starts). It is spawned behind a gate,
`/bin/sh -c GATE hgm-sandbox argv...`: the shell waits on its stdin (a pipe) until the
parent has prepared it, then execs the command with stdin from /dev/null. If the parent
dies first, the shell reads end-of-file and exits instead: nothing runs unsupervised. A
command that holds itself while it is prepared (bwrap with --block-fd) carries the gate
in its own argv (`gate_argv`, inside the sandbox): bwrap goes on when its block pipe
closes, also when hgm died, and only the gate stops the command then. Popen runs no
Python code between fork and exec (no preexec_fn), closes every other descriptor, and
restores the signals Python ignores (SIGPIPE, SIGXFSZ), so this is safe from many threads
at once.
"""

from __future__ import annotations

import contextlib
import os
import resource
import selectors
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from hgm.sandbox.output import BoundedTail
from hgm.sandbox.owner import owner_tag
from hgm.sandbox.quota import WorkdirQuota

GATE_SCRIPT = 'read -r go && [ "$go" = go ] || exit 125; exec "$@" </dev/null'
CHUNK_BYTES = 65536
CPU_POLL_S = 0.1
DRAIN_AFTER_EXIT_S = 1.0
KILL_GRACE_S = 5.0


@dataclass(frozen=True, slots=True)
class Exit:
    """How a supervised process ended."""

    exit_code: int
    term_signal: int | None
    rusage: resource.struct_rusage
    wall_s: float
    timed_out: bool
    cpu_exceeded: bool
    stdout: BoundedTail
    stderr: BoundedTail
    quota_exceeded: str | None = None


@dataclass(frozen=True, slots=True)
class Supervision:
    """What the supervisor does around the process; each hook receives its pid."""

    prepare: Callable[[int], None]
    kill: Callable[[int], None]
    after_exit: Callable[[int], None] = lambda pid: None
    cpu_used: Callable[[], float | None] = lambda: None
    quota: WorkdirQuota | None = None


GATE_NAME = "hgm-sandbox-"


def gate_argv(argv: list[str]) -> list[str]:
    """`argv` behind the gate: it runs once the parent writes `go` to its stdin. The gate's
    name (`$0`) is `hgm-sandbox-<pid>-<pid namespace>` of this hgm (`hgm.sandbox.owner`)."""
    return ["/bin/sh", "-c", GATE_SCRIPT, GATE_NAME + owner_tag(), *argv]


def rlimits_for(
    cpu_s: float | None,
    file_size_mb: int | None,
    open_files: int | None,
    data_mb: int | None,
) -> dict[int, int]:
    """The rlimits to set; CPU gets one second of grace between SIGXCPU and SIGKILL."""
    limits = {resource.RLIMIT_CORE: 0}
    if cpu_s is not None:
        limits[resource.RLIMIT_CPU] = max(1, int(cpu_s + 0.999))
    if file_size_mb is not None:
        limits[resource.RLIMIT_FSIZE] = file_size_mb * 1024 * 1024
    if open_files is not None:
        limits[resource.RLIMIT_NOFILE] = open_files
    if data_mb is not None:
        limits[resource.RLIMIT_DATA] = data_mb * 1024 * 1024
    return limits


def user_tasks(uid: int) -> int:
    """How many tasks (threads) processes owned by `uid` have now: what RLIMIT_NPROC counts."""
    count = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid == uid:
                count += len(os.listdir(f"/proc/{entry.name}/task"))
        except OSError:
            continue
    return count


def nproc_fallback(pids: int | None) -> dict[int, int]:
    """Without a pids cgroup: RLIMIT_NPROC at the user's current task count plus `pids`.

    RLIMIT_NPROC counts every task of the real user, and root ignores it, so for root
    this is empty and for anyone else it is approximate (other processes of the same
    user, started meanwhile, share the allowance).
    """
    uid = os.getuid()
    if pids is None or uid == 0:
        return {}
    return {resource.RLIMIT_NPROC: user_tasks(uid) + pids}


def apply_rlimits(pid: int, limits: Mapping[int, int]) -> None:
    for which, value in limits.items():
        hard = value + 1 if which == resource.RLIMIT_CPU else value
        resource.prlimit(pid, which, (value, hard))


def _reap(process: subprocess.Popen[bytes]) -> tuple[int, resource.struct_rusage]:
    """Wait for the process with its resource usage, and tell Popen it is gone."""
    _, status, rusage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return status, rusage


def _read_into(fd: int, tail: BoundedTail) -> bool:
    """Read one chunk; False at end of stream."""
    try:
        chunk = os.read(fd, CHUNK_BYTES)
    except BlockingIOError:
        return True
    if not chunk:
        return False
    tail.feed(chunk)
    return True


def run_supervised(
    argv: list[str],
    env: Mapping[str, str],
    wall_s: float,
    cpu_s: float | None,
    tail_bytes: int,
    supervision: Supervision,
    inherit_fds: tuple[int, ...] = (),
    wrap_gate: bool = True,
) -> Exit:
    """Run `argv` to completion or until the wall clock, the CPU budget or the work
    directory's quota (`supervision.quota`) runs out.

    The command gets its gate as stdin (then /dev/null), stdout and stderr pipes,
    `inherit_fds` under their own numbers, and no other descriptor of this process. It
    waits behind the gate until `supervision.prepare` has run; with `wrap_gate` False,
    `argv` holds the gate itself (`gate_argv`) and may hold itself too until `prepare`
    lets it go (as bwrap does with --block-fd).
    """
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    gate_read, gate_write = os.pipe()
    try:
        process = subprocess.Popen(
            gate_argv(argv) if wrap_gate else argv,
            stdin=gate_read,
            stdout=out_write,
            stderr=err_write,
            env=dict(env),
            start_new_session=True,
            pass_fds=inherit_fds,
        )
    except BaseException:
        for fd in (out_read, err_read, gate_write):
            os.close(fd)
        raise
    finally:
        for fd in (out_write, err_write, gate_read):
            os.close(fd)
    start = time.monotonic()
    pid = process.pid
    pidfd = os.pidfd_open(pid)
    try:
        try:
            supervision.prepare(pid)
            with contextlib.suppress(BrokenPipeError):  # it ended first (bwrap's set-up failed)
                os.write(gate_write, b"go\n")
        except BaseException:
            os.kill(pid, signal.SIGKILL)
            _reap(process)
            raise
        finally:
            os.close(gate_write)
        try:
            watched = _supervise(
                pid, pidfd, start, out_read, err_read, wall_s, cpu_s, tail_bytes, supervision
            )
        except BaseException:
            supervision.kill(pid)
            _reap(process)
            raise
        status, rusage = _reap(process)
    finally:
        for fd in (pidfd, out_read, err_read):
            os.close(fd)
    wall = (watched.ended if watched.ended is not None else time.monotonic()) - start
    term_signal = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    code = 128 + term_signal if term_signal is not None else os.WEXITSTATUS(status)
    quota = supervision.quota
    if not watched.limit_hit and quota is not None and quota.active:
        watched.quota_exceeded = quota.check()  # what it left behind counts too
    return Exit(
        code,
        term_signal,
        rusage,
        wall,
        watched.timed_out,
        watched.cpu_exceeded,
        watched.stdout,
        watched.stderr,
        watched.quota_exceeded,
    )


@dataclass(slots=True)
class _Watched:
    stdout: BoundedTail
    stderr: BoundedTail
    timed_out: bool = False
    cpu_exceeded: bool = False
    quota_exceeded: str | None = None
    ended: float | None = None

    @property
    def limit_hit(self) -> bool:
        return self.timed_out or self.cpu_exceeded or self.quota_exceeded is not None


def _supervise(
    pid: int,
    pidfd: int,
    start: float,
    out_read: int,
    err_read: int,
    wall_s: float,
    cpu_s: float | None,
    tail_bytes: int,
    supervision: Supervision,
) -> _Watched:
    """Pump output until the process has exited and its pipes closed, killing it on a limit."""
    watched = _Watched(BoundedTail(tail_bytes), BoundedTail(tail_bytes))
    tails = {out_read: watched.stdout, err_read: watched.stderr}
    quota = supervision.quota
    if quota is not None and not quota.active:
        quota = None
    deadline = start + wall_s
    exited = False
    killed_at: float | None = None
    with selectors.DefaultSelector() as selector:
        for fd in tails:
            os.set_blocking(fd, False)
            selector.register(fd, selectors.EVENT_READ)
        selector.register(pidfd, selectors.EVENT_READ)
        while selector.get_map():
            now = time.monotonic()
            if exited:
                wait = deadline - now
            elif killed_at is not None:
                wait = killed_at + KILL_GRACE_S - now
            else:
                wake = deadline if cpu_s is None else min(deadline, now + CPU_POLL_S)
                wait = (wake if quota is None else min(wake, quota.next_at)) - now
            for key, _ in selector.select(timeout=max(wait, 0.0)):
                if key.fd == pidfd:
                    exited = True
                    selector.unregister(pidfd)
                    watched.ended = time.monotonic()
                    supervision.after_exit(pid)
                    deadline = watched.ended + DRAIN_AFTER_EXIT_S
                elif not _read_into(key.fd, tails[key.fd]):
                    selector.unregister(key.fd)
            now = time.monotonic()
            if exited:
                if now >= deadline:
                    break
                continue
            if killed_at is None:
                _check_limits(watched, supervision, quota, cpu_s, now >= deadline, now)
                if watched.limit_hit:
                    supervision.kill(pid)
                    killed_at = now
            elif now >= killed_at + KILL_GRACE_S:
                os.kill(pid, signal.SIGKILL)
                killed_at = now
    return watched


def _check_limits(
    watched: _Watched,
    supervision: Supervision,
    quota: WorkdirQuota | None,
    cpu_s: float | None,
    past_deadline: bool,
    now: float,
) -> None:
    """Record which limit, if any, the running process has reached: CPU, quota, wall clock."""
    used = supervision.cpu_used() if cpu_s is not None else None
    if used is not None and cpu_s is not None and used > cpu_s:
        watched.cpu_exceeded = True
    elif quota is not None and quota.due(now) and (reason := quota.check()) is not None:
        watched.quota_exceeded = reason
    elif past_deadline:
        watched.timed_out = True
