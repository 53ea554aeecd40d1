"""Resource bombs in the real bubblewrap sandbox: each is stopped, named, and the host goes on."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from hgm.sandbox import BubblewrapConfig, KillReason, Limits, Sandbox, make_sandbox
from hgm.sandbox.cgroups import CgroupParents

pytestmark = pytest.mark.sandbox


def _leftover_groups() -> list[Path]:
    parents = CgroupParents.detect()
    places = [parents.v2.parent] if parents.v2 is not None else list(parents.v1_dirs.values())
    return [
        group
        for parent in places
        for group in parent.glob("hgm-sandbox-*")
        if group.name.startswith(f"hgm-sandbox-{os.getpid()}-")
    ]


@pytest.mark.usefixtures("needs_memory_and_pids_cgroups")
def test_memory_bomb_is_killed_for_memory(bwrap_sandbox: Sandbox, workdir: Path) -> None:
    bomb = "x = []\nwhile True: x.append(bytearray(10**7))"
    done = bwrap_sandbox.run(
        [sys.executable, "-c", bomb], workdir, {}, Limits(wall_s=30, memory_mb=200)
    )
    assert done.killed is KillReason.MEMORY
    assert done.exit_code != 0
    assert done.wall_s < 30


@pytest.mark.usefixtures("needs_memory_and_pids_cgroups")
def test_fork_bomb_is_contained_by_pids(bwrap_sandbox: Sandbox, workdir: Path) -> None:
    bomb = "bomb() { bomb | bomb & }; bomb; sleep 1"
    done = bwrap_sandbox.run(["bash", "-c", bomb], workdir, {}, Limits(wall_s=10, pids=64))
    assert done.killed is KillReason.PIDS
    assert subprocess.run(["true"], check=False).returncode == 0, "the host can still fork"
    assert not _leftover_groups()


def test_infinite_loop_times_out(bwrap_sandbox: Sandbox, workdir: Path) -> None:
    done = bwrap_sandbox.run(["sh", "-c", "while :; do :; done"], workdir, {}, Limits(wall_s=1))
    assert done.killed is KillReason.TIMEOUT
    assert 1 <= done.wall_s < 5


def test_cpu_limit(bwrap_sandbox: Sandbox, workdir: Path) -> None:
    loop = [sys.executable, "-c", "while True: pass"]
    done = bwrap_sandbox.run(loop, workdir, {}, Limits(wall_s=20, cpu_s=1))
    assert done.killed is KillReason.CPU, done
    # RLIMIT_CPU fires on the tick-sampled CPU time of the process, the cgroup sums exact
    # run time: on a loaded machine (load 29 seen) the two differ by a tenth of a second
    assert done.cpu_s is not None and 0.75 <= done.cpu_s < 5, done


def test_file_size_limit(bwrap_sandbox: Sandbox, workdir: Path) -> None:
    write = ["sh", "-c", "head -c 20000000 /dev/zero > big"]
    done = bwrap_sandbox.run(write, workdir, {}, Limits(wall_s=20, file_size_mb=5))
    assert done.killed is KillReason.FILE_SIZE
    assert (workdir / "big").stat().st_size <= 5 * 1024 * 1024


def test_filling_tmp_stops_at_its_size(workdir: Path) -> None:
    sandbox = make_sandbox(BubblewrapConfig(tmp_size_mb=8))
    fill = "head -c 50000000 /dev/zero > /tmp/fill; echo rc=$?; du -k /tmp/fill"
    done = sandbox.run(["sh", "-c", fill], workdir, {}, Limits(wall_s=20))
    assert "rc=0" not in done.stdout_tail
    assert int(done.stdout_tail.split("\n")[1].split()[0]) <= 8 * 1024


ESCAPE = """
import os, subprocess, sys, time
marker = sys.argv[1]
subprocess.Popen(["setsid", "sh", "-c", f"sleep 2; touch {marker}-setsid"])
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(2)
        open(marker + "-double", "w").close()
    os._exit(0)
