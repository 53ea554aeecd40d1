"""What a hostile job tries next in the real bubblewrap sandbox: in-memory file systems sized
from its limits, stopping the sandbox's init, reading credential files, and flooding its
work directory. Each is refused, bounded or ended, and named."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

import pytest

from hgm.sandbox import BubblewrapConfig, KillReason, Limits, Sandbox, make_sandbox
from hgm.sandbox.config import HIDDEN_PATHS

pytestmark = pytest.mark.sandbox

FILL = """
for target in /tmp /dev/shm; do
  head -c 400000000 /dev/zero > $target/fill 2>/dev/null
  echo "$target $(du -k $target/fill | cut -f1)"
done
touch /dev/new 2>/dev/null && echo dev-writable || echo dev-read-only
"""


def test_tmpfs_sizes_follow_the_memory_limit(workdir: Path) -> None:
    sandbox = make_sandbox(BubblewrapConfig(use_cgroups=False))  # nothing else bounds tmpfs
    done = sandbox.run(["sh", "-c", FILL], workdir, {}, Limits(wall_s=60, memory_mb=256))
    lines = done.stdout_tail.splitlines()
    sizes = {line.split()[0]: int(line.split()[1]) for line in lines[:2]}
    assert sizes["/tmp"] + sizes["/dev/shm"] <= 256 * 1024, lines
    assert sizes["/dev/shm"] <= 64 * 1024
    assert lines[-1] == "dev-read-only", "the rest of /dev holds nothing: read-only"


PTRACE_INIT = """
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
PTRACE_ATTACH, PTRACE_SEIZE = 16, 0x4206
for name, request in (("attach", PTRACE_ATTACH), ("seize", PTRACE_SEIZE)):
    for pid in (1, 1 | (1 << 32)):  # a pid_t is the low 32 bits of the argument
        result = libc.ptrace(ctypes.c_long(request), ctypes.c_long(pid), None, None)
        print(name, pid, result, ctypes.get_errno())
iov = (ctypes.c_char * 8)()
vec = (ctypes.c_void_p * 2)(ctypes.addressof(iov), 8)
result = libc.process_vm_readv(1, vec, 1, vec, 1, 0)
print("vm_readv", result, ctypes.get_errno())
for path in ("/proc/1/mem", "/proc/1/task/1/mem"):
    try:
        with open(path, "rb") as memory:
            print("open", path, len(memory.read(1)))
    except OSError as error:
        print("open", path, "refused", error.errno)
sys.stdout.flush()
child = os.fork()
if child == 0:
    os.pause()
result = libc.ptrace(ctypes.c_long(PTRACE_SEIZE), ctypes.c_long(child), None, None)
print("seize-own-child", result)
os.kill(child, 9)
"""


@pytest.mark.skipif(platform.machine() != "x86_64", reason="seccomp table is x86_64 only")
def test_the_sandbox_init_cannot_be_traced_or_read(bwrap_sandbox: Sandbox, workdir: Path) -> None:
    done = bwrap_sandbox.run([sys.executable, "-c", PTRACE_INIT], workdir, {}, Limits(wall_s=20))
    assert done.killed is KillReason.NONE and done.wall_s < 15, done
    lines = done.stdout_tail.splitlines()
    traced = [line for line in lines if line.startswith(("attach", "seize "))]
    assert len(traced) == 4 and all(line.split()[2:] == ["-1", "1"] for line in traced), lines
    assert "vm_readv -1 1" in lines
    assert all("refused" in line for line in lines if line.startswith("open")), lines
    assert "seize-own-child 0" in lines, "debuggers still work on the job's own processes"


def test_credential_files_are_masked(tmp_path: Path, workdir: Path) -> None:
    prefix = tmp_path / "prefix"
    (prefix / "etc").mkdir(parents=True)
    for name in ("pip.conf", ".pypirc", "etc/gitconfig"):
        (prefix / name).write_text("password = hgm-prefix-secret\n")
    (prefix / "ok.txt").write_text("visible\n")
    sandbox = make_sandbox(BubblewrapConfig(ro_paths=(prefix,)))
    present = [p for p in HIDDEN_PATHS if os.access(p, os.R_OK) and Path(p).is_file()]
    script = f"cat {prefix}/ok.txt; cat {prefix}/pip.conf {prefix}/.pypirc {prefix}/etc/gitconfig"
    script += "".join(f"; cat {path}" for path in present)
    done = sandbox.run(["sh", "-c", script + "; true"], workdir, {}, Limits(wall_s=30))
    assert done.stdout_tail == "visible\n", done.stdout_tail
    for path in ("/etc/xdg/pip/pip.conf", "/etc/gitconfig", "/etc/apt/auth.conf.d", "/etc/netrc"):
        assert path in HIDDEN_PATHS


def test_many_small_files_hit_the_file_quota(bwrap_sandbox: Sandbox, workdir: Path) -> None:
    flood = "mkdir d && cd d && i=0; while [ $i -lt 3000 ]; do : > f$i; i=$((i+1)); done; sleep 30"
    done = bwrap_sandbox.run(["sh", "-c", flood], workdir, {}, Limits(wall_s=60, files=1000))
    assert done.killed is KillReason.DISK, done
    assert done.wall_s < 20
    assert "files = 1000" in done.details["quota"]


def test_a_growing_work_directory_hits_the_disk_quota(
    bwrap_sandbox: Sandbox, workdir: Path
) -> None:
    grow = "for i in $(seq 40); do head -c 1000000 /dev/urandom > part$i; done; sleep 30"
    done = bwrap_sandbox.run(["sh", "-c", grow], workdir, {}, Limits(wall_s=60, disk_mb=10))
    assert done.killed is KillReason.DISK, done
    assert done.wall_s < 20
    assert "disk_mb = 10" in done.details["quota"]


def test_a_work_directory_within_its_quota_is_left_alone(
    bwrap_sandbox: Sandbox, workdir: Path
) -> None:
    for index in range(50):
        (workdir / f"f{index}").write_text("x" * 1000)
    quick = "for i in $(seq 5); do : > g$i; done"
    done = bwrap_sandbox.run(["sh", "-c", quick], workdir, {}, Limits(wall_s=30, files=60))
    assert done.killed is KillReason.NONE and "quota" not in done.details
    over = bwrap_sandbox.run(["sh", "-c", quick], workdir, {}, Limits(wall_s=30, files=54))
    assert over.killed is KillReason.DISK, "what was there before the run counts too"
