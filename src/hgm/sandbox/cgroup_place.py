"""Where per-run cgroup v2 groups can go, and how hgm gets a place for them.

cgroup v2 has two rules that decide this: a group with controllers enabled for its
children holds no processes itself (the root excepted), and moving a process needs write
access to the common ancestor of where it is and where it goes. So hgm needs a parent
group it may write whose subtree has the `memory` and `pids` controllers, above the group
it runs in. It tries, in this order, and stops at the first that has both:

1. root: a group `hgm` at the top of the hierarchy (plain cgroupfs), controllers enabled
   in the root and in it;
2. the parent another hgm prepared, when this process runs in that hgm's leaf (an hgm
   started by an hgm, e.g. tests): its parent already enables them;
3. its own group, when delegated (hgm may write it) and hgm is the only process in it:
   hgm moves itself into a leaf `hgm-self-<pid>` and enables the controllers for its
   siblings (e.g. under `systemd-run --user --scope -p Delegate=yes hgm ...`, or a
   service with `Delegate=yes`);
4. a non-root user: a transient systemd scope with `Delegate=yes`, made by the user's
   systemd manager over D-Bus (`busctl --user`) with this process in it, then step 3.

Steps 3 and 4 move the hgm process itself; they are tried only if the hierarchy offers
the controllers at all (on hybrid hosts they belong to cgroup v1). Groups that systemd
manages (slices, other units) are never written. The file-system
operations go through `CgroupFS`, so the decisions are tested against the kernel's rules.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from hgm.sandbox.cgroup_v2 import LIMITED, Unified, find_unified, read_controllers

ROOT_GROUP = "hgm"
SELF_PREFIX = "hgm-self-"
SCOPE_TIMEOUT_S = 10.0


class CgroupFS(Protocol):
    """The cgroup v2 operations the placement needs (the kernel's rules apply)."""

    def controllers(self, group: Path) -> frozenset[str]: ...
    def subtree(self, group: Path) -> frozenset[str]: ...
    def procs(self, group: Path) -> list[int]: ...
    def writable(self, group: Path) -> bool: ...
    def make(self, group: Path) -> None: ...
    def enable(self, group: Path, controllers: frozenset[str]) -> None: ...
    def move(self, pid: int, group: Path) -> None: ...


class RealCgroupFS:
    """`CgroupFS` on the mounted hierarchy; errors are OSErrors from the kernel."""

    def controllers(self, group: Path) -> frozenset[str]:
        return read_controllers(group / "cgroup.controllers")

    def subtree(self, group: Path) -> frozenset[str]:
        return read_controllers(group / "cgroup.subtree_control")

    def procs(self, group: Path) -> list[int]:
        try:
            return [int(pid) for pid in (group / "cgroup.procs").read_text().split()]
        except (OSError, ValueError):
            return []

    def writable(self, group: Path) -> bool:
        files = (group, group / "cgroup.procs", group / "cgroup.subtree_control")
        return all(os.access(path, os.W_OK) for path in files)

    def make(self, group: Path) -> None:
        group.mkdir(exist_ok=True)

    def enable(self, group: Path, controllers: frozenset[str]) -> None:
        for controller in sorted(controllers):
            (group / "cgroup.subtree_control").write_text(f"+{controller}")

    def move(self, pid: int, group: Path) -> None:
        (group / "cgroup.procs").write_text(str(pid))


@dataclass(frozen=True, slots=True)
class V2Parent:
    """A group whose children hgm may create and move its processes into."""

    parent: Path
    enabled: frozenset[str]
    how: str

    @property
    def complete(self) -> bool:
        return set(LIMITED) <= self.enabled


ScopeStarter = Callable[[int], str | None]
"""Put process `pid` into a new delegated systemd scope; None, or why that failed."""


def _try(problems: list[str], what: str, step: Callable[[], V2Parent | None]) -> V2Parent | None:
    try:
        return step()
    except OSError as error:
        problems.append(f"{what}: {error.strerror or error}")
        return None


def _root_group(mount: Path, fs: CgroupFS) -> V2Parent:
    wanted = fs.controllers(mount) & frozenset(LIMITED)
    if wanted - fs.subtree(mount):
        fs.enable(mount, wanted)
    group = mount / ROOT_GROUP
    fs.make(group)
    if wanted - fs.subtree(group):
        fs.enable(group, wanted)
    how = f"cgroupfs as root: {group}"
    if missing := sorted(set(LIMITED) - wanted):
        how += f"; this hierarchy offers no {' or '.join(missing)} (cgroup v1 may hold them)"
    return V2Parent(group, fs.subtree(group) & wanted, how)


def _prepared_parent(unified: Unified, fs: CgroupFS) -> V2Parent | None:
    """The parent an hgm prepared, when this process is in that hgm's leaf (its child)."""
    own = unified.own_dir
    if not own.name.startswith(SELF_PREFIX) or own == unified.mount:
        return None  # never a group systemd or others manage (a slice, a session)
    group = own.parent
    enabled = fs.subtree(group) & frozenset(LIMITED)
    if fs.writable(group) and enabled == frozenset(LIMITED):
        return V2Parent(group, enabled, f"delegated subtree prepared by hgm: {group}")
    return None


def _move_self(own: Path, fs: CgroupFS, pid: int, how: str) -> V2Parent | None:
    """Move this process into a leaf of its own group and enable the controllers there."""
    if not fs.writable(own):
        raise PermissionError(13, f"{own} is not writable by this user")
    others = [member for member in fs.procs(own) if member != pid]
    if others:
        raise OSError(16, f"{own} holds other processes too ({len(others)}), so it cannot "
                      "enable controllers")  # fmt: skip
    leaf = own / f"{SELF_PREFIX}{pid}"
    fs.make(leaf)
    fs.move(pid, leaf)
    wanted = fs.controllers(own) & frozenset(LIMITED)
    fs.enable(own, wanted)
    return V2Parent(own, fs.subtree(own) & wanted, f"{how}: {own} (hgm moved into {leaf.name})")


def place_v2(
    unified: Unified,
    fs: CgroupFS,
    *,
    uid: int,
    pid: int,
    start_scope: ScopeStarter | None,
    reread: Callable[[], Unified | None] = find_unified,
) -> tuple[V2Parent | None, list[str]]:
    """The best parent for per-run groups (see the module docstring), and what failed."""
    problems: list[str] = []
    found: list[V2Parent] = []

    def consider(placed: V2Parent | None) -> bool:
        if placed is not None:
            found.append(placed)
        return placed is not None and placed.complete

    if uid == 0 and consider(_try(problems, "root group", lambda: _root_group(unified.mount, fs))):
        return found[-1], problems
    if consider(_prepared_parent(unified, fs)):
        return found[-1], problems
    offered = fs.controllers(unified.mount) & frozenset(LIMITED)
    if not offered:
        problems.append(
            f"cgroup v2 at {unified.mount} offers no memory or pids controller "
            "(on hybrid hosts they are bound to cgroup v1)"
        )
        return (found[0] if found else None), problems
    own = unified.own_dir
    if consider(_try(problems, "own group", lambda: _move_self(own, fs, pid, "delegated group"))):
        return found[-1], problems
    if uid != 0 and start_scope is not None:
        problem = start_scope(pid)
        moved = reread() if problem is None else None
        if problem is not None:
            problems.append(f"systemd scope: {problem}")
        elif moved is None:
            problems.append("systemd scope: this process's cgroup could not be read after it")
        else:
            scoped = moved.own_dir
            step = _try(problems, "systemd scope",
                        lambda: _move_self(scoped, fs, pid, "transient systemd scope"))  # fmt: skip
            if consider(step):
                return found[-1], problems
    best = max(found, key=lambda placed: len(placed.enabled), default=None)
    return best, problems


def scope_argv(busctl: str, unit: str, pid: int) -> list[str]:
    """`busctl` asking the user's systemd for a transient scope holding `pid`, delegated."""
    return [
        busctl, "--user", "call", "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
        "org.freedesktop.systemd1.Manager", "StartTransientUnit", "ssa(sv)a(sa(sv))",
        unit, "fail", "3", "PIDs", "au", "1", str(pid), "Delegate", "b", "true",
        "Description", "s", "hgm sandbox cgroups", "0",
    ]  # fmt: skip


def start_user_scope(pid: int) -> str | None:
    """Move `pid` into a new transient scope of the user's systemd with `Delegate=yes`."""
    busctl = shutil.which("busctl")
    if busctl is None:
        return "busctl (systemd) not found"
    unit = f"hgm-{pid}-{uuid.uuid4().hex[:8]}.scope"
    env = dict(os.environ)
    env.setdefault("XDG_RUNTIME_DIR", f"/run/user/{os.getuid()}")
    try:
        done = subprocess.run(
            scope_argv(busctl, unit, pid),
            capture_output=True,
            text=True,
            env=env,
            timeout=SCOPE_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"busctl failed: {error}"
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no reason given"])[-1]
        return f"the user's systemd did not make a scope ({reason})"
    deadline = time.monotonic() + SCOPE_TIMEOUT_S
    while time.monotonic() < deadline:  # the job that moves the process runs asynchronously
        unified = find_unified()
        if unified is not None and unified.own.endswith(f"/{unit}"):
            return None
        time.sleep(0.01)
    return f"this process did not appear in {unit} within {SCOPE_TIMEOUT_S:.0f} s"
