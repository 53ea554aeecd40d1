"""Per-run cgroups: which hierarchy a sandbox uses, found once, and one run's groups.

`CgroupParents.detect(version)` decides once per sandbox where per-run groups go:

- `v1`: a child of this process's own group in each v1 hierarchy (memory, pids,
  cpuacct) it may write: legacy and hybrid hosts.
- `v2`: a child of a parent prepared by `hgm.sandbox.cgroup_place` in the unified
  hierarchy (memory.max, pids.max, cpu.stat, cgroup.kill): current distributions.
- neither: limits fall back to rlimits; `problems` says why.

`auto` takes v1 when it holds both the memory and pids controllers (so hybrid hosts
stay as they were), else v2 where it can be placed, else whichever gives something.
`run_cgroups(...)` makes one run's groups in the chosen layout; every layout offers the
same methods (`RunCgroups`).
"""

from __future__ import annotations

import math
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from hgm.sandbox.cgroup_files import remove_stale, run_group_name
from hgm.sandbox.cgroup_place import (
    RealCgroupFS,
    ScopeStarter,
    V2Parent,
    place_v2,
    start_user_scope,
)
from hgm.sandbox.cgroup_v1 import V1RunGroups, hierarchy_dirs
from hgm.sandbox.cgroup_v2 import LIMITED, V2RunGroups, find_unified

CgroupVersion = Literal["auto", "v1", "v2"]
SWEEP_EVERY_S = 60.0


class RunCgroups(Protocol):
    """One run's groups, whatever the layout; `dirs` maps what is done to where."""

    dirs: dict[str, Path]
    problems: dict[str, str]
    version: str

    def enforces(self, controller: str) -> bool: ...
    def join(self, pid: int) -> None: ...
    def cpu_s(self) -> float | None: ...
    def peak_memory_mb(self) -> float | None: ...
    def oom_kills(self) -> int: ...
    def pids_limit_hits(self) -> int: ...
    def kill_all(self, every_group: bool = True) -> None: ...
    def close(self) -> None: ...


@dataclass
class NoCgroups:
    """No groups (disabled, or none could be made): every figure unknown, rlimits only."""

    problems: dict[str, str] = field(default_factory=dict)
    dirs: dict[str, Path] = field(default_factory=dict)
    version: str = "none"

    def enforces(self, controller: str) -> bool:
        return False

    def join(self, pid: int) -> None:
        return None

    def cpu_s(self) -> float | None:
        return None

    def peak_memory_mb(self) -> float | None:
        return None

    def oom_kills(self) -> int:
        return 0

    def pids_limit_hits(self) -> int:
        return 0

    def kill_all(self, every_group: bool = True) -> None:
        return None

    def close(self) -> None:
        return None


@dataclass
class CgroupParents:
    """Where one sandbox's per-run groups go: found once, swept of stale groups now and then.

    Finding the hierarchies and sweeping them cost about 1 ms, so a sandbox does both when
    it is made and sweeps at most once every SWEEP_EVERY_S after that.
    """

    version: str = "none"
    v1_dirs: dict[str, Path] = field(default_factory=dict)
    v2: V2Parent | None = None
    problems: list[str] = field(default_factory=list)
    swept_at: float = -math.inf

    @classmethod
    def detect(
        cls, prefer: CgroupVersion = "auto", start_scope: ScopeStarter | None = start_user_scope
    ) -> CgroupParents:
        """Where groups go (see the module docstring), swept of what dead hgm processes left."""
        parents = cls._find(prefer, start_scope)
        parents.sweep_if_due()
        return parents

    @classmethod
    def _find(cls, prefer: CgroupVersion, start_scope: ScopeStarter | None) -> CgroupParents:
        v1 = hierarchy_dirs() if prefer != "v2" else {}
        writable = {name for name, path in v1.items() if os.access(path, os.W_OK)}
        if prefer == "v1" or (prefer == "auto" and set(LIMITED) <= writable):
            if writable:
                return cls("v1", v1_dirs=v1)
            return cls("none", problems=["no writable cgroup v1 hierarchy (memory, pids, cpuacct)"])
        problems: list[str] = []
        placed = None
        unified = find_unified()
        if unified is None:
            problems.append("no cgroup v2 hierarchy mounted")
        else:
            placed, tried = place_v2(
                unified, RealCgroupFS(), uid=os.getuid(), pid=os.getpid(), start_scope=start_scope
            )
            problems += tried
        if placed is not None and (prefer == "v2" or placed.complete or not writable):
            return cls("v2", v2=placed, problems=problems)
        if writable:
            return cls("v1", v1_dirs=v1, problems=problems)
        return cls("none", problems=problems)

    def describe(self) -> str:
        """Where run groups go, for reports."""
        if self.version == "v1":
            where = ", ".join(f"{name} under {path}" for name, path in sorted(self.v1_dirs.items()))
            return f"cgroup v1: {where}"
        if self.version == "v2" and self.v2 is not None:
            return f"cgroup v2, {self.v2.how}"
        return "no cgroups: " + ("; ".join(self.problems) or "none usable")

    def where(self, controller: str) -> str:
        """Where one controller's run groups go, for reports."""
        if self.version == "v1" and controller in self.v1_dirs:
            return f"groups under {self.v1_dirs[controller]}"
        if self.version == "v2" and self.v2 is not None:
            return self.v2.how
        return self.describe()

    def sweep_if_due(self) -> None:
        now = time.monotonic()
        if now - self.swept_at < SWEEP_EVERY_S:
            return
        self.swept_at = now  # a concurrent second sweep is harmless: removals are idempotent
        parents = [self.v2.parent] if self.v2 is not None else list(self.v1_dirs.values())
        for parent in parents:
            remove_stale(parent)


def run_cgroups(
    memory_mb: int | None, pids: int | None, parents: CgroupParents | None
) -> RunCgroups:
    """Groups for one run with these limits (None: no limit, only accounting)."""
    if parents is None:
        return NoCgroups({"all": "disabled by config (use_cgroups = false)"})
    parents.sweep_if_due()
    name = run_group_name(uuid.uuid4().hex[:12])
    if parents.version == "v2" and parents.v2 is not None:
        return V2RunGroups.create(parents.v2.parent, name, memory_mb, pids, parents.v2.enabled)
    if parents.version == "v1":
        return V1RunGroups.create(parents.v1_dirs, name, memory_mb, pids)
    return NoCgroups({"all": "; ".join(parents.problems) or "no cgroup hierarchy usable"})
