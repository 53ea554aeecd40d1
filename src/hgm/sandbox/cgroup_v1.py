"""Per-run groups in cgroup v1 (one hierarchy per controller: memory, pids, cpuacct).

Each run gets its own child group under this process's own group in every hierarchy that
is mounted and writable, so the limits of any enclosing container still apply. A
hierarchy that is missing or read-only is skipped and reported; rlimits remain.
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass, field
from pathlib import Path

from hgm.sandbox.cgroup_files import read_int, read_keyed, remove_group

CONTROLLERS = ("memory", "pids", "cpuacct")


def hierarchy_dirs() -> dict[str, Path]:
    """The directory of this process's own group in each mounted cgroup v1 controller."""
    own: dict[str, str] = {}
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, names, path = line.split(":", 2)
            for name in names.split(","):
                own[name] = path
        mountinfo = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return {}
    found: dict[str, Path] = {}
    for line in mountinfo:
        before, _, after = line.partition(" - ")
        fields, tail = before.split(), after.split()
        if len(fields) < 5 or len(tail) < 3 or tail[0] != "cgroup":
            continue
        root, mount_point = fields[3], fields[4]
        for name in tail[2].split(","):
            if name in CONTROLLERS and name in own:
                relative = own[name]
                if relative.startswith(root):
                    relative = relative[len(root) :]
                found[name] = Path(mount_point) / relative.lstrip("/")
    return found


@dataclass
class V1RunGroups:
    """One run's groups, one per controller; `close()` kills what is left and removes them."""

    dirs: dict[str, Path] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    version: str = "v1"

    @classmethod
    def create(
        cls, parents: dict[str, Path], name: str, memory_mb: int | None, pids: int | None
    ) -> V1RunGroups:
        """Groups named `name` under `parents` (controller -> directory) with these limits."""
        groups = cls()
        for controller in CONTROLLERS:
            parent = parents.get(controller)
            if parent is None:
                groups.problems[controller] = "not mounted (cgroup v1)"
                continue
            directory = parent / name
            try:
                directory.mkdir()
            except OSError as error:
                groups.problems[controller] = f"cannot create {directory}: {error.strerror}"
                continue
            groups.dirs[controller] = directory
            try:
                groups._configure(controller, directory, memory_mb, pids)
            except OSError as error:
                groups.problems[controller] = f"cannot configure {directory}: {error.strerror}"
                groups._remove(controller)
        return groups

    def _configure(
        self, controller: str, directory: Path, memory_mb: int | None, pids: int | None
    ) -> None:
        if controller == "memory" and memory_mb is not None:
            limit = str(memory_mb * 1024 * 1024)
            (directory / "memory.limit_in_bytes").write_text(limit)
            swap_limit = directory / "memory.memsw.limit_in_bytes"
            if swap_limit.exists():
                swap_limit.write_text(limit)
        if controller == "pids" and pids is not None:
            (directory / "pids.max").write_text(str(pids))

    def enforces(self, controller: str) -> bool:
        return controller in self.dirs

    def join(self, pid: int) -> None:
        """Move `pid` into every group; call before the process starts running code."""
        for directory in self.dirs.values():
            (directory / "cgroup.procs").write_text(str(pid))

    def cpu_s(self) -> float | None:
        directory = self.dirs.get("cpuacct")
        usage = None if directory is None else read_int(directory / "cpuacct.usage")
        return None if usage is None else usage / 1e9

    def peak_memory_mb(self) -> float | None:
        directory = self.dirs.get("memory")
        peak = None if directory is None else read_int(directory / "memory.max_usage_in_bytes")
        return None if peak is None else peak / (1024 * 1024)

    def oom_kills(self) -> int:
        directory = self.dirs.get("memory")
        if directory is None:
            return 0
        return read_keyed(directory / "memory.oom_control", "oom_kill") or 0

    def pids_limit_hits(self) -> int:
        directory = self.dirs.get("pids")
        if directory is None:
            return 0
        return read_keyed(directory / "pids.events", "max") or 0

    def kill_all(self, every_group: bool = True) -> None:
        """SIGKILL every process still in the run's groups.

        Each process of a run is in all of its groups (moved into each; children inherit
        them), so while the run goes one group's list is enough (`every_group=False`, saving
        a few list reads); `close()` reads every group, in case a move failed half-way.
        """
        for directory in self.dirs.values():
            try:
                members = (directory / "cgroup.procs").read_text().split()
            except OSError:
                continue
            for pid in members:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    continue
            if not every_group:
                return

    def _remove(self, controller: str) -> None:
        problem = remove_group(self.dirs.pop(controller))
        if problem is not None:
            self.problems[controller] = problem

    def close(self) -> None:
        self.kill_all()
        for controller in list(self.dirs):
            self._remove(controller)
