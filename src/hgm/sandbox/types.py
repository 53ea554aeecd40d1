"""The sandbox seam: run one untrusted command with limits and no network."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from hgm.errors import UserError


class KillReason(StrEnum):
    NONE = "none"
    TIMEOUT = "timeout"
    MEMORY = "memory"
    CPU = "cpu"
    PIDS = "pids"
    FILE_SIZE = "file_size"
    DISK = "disk"


class SandboxUnavailable(UserError):
    """The chosen backend cannot run on this machine; the message says why and how to fix it."""


MIN_TMPFS_MB = 1
OPTIONAL_LIMITS = ("cpu_s", "memory_mb", "pids", "file_size_mb", "open_files", "disk_mb", "files")


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-run limits; `None` means unlimited. Sizes in MiB, times in seconds.

    `disk_mb` and `files` bound the work directory as a whole (its total size on disk and
    its number of files and directories, what was there before the run included).
    """

    wall_s: float = 600.0
    cpu_s: float | None = None
    memory_mb: int | None = 4096
    pids: int | None = 256
    file_size_mb: int | None = 1024
    open_files: int | None = 1024
    disk_mb: int | None = 8192
    files: int | None = 50_000

    def __post_init__(self) -> None:
        if not math.isfinite(self.wall_s) or not self.wall_s > 0:
            raise UserError(f"limits.wall_s must be > 0 seconds (given: {self.wall_s!r})")
        for name in OPTIONAL_LIMITS:
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value > 0):
                raise UserError(f"limits.{name} must be > 0 or unset (given: {value!r})")

    def tmpfs_mb(self, tmp_size_mb: int, shm_size_mb: int) -> tuple[int, int]:
        """Sizes of /tmp and /dev/shm: together `tmp_size_mb`, never more than `memory_mb`
        (tmpfs pages are memory, and without a memory cgroup nothing else would bound them);
        /dev/shm gets `shm_size_mb`, at most a quarter."""
        total = tmp_size_mb if self.memory_mb is None else min(tmp_size_mb, self.memory_mb)
        shm = max(MIN_TMPFS_MB, min(shm_size_mb, total // 4))
        return max(MIN_TMPFS_MB, total - shm), shm


@dataclass(frozen=True, slots=True)
class Mount:
    """An extra host path made visible inside the sandbox at `target`."""

    source: Path
    target: str
    writable: bool = False


@dataclass(frozen=True, slots=True)
class Completed:
    exit_code: int
    stdout_tail: str
    stderr_tail: str
    wall_s: float
    cpu_s: float | None
    peak_memory_mb: float | None
    killed: KillReason = KillReason.NONE
    details: dict[str, str] = field(default_factory=dict)


class Sandbox(Protocol):
    kind: str

    def run(
        self,
        command: list[str],
        workdir: Path,
        env: dict[str, str],
        limits: Limits,
        mounts: tuple[Mount, ...] = (),
        cwd: Path | None = None,
    ) -> Completed: ...


def validate_run_paths(
    workdir: Path, cwd: Path | None, mounts: tuple[Mount, ...]
) -> tuple[Path, Path]:
    """The absolute work directory and start directory, or a SandboxUnavailable saying why not."""
    workdir = Path(workdir)
    if not workdir.is_absolute() or not workdir.is_dir():
        raise SandboxUnavailable(
            f"workdir must be an existing absolute directory (given: {workdir})"
        )
    if workdir == Path("/"):
        raise SandboxUnavailable("workdir must not be / (it would make everything writable)")
    start = workdir if cwd is None else Path(cwd)
    if not start.is_absolute():
        raise SandboxUnavailable(f"cwd must be an absolute path inside the sandbox (given: {cwd})")
    for mount in mounts:
        if not mount.source.exists():
            raise SandboxUnavailable(f"mount source {mount.source} does not exist")
        if not mount.target.startswith("/"):
            raise SandboxUnavailable(f"mount target must be absolute (given: {mount.target})")
    return workdir, start