time.sleep(60)
"""


def test_detached_children_die_with_the_timeout(bwrap_sandbox: Sandbox, workdir: Path) -> None:
    marker = workdir / "escaped"
    done = bwrap_sandbox.run(
        [sys.executable, "-c", ESCAPE, str(marker)], workdir, {}, Limits(wall_s=1)
    )
    assert done.killed is KillReason.TIMEOUT
    time.sleep(2.5)
    assert not list(workdir.glob("escaped*")), "a detached child outlived the timeout"
    assert not _leftover_groups()


def test_huge_output_is_bounded(workdir: Path) -> None:
    sandbox = make_sandbox(BubblewrapConfig(tail_bytes=1024))
    done = sandbox.run(["sh", "-c", "yes | head -c 50000000"], workdir, {}, Limits(wall_s=30))
    assert done.exit_code == 0
    assert len(done.stdout_tail) == 1024
    assert done.details["stdout_bytes"] == "50000000"


def test_without_cgroups_rlimit_data_still_stops_a_memory_bomb(workdir: Path) -> None:
    sandbox = make_sandbox(BubblewrapConfig(use_cgroups=False))
    bomb = "x = []\nwhile True: x.append(bytearray(10**7))"
    done = sandbox.run([sys.executable, "-c", bomb], workdir, {}, Limits(wall_s=30, memory_mb=300))
    assert done.exit_code != 0 and done.wall_s < 30, "the allocation failed inside"
    assert "MemoryError" in done.stderr_tail
    assert done.details["cgroups"] == "none"
    assert done.peak_memory_mb is None, "without cgroups bwrap's tree is not measurable"


NOBODY_BOMB = """
import sys
from pathlib import Path
from hgm.sandbox import Limits, make_sandbox, parse_sandbox_config
sandbox = make_sandbox(parse_sandbox_config({"kind": "bubblewrap", "use_cgroups": False}))
bomb = ["bash", "-c", "b() { b | b & }; b; sleep 2"]
done = sandbox.run(bomb, Path(sys.argv[1]), {}, Limits(wall_s=4, pids=40))
print("refused", done.stderr_tail.count("Resource temporarily unavailable"))
"""


@pytest.mark.slow
def test_without_cgroups_nproc_contains_a_fork_bomb_of_a_normal_user() -> None:
    python = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")
    runuser = shutil.which("runuser")
    if os.getuid() != 0 or runuser is None or not python.exists():
        pytest.skip("needs root, runuser and a system Python of this version to become nobody")
    shared = Path(tempfile.mkdtemp(prefix="hgm-nobody-"))
    shared.chmod(0o777)
    site = next(Path(sys.prefix).glob("lib/python3*/site-packages"))
    source = Path(__file__).resolve().parents[2] / "src"
    env = ["env", "-i", "PATH=/usr/bin:/bin", f"PYTHONPATH={source}:{site}"]
    command = [runuser, "-u", "nobody", "--", *env, str(python), "-c", NOBODY_BOMB, str(shared)]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    finally:
        shutil.rmtree(shared)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.split("refused")[1]) > 0, "RLIMIT_NPROC refused forks"
    deadline = time.monotonic() + 5
    while (
        survivors := subprocess.run(["pgrep", "-a", "-u", "nobody"], capture_output=True)
    ).stdout:
        assert time.monotonic() < deadline, f"bomb processes survived: {survivors.stdout!r}"
        time.sleep(0.1)


@pytest.mark.usefixtures("needs_memory_and_pids_cgroups")
def test_pids_limit_counts_the_commands_processes(bwrap_sandbox: Sandbox, workdir: Path) -> None:
    start = "for i in 1 2 3 4 5 6 7; do sleep 1 & done; wait"
    ok = bwrap_sandbox.run(["sh", "-c", start], workdir, {}, Limits(wall_s=20, pids=8))
    assert ok.killed is KillReason.NONE, ok.stderr_tail
    refused = bwrap_sandbox.run(["sh", "-c", start], workdir, {}, Limits(wall_s=20, pids=7))
    assert refused.killed is KillReason.PIDS
