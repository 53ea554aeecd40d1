"""cgroup v2 groups made for real: a sandbox run forced onto the unified hierarchy.

On this project's hybrid machine the unified hierarchy has no memory or pids controller
(cgroup v1 holds them), so these runs exercise what v2 does without controllers (the
group, CPU time from cpu.stat, cgroup.kill, removal) and check that the limits then fall
back to rlimits and say why; on a v2 host they also see memory.max and pids.max bind.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from components import need
from hgm.sandbox import BubblewrapConfig, KillReason, Limits, make_sandbox
from hgm.sandbox.cgroup_v2 import find_unified
from hgm.sandbox.cgroups import CgroupParents

pytestmark = pytest.mark.sandbox


def test_find_unified_reads_the_namespace_root(tmp_path: Path) -> None:
    (tmp_path / "cgroup").write_text("0::/app.slice/hgm.scope\n")
    (tmp_path / "mountinfo").write_text(
        "30 25 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n"
    )
    found = find_unified(tmp_path)
    assert found is not None
    assert found.own_dir == Path("/sys/fs/cgroup/app.slice/hgm.scope")
    (tmp_path / "mountinfo").write_text(
        "30 25 0:26 /app.slice /mnt/cg rw - cgroup2 cgroup2 rw\n"
        "31 25 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
    )
    nested = find_unified(tmp_path)
    assert nested is not None and nested.own_dir == Path("/mnt/cg/hgm.scope")
    (tmp_path / "cgroup").write_text("4:memory:/x\n")
    assert find_unified(tmp_path) is None, "a v1-only host has no unified group"


@pytest.fixture(scope="module")
def v2_parents() -> CgroupParents:
    parents = CgroupParents.detect("v2")
    problem = None if parents.version == "v2" else "; ".join(parents.problems)
    need("cgroup v2 groups", problem)
    return parents


ESCAPE = """
import os, subprocess, sys, time
subprocess.Popen(["setsid", "sh", "-c", f"sleep 3; touch {sys.argv[1]}"])
end = time.process_time() + 0.3
while time.process_time() < end:
    pass
"""


def test_a_run_in_a_v2_group_is_measured_killed_and_removed(
    v2_parents: CgroupParents, workdir: Path
) -> None:
    sandbox = make_sandbox(BubblewrapConfig(cgroup_version="v2"))
    marker = workdir / "escaped"
    done = sandbox.run(
        [sys.executable, "-c", ESCAPE, str(marker)], workdir, {}, Limits(wall_s=30, memory_mb=256)
    )
    assert done.exit_code == 0, done.stderr_tail
    assert done.details["cgroup_version"] == "v2"
    assert done.cpu_s is not None and done.cpu_s >= 0.25, done
    assert v2_parents.v2 is not None
    if v2_parents.v2.complete:
        assert done.details["cgroups"] == "cpu,memory,pids"
    else:
        assert "cgroup v2 controller not available" in done.details["cgroup_memory"]
    time.sleep(3.5)
    assert not marker.exists(), "a detached child outlived its run (cgroup.kill)"
    assert not list(v2_parents.v2.parent.glob(f"hgm-sandbox-{os.getpid()}-*"))


def test_a_memory_bomb_in_a_v2_group_is_stopped(v2_parents: CgroupParents, workdir: Path) -> None:
    sandbox = make_sandbox(BubblewrapConfig(cgroup_version="v2"))
    bomb = "x = []\nwhile True: x.append(bytearray(10**7))"
    done = sandbox.run([sys.executable, "-c", bomb], workdir, {}, Limits(wall_s=30, memory_mb=200))
    assert done.exit_code != 0 and done.wall_s < 30
    assert v2_parents.v2 is not None
    if v2_parents.v2.complete:
        assert done.killed is KillReason.MEMORY
    else:
        assert "MemoryError" in done.stderr_tail, "RLIMIT_DATA stood in for memory.max"
