"""Per-run groups in cgroup v2 (one unified hierarchy): memory.max, pids.max, cpu.stat.

Where the groups go is `hgm.sandbox.cgroup_place`'s business; this module finds the
unified hierarchy and makes, measures, kills and removes one run's group inside a parent
that the placement prepared. CPU time (`cpu.stat`) and `cgroup.kill` need no controller,
so a parent without memory or pids controllers (a hybrid host, whose v1 hierarchies hold
them) still measures CPU and kills every process of a run; the limits then fall back to
rlimits.
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass, field
from pathlib import Path

from hgm.sandbox.cgroup_files import read_int, read_keyed, remove_group

LIMITED = ("memory", "pids")


@dataclass(frozen=True, slots=True)
class Unified:
    """The cgroup2 mount point and this process's group, relative to it."""

    mount: Path
    own: str

    @property
    def own_dir(self) -> Path:
        return self.mount / self.own.lstrip("/")


def find_unified(proc_self: Path = Path("/proc/self")) -> Unified | None:
    """The cgroup2 hierarchy this process is in, or None (no cgroup2 mounted)."""
    try:
        lines = (proc_self / "cgroup").read_text().splitlines()
        mountinfo = (proc_self / "mountinfo").read_text().splitlines()
    except OSError:
        return None
    own = next((line[3:] for line in lines if line.startswith("0::")), None)
    if own is None:
        return None
    for line in mountinfo:
        before, _, after = line.partition(" - ")
        fields, tail = before.split(), after.split()
        if len(fields) < 5 or not tail or tail[0] != "cgroup2":
            continue
        root, mount_point = fields[3], fields[4]
        if root == "/" or own == root or own.startswith(root.rstrip("/") + "/"):
            relative = own[len(root) :] if root != "/" else own
            return Unified(Path(mount_point), "/" + relative.lstrip("/"))
    return None


def read_controllers(path: Path) -> frozenset[str]:
    """The names in a `cgroup.controllers` or `cgroup.subtree_control` file."""
    try:
        return frozenset(path.read_text().split())
    except OSError:
        return frozenset()


@dataclass
class V2RunGroups:
    """One run's group. `dirs` maps what it does (`memory`, `pids`: limits; `cpu`: time)
    to the group's directory, as the v1 layout maps controllers to theirs."""

    dirs: dict[str, Path] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    version: str = "v2"

    @classmethod
    def create(
        cls,
        parent: Path,
        name: str,
        memory_mb: int | None,
        pids: int | None,
        enabled: frozenset[str],
    ) -> V2RunGroups:
        """A group `name` under `parent`, whose subtree has the controllers `enabled`."""
        groups = cls()
        directory = parent / name
        try:
            directory.mkdir()
        except OSError as error:
            groups.problems["all"] = f"cannot create {directory}: {error.strerror}"
            return groups
        groups.dirs["cpu"] = directory
        for controller in LIMITED:
            if controller not in enabled:
                groups.problems[controller] = f"cgroup v2 controller not available in {parent}"
                continue
            try:
                groups._configure(controller, directory, memory_mb, pids)
            except OSError as error:
                groups.problems[controller] = f"cannot configure {directory}: {error.strerror}"
                continue
            groups.dirs[controller] = directory
        return groups

    @staticmethod
    def _configure(
        controller: str, directory: Path, memory_mb: int | None, pids: int | None
    ) -> None:
        if controller == "memory" and memory_mb is not None:
            (directory / "memory.max").write_text(str(memory_mb * 1024 * 1024))
            swap = directory / "memory.swap.max"
            if swap.exists():  # like v1's memsw limit: swapping out does not buy more memory
                swap.write_text("0")
        if controller == "pids" and pids is not None:
            (directory / "pids.max").write_text(str(pids))

    @property
    def directory(self) -> Path | None:
        return self.dirs.get("cpu")

    def enforces(self, controller: str) -> bool:
        return controller in self.dirs

    def join(self, pid: int) -> None:
        """Move `pid` into the group; call before the process starts running code."""
        if self.directory is not None:
            (self.directory / "cgroup.procs").write_text(str(pid))

    def cpu_s(self) -> float | None:
        if self.directory is None:
            return None
        usage = read_keyed(self.directory / "cpu.stat", "usage_usec")
        return None if usage is None else usage / 1e6

    def peak_memory_mb(self) -> float | None:
        if "memory" not in self.dirs or self.directory is None:
            return None
        peak = read_int(self.directory / "memory.peak")  # Linux >= 5.19
        return None if peak is None else peak / (1024 * 1024)

    def oom_kills(self) -> int:
        if "memory" not in self.dirs or self.directory is None:
            return 0
        return read_keyed(self.directory / "memory.events", "oom_kill") or 0

    def pids_limit_hits(self) -> int:
        if "pids" not in self.dirs or self.directory is None:
            return 0
        return read_keyed(self.directory / "pids.events", "max") or 0

    def kill_all(self, every_group: bool = True) -> None:
        """SIGKILL every process in the group: `cgroup.kill` (Linux >= 5.14), else one by one.

        `every_group` is accepted for the v1 layout's sake; there is only one group here."""
        directory = self.directory
        if directory is None:
            return
        try:
            (directory / "cgroup.kill").write_text("1")
            return
        except OSError:
            pass
        try:
            members = (directory / "cgroup.procs").read_text().split()
        except OSError:
            return
        for pid in members:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                continue

    def close(self) -> None:
        directory = self.directory
        if directory is None:
            return
        self.kill_all()
        self.dirs.clear()
        problem = remove_group(directory)
        if problem is not None:
            self.problems["all"] = problem
