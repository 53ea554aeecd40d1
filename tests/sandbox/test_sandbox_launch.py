"""The spawn gate and the supervisor, without namespaces."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from components import need
from hgm.sandbox import Limits, UnsafeLocalConfig, make_sandbox
from hgm.sandbox.cgroup_files import remove_stale
from hgm.sandbox.cgroups import CgroupParents
from hgm.sandbox.launch import (
    GATE_NAME,
    GATE_SCRIPT,
    Supervision,
    nproc_fallback,
    run_supervised,
    user_tasks,
)
from hgm.sandbox.orphans import kill_orphaned_sandboxes, orphaned_sandboxes
from hgm.sandbox.owner import pid_namespace
from hgm.sandbox.quota import WorkdirQuota, usage


def test_limits_and_groups_are_in_place_before_the_command_runs(tmp_path: Path) -> None:
    sandbox = make_sandbox(UnsafeLocalConfig())
    probe = "ulimit -n; ulimit -f; cat /proc/self/cgroup"
    done = sandbox.run(["sh", "-c", probe], tmp_path, {}, Limits(open_files=77, file_size_mb=1))
    lines = done.stdout_tail.splitlines()
    assert lines[0] == "77"
    assert int(lines[1]) * 512 in (1024 * 1024, 2 * 1024 * 1024)
    groups = done.details["cgroups"].split(",")
    if "pids" in groups:  # v1 names the controller in the line, v2 has one line "0::..."
        assert any(f"hgm-sandbox-{os.getpid()}-" in line for line in lines[2:]), lines


def test_supervisor_error_kills_the_process(tmp_path: Path) -> None:
    marker = tmp_path / "still-running"

    def broken_cpu_meter() -> float:
        raise RuntimeError("meter broke")

    supervision = Supervision(
        prepare=lambda pid: None,
        kill=lambda pid: os.kill(pid, signal.SIGKILL),
        cpu_used=broken_cpu_meter,
    )
    with pytest.raises(RuntimeError, match="meter broke"):
        run_supervised(["sh", "-c", f"sleep 1; touch {marker}"], {}, 30.0, 1.0, 1024, supervision)
    time.sleep(1.5)
    assert not marker.exists()


def test_gate_never_opens_when_prepare_fails(tmp_path: Path) -> None:
    marker = tmp_path / "ran"

    def refuse(pid: int) -> None:
        raise PermissionError("no cgroup for you")

    supervision = Supervision(prepare=refuse, kill=lambda pid: os.kill(pid, signal.SIGKILL))
    with pytest.raises(PermissionError):
        run_supervised(["touch", str(marker)], {}, 30.0, None, 1024, supervision)
    assert not marker.exists()


def test_stale_groups_of_dead_processes_are_removed(tmp_path: Path) -> None:
    stale = tmp_path / "hgm-sandbox-999999999-abc"
    mine = tmp_path / f"hgm-sandbox-{os.getpid()}-abc"
    other = tmp_path / "unrelated"
    for directory in (stale, mine, other):
        directory.mkdir()
    remove_stale(tmp_path)
    assert stale.exists(), "a fresh group may belong to an hgm in another PID namespace"
    remove_stale(tmp_path, min_age_s=0)
    assert not stale.exists() and mine.exists() and other.exists()


def test_nproc_fallback_counts_the_users_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    assert user_tasks(os.getuid()) >= 1
    monkeypatch.setattr(os, "getuid", lambda: 0)
    assert nproc_fallback(50) == {}, "root ignores RLIMIT_NPROC"


def test_quota_counts_what_a_quick_command_left_behind(tmp_path: Path) -> None:
    quota = WorkdirQuota(tmp_path, disk_mb=None, files=10, next_at=float("inf"))
    supervision = Supervision(prepare=lambda pid: None, kill=lambda pid: None, quota=quota)
    script = f"cd {tmp_path} && for i in 1 2 3 4 5 6 7 8 9 10 11 12; do : > f$i; done"
    done = run_supervised(["sh", "-c", script], {}, 30.0, None, 1024, supervision, ())
    assert done.exit_code == 0 and done.quota_exceeded is not None
    assert "files = 10" in done.quota_exceeded


def test_usage_counts_allocated_blocks_and_entries_and_stops_early(tmp_path: Path) -> None:
    (tmp_path / "d" / "e").mkdir(parents=True)
    (tmp_path / "d" / "e" / "data").write_bytes(os.urandom(100_000))
    with (tmp_path / "sparse").open("wb") as sparse:
        sparse.truncate(10**9)
    (tmp_path / "link").symlink_to("/")
    found = usage(tmp_path)
    assert found.entries == 5
    assert 100_000 <= found.bytes < 1_000_000, "a sparse file counts what it uses"
    assert usage(tmp_path, max_entries=2).entries == 3, "the walk stops once past a limit"


def test_groups_of_a_dead_hgm_are_emptied_and_removed(tmp_path: Path) -> None:
    parents = CgroupParents.detect()
    places = [parents.v2.parent] if parents.v2 is not None else list(parents.v1_dirs.values())
    need("cgroup limits", None if places else "; ".join(parents.problems))
    gone = subprocess.Popen(["true"])
    gone.wait()  # a pid that no longer runs: the owner died
    group = places[0] / f"hgm-sandbox-{gone.pid}-{pid_namespace()}-orphan"
    group.mkdir()
    orphan = subprocess.Popen(["sleep", "60"])
    try:
        (group / "cgroup.procs").write_text(str(orphan.pid))
        remove_stale(places[0])  # no waiting period: the owner was in this PID namespace
        assert orphan.wait(timeout=10) == -signal.SIGKILL
        assert not group.exists()
    finally:
        orphan.kill()
        if group.exists():
            (places[0] / "cgroup.procs").write_text(str(orphan.pid))
            group.rmdir()


def test_bwrap_processes_of_a_dead_hgm_are_killed_and_those_of_a_live_one_are_not() -> None:
    gone = subprocess.Popen(["true"])
    gone.wait()

    def fake_bwrap(owner: int) -> subprocess.Popen[bytes]:  # as `ps` shows a sandbox
        name = f"{GATE_NAME}{owner}-{pid_namespace()}"
        argv = ["/opt/x/bwrap", "-c", "sleep 30; :", GATE_SCRIPT, name]
        return subprocess.Popen(argv, executable="/bin/sh")

    orphan, mine = fake_bwrap(gone.pid), fake_bwrap(os.getpid())
    try:
        assert orphan.pid in orphaned_sandboxes()
        assert mine.pid not in orphaned_sandboxes()
        assert kill_orphaned_sandboxes() >= 1
        assert orphan.wait(timeout=10) == -signal.SIGKILL
        assert mine.poll() is None
    finally:
        for process in (orphan, mine):
            process.kill()
            process.wait()
