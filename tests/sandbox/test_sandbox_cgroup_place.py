"""Where per-run cgroup v2 groups go: the placement's decisions against the kernel's rules.

This machine's cgroup v2 hierarchy offers no memory or pids controller (a hybrid host), so
these decisions are checked against `RulesFS`, a model of the rules that decide them: no
processes in a group that enables controllers for its children (the real root excepted),
controllers only where the parent enables them, moving a process needs write access to
the common ancestor, only writable groups get children. `test_sandbox_cgroup_v2.py` runs
real v2 groups where this machine allows.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass, field
from pathlib import Path

from hgm.sandbox.cgroup_place import place_v2, scope_argv
from hgm.sandbox.cgroup_v2 import Unified

MOUNT = Path("/sys/fs/cgroup")
BOTH = frozenset({"memory", "pids"})
PID = 4242
USER_SCOPE = "/user.slice/user-1000.slice/user@1000.service/app.slice"


@dataclass
class Group:
    writable: bool
    procs: set[int] = field(default_factory=set)
    subtree: set[str] = field(default_factory=set)


@dataclass
class RulesFS:
    """An in-memory cgroup v2 tree that refuses what the kernel refuses."""

    offered: frozenset[str]
    real_root: bool = True  # False: the root of a container's cgroup namespace
    groups: dict[Path, Group] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.groups.setdefault(MOUNT, Group(writable=False))

    def add(self, path: str, writable: bool, procs: set[int] = frozenset(), subtree=()) -> Path:
        group = MOUNT / path.lstrip("/")
        for parent in reversed(group.parents):
            if parent.is_relative_to(MOUNT) and parent not in self.groups:
                self.groups[parent] = Group(writable=False)
        self.groups[group] = Group(writable, set(procs), set(subtree))
        return group

    def where(self, pid: int) -> Path:
        return next(path for path, group in self.groups.items() if pid in group.procs)

    def controllers(self, group: Path) -> frozenset[str]:
        if group == MOUNT:
            return self.offered
        return frozenset(self.groups[group.parent].subtree)

    def subtree(self, group: Path) -> frozenset[str]:
        return frozenset(self.groups[group].subtree)

    def procs(self, group: Path) -> list[int]:
        return sorted(self.groups[group].procs)

    def writable(self, group: Path) -> bool:
        return self.groups[group].writable

    def make(self, group: Path) -> None:
        if group in self.groups:
            return
        if not self.groups[group.parent].writable:
            raise PermissionError(errno.EACCES, "Permission denied")
        self.groups[group] = Group(writable=True)

    def enable(self, group: Path, controllers: frozenset[str]) -> None:
        node = self.groups[group]
        if not node.writable:
            raise PermissionError(errno.EACCES, "Permission denied")
        if not controllers <= self.controllers(group):
            raise OSError(errno.ENOENT, "No such file or directory")
        if node.procs and controllers and (group != MOUNT or not self.real_root):
            raise OSError(errno.EBUSY, "Device or resource busy")
        node.subtree |= controllers

    def move(self, pid: int, group: Path) -> None:
        source = self.where(pid)
        common = next(p for p in (source, *source.parents) if group.is_relative_to(p))
        if not self.groups[common].writable:
            raise PermissionError(errno.EACCES, "Permission denied")
        if self.groups[group].subtree and group != MOUNT:
            raise OSError(errno.EBUSY, "Device or resource busy")
        self.groups[source].procs.discard(pid)
        self.groups[group].procs.add(pid)


def unified(fs: RulesFS) -> Unified:
    return Unified(MOUNT, "/" + str(fs.where(PID).relative_to(MOUNT)).strip("."))


def test_root_on_a_hybrid_host_gets_a_group_for_cpu_and_kill_only() -> None:
    fs = RulesFS(offered=frozenset({"hugetlb"}))
    fs.groups[MOUNT].writable = True
    fs.groups[MOUNT].procs.add(PID)
    placed, problems = place_v2(unified(fs), fs, uid=0, pid=PID, start_scope=None)
    assert placed is not None and placed.parent == MOUNT / "hgm"
    assert placed.enabled == frozenset() and not placed.complete
    assert "offers no memory or pids" in placed.how
    assert fs.where(PID) == MOUNT, "hgm must not move itself for nothing"
    assert any("hybrid" in problem for problem in problems)


def test_root_on_a_systemd_host_uses_a_top_level_group() -> None:
    fs = RulesFS(offered=BOTH | {"cpu", "io"})
    fs.groups[MOUNT].writable = True
    fs.groups[MOUNT].subtree = {"cpu", "memory", "pids"}
    for path in fs.groups:
        fs.groups[path].writable = True
    session = fs.add("/user.slice/user-0.slice/session-1.scope", writable=True, procs={PID, 7})
    fs.groups[session.parent].subtree = set(BOTH)
    placed, _ = place_v2(unified(fs), fs, uid=0, pid=PID, start_scope=None)
    assert placed is not None and placed.complete
    assert placed.parent == MOUNT / "hgm" and fs.subtree(MOUNT / "hgm") == BOTH
    assert fs.where(PID) == session
    fs.make(MOUNT / "hgm" / "run")  # what a run does: allowed by the rules
    fs.move(PID, MOUNT / "hgm" / "run")
    assert fs.where(PID) == MOUNT / "hgm" / "run"


def test_root_in_a_container_namespace_with_other_processes_says_why() -> None:
    fs = RulesFS(offered=BOTH, real_root=False)
    fs.groups[MOUNT].writable = True
    fs.groups[MOUNT].procs |= {1, PID}
    placed, problems = place_v2(unified(fs), fs, uid=0, pid=PID, start_scope=None)
    assert placed is None
    assert any("root group" in p and "busy" in p for p in problems), problems
    assert any("other processes" in p for p in problems), problems


def test_a_delegated_group_holding_only_hgm_is_split_by_moving_hgm_into_a_leaf() -> None:
    fs = RulesFS(offered=BOTH)
    app = fs.add(USER_SCOPE, writable=True, subtree=BOTH)
    scope = fs.add(f"{USER_SCOPE}/hgm-run.scope", writable=True, procs={PID})
    placed, _ = place_v2(unified(fs), fs, uid=1000, pid=PID, start_scope=None)
    assert placed is not None and placed.complete and placed.parent == scope
    assert fs.where(PID) == scope / f"hgm-self-{PID}"
    assert fs.subtree(scope) == BOTH and fs.subtree(app) == BOTH
    fs.make(scope / "run")
    fs.move(PID, scope / "run")


def test_a_shared_session_group_makes_a_delegated_systemd_scope() -> None:
    fs = RulesFS(offered=BOTH)
    fs.add(USER_SCOPE, writable=True, subtree=BOTH)
    session = fs.add("/user.slice/user-1000.slice/session-3.scope", writable=False, procs={PID, 9})
    started: list[int] = []

    def start_scope(pid: int) -> str | None:  # the user's systemd, helped by PID 1
        started.append(pid)
        scope = fs.add(f"{USER_SCOPE}/hgm-{pid}-1.scope", writable=True)
        fs.groups[session].procs.discard(pid)
        fs.groups[scope].procs.add(pid)
        return None

    placed, problems = place_v2(
        unified(fs), fs, uid=1000, pid=PID, start_scope=start_scope, reread=lambda: unified(fs)
    )
    assert started == [PID]
    assert placed is not None and placed.complete, problems
    assert placed.parent == MOUNT / USER_SCOPE.lstrip("/") / f"hgm-{PID}-1.scope"
    assert "transient systemd scope" in placed.how
    assert fs.where(PID) == placed.parent / f"hgm-self-{PID}"


def test_no_writable_group_and_no_systemd_falls_back_with_every_reason() -> None:
    fs = RulesFS(offered=BOTH)
    fs.add("/user.slice/user-1000.slice/session-3.scope", writable=False, procs={PID})
    placed, problems = place_v2(
        unified(fs), fs, uid=1000, pid=PID, start_scope=lambda pid: "busctl (systemd) not found"
    )
    assert placed is None
    assert any(p.startswith("own group:") and "not writable" in p for p in problems)
    assert "systemd scope: busctl (systemd) not found" in problems


def test_an_hgm_started_by_an_hgm_uses_the_prepared_parent() -> None:
    fs = RulesFS(offered=BOTH)
    parent = fs.add(f"{USER_SCOPE}/hgm.scope", writable=True, subtree=BOTH)
    fs.add(f"{USER_SCOPE}/hgm.scope/hgm-self-17", writable=True, procs={17, PID})
    placed, _ = place_v2(unified(fs), fs, uid=1000, pid=PID, start_scope=None)
    assert placed is not None and placed.parent == parent and placed.complete
    assert "prepared by hgm" in placed.how
    assert fs.where(PID) == parent / "hgm-self-17", "nothing moved"


def test_scope_request_delegates_and_names_the_process() -> None:
    argv = scope_argv("/usr/bin/busctl", "hgm-1-ab.scope", 1)
    assert argv[:2] == ["/usr/bin/busctl", "--user"]
    assert argv[argv.index("StartTransientUnit") + 2] == "hgm-1-ab.scope"
    assert argv[argv.index("PIDs") : argv.index("PIDs") + 4] == ["PIDs", "au", "1", "1"]
    assert argv[argv.index("Delegate") : argv.index("Delegate") + 3] == ["Delegate", "b", "true"]
