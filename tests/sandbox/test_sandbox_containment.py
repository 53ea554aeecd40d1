"""Hostile programs in the real bubblewrap sandbox: each test asserts the containment."""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from hgm.sandbox import BubblewrapConfig, Limits, Sandbox, make_sandbox

pytestmark = pytest.mark.sandbox
LIMITS = Limits(wall_s=30)

NETWORK_PROBE = """
import socket, sys, os
port = int(sys.argv[1])
results = []
try:
    socket.create_connection(("127.0.0.1", port), timeout=2).sendall(b"leak")
    results.append("tcp-connected")
except OSError as error:
    results.append(f"tcp-failed:{error.errno}")
try:
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.sendto(b"leak", ("127.0.0.1", port))
    results.append("udp-sent-locally")
except OSError as error:
    results.append(f"udp-failed:{error.errno}")
try:
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unix.connect(sys.argv[2].replace("@", "\\0"))
    results.append("abstract-connected")
except OSError as error:
    results.append(f"abstract-failed:{error.errno}")
try:
    socket.create_connection(("10.255.255.53", 53), timeout=2)
    results.append("outside-connected")
except OSError as error:
    results.append(f"outside-failed:{error.errno}")
lines = open("/proc/net/dev").read().splitlines()[2:]
results.append("ifaces=" + ",".join(sorted(l.split(":")[0].strip() for l in lines)))
print(" ".join(results))
"""


def test_no_network_host_listeners_receive_nothing(bwrap_sandbox: Sandbox, workdir: Path) -> None:
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind(("127.0.0.1", 0))
    tcp.listen()
    port = tcp.getsockname()[1]
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", port))
    abstract_name = f"@hgm-test-{uuid.uuid4().hex}"
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    abstract.bind(abstract_name.replace("@", "\0"))
    abstract.listen()
    for listener in (tcp, udp, abstract):
        listener.setblocking(False)
    try:
        done = bwrap_sandbox.run(
            [sys.executable, "-c", NETWORK_PROBE, str(port), abstract_name], workdir, {}, LIMITS
        )
        out = done.stdout_tail
        assert done.exit_code == 0, done.stderr_tail
        assert "tcp-failed" in out and "abstract-failed" in out and "outside-failed" in out
        assert "ifaces=lo\n" in out
        for listener in (tcp, abstract):
            with pytest.raises(BlockingIOError):
                listener.accept()
        with pytest.raises(BlockingIOError):
            udp.recvfrom(64)
    finally:
        for listener in (tcp, udp, abstract):
            listener.close()


SECRET_HUNT = r"""
import os, sys
needle = bytes.fromhex(sys.argv[1])
found = [k for k, v in os.environ.items() if needle.decode() in v or k == "HGM_TEST_SECRET"]
pids = [p for p in os.listdir("/proc") if p.isdigit()]
for pid in pids:
    for name in ("environ", "cmdline"):
        try:
            if needle in open(f"/proc/{pid}/{name}", "rb").read():
                found.append(f"{pid}/{name}")
        except OSError:
            pass
print("found=" + ",".join(found), "pids=" + str(len(pids)))
"""


def test_host_secret_absent_from_env_and_proc(
    bwrap_sandbox: Sandbox, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-hgm-test-0123456789"
    monkeypatch.setenv("HGM_TEST_SECRET", secret)
    needle = secret.encode().hex()
    done = bwrap_sandbox.run(
        [sys.executable, "-c", SECRET_HUNT, needle], workdir, {"VISIBLE": "yes"}, LIMITS
    )
    assert done.exit_code == 0, done.stderr_tail
    assert "found= " in done.stdout_tail
    visible_pids = int(done.stdout_tail.split("pids=")[1])
    assert 1 <= visible_pids <= 4, "host processes must not be visible"


def test_host_files_are_invisible(
    bwrap_sandbox: Sandbox, workdir: Path, fake_home: Path, tmp_path: Path
) -> None:
    run_db = tmp_path / "run.db"
    run_db.write_text("hgm-run-database")
    real_home_entries = [p.name for p in Path.home().iterdir()] if Path.home().is_dir() else []
    probe = (
        f"cat {fake_home / 'secret.txt'} {run_db} /etc/shadow 2>/dev/null; "
        f"ls -A {fake_home} {tmp_path} 2>/dev/null; echo; ls -A {Path.home()} 2>/dev/null"
    )
    done = bwrap_sandbox.run(["sh", "-c", probe], workdir, {}, LIMITS)
    assert "hgm-host-secret-file" not in done.stdout_tail
    assert "hgm-run-database" not in done.stdout_tail
    assert "root:" not in done.stdout_tail
    assert "run.db" not in done.stdout_tail
    shown_home = set(done.stdout_tail.split())
    toolchain_dirs = {".cargo", ".rustup"}
    assert shown_home & set(real_home_entries) <= toolchain_dirs


def test_writes_outside_workdir_fail_and_leave_nothing(
    bwrap_sandbox: Sandbox, workdir: Path, tmp_path: Path
) -> None:
    marker = f"hgm-escape-{uuid.uuid4().hex}"
    targets = [
        tmp_path / marker,
        Path("/usr") / marker,
        Path("/etc") / marker,
        Path(sys.prefix) / marker,
        Path.home() / marker,
    ]
    script = "; ".join(f"echo x > {target} && echo WROTE {target}" for target in targets)
    script += f"; echo x > /tmp/{marker} && echo wrote-tmp; echo x > {workdir / 'ok'}"
    done = bwrap_sandbox.run(["sh", "-c", script], workdir, {}, LIMITS)
    wrote = {line.split()[1] for line in done.stdout_tail.splitlines() if line.startswith("WROTE")}
    assert wrote <= {str(tmp_path / marker)}, "only the private /tmp may take writes"
    assert "wrote-tmp" in done.stdout_tail, "the private /tmp is writable"
    assert (workdir / "ok").read_text() == "x\n", "the work directory is writable"
    for target in [*targets, Path("/tmp") / marker]:
        assert not target.exists()


def test_killing_parent_and_host_processes_fails(bwrap_sandbox: Sandbox, workdir: Path) -> None:
    bystander = subprocess.Popen(["sleep", "60"])
    try:
        script = f"kill -9 {bystander.pid} {os.getpid()} 1 $PPID; kill -9 -1; echo survived"
        done = bwrap_sandbox.run(["sh", "-c", script], workdir, {}, LIMITS)
        assert bystander.poll() is None, "a host process was killed from inside"
        assert done.killed.value == "none"
    finally:
        bystander.kill()
        bystander.wait()


def test_no_capabilities_and_no_nested_namespaces(bwrap_sandbox: Sandbox, workdir: Path) -> None:
    script = (
        "grep CapEff /proc/self/status; unshare -U true && echo NESTED; "
        "mount -t tmpfs none /usr 2>/dev/null && echo MOUNTED; echo end"
    )
    done = bwrap_sandbox.run(["sh", "-c", script], workdir, {}, LIMITS)
    assert "CapEff:\t0000000000000000" in done.stdout_tail
    assert "NESTED" not in done.stdout_tail and "MOUNTED" not in done.stdout_tail
    assert done.stdout_tail.endswith("end\n")


def test_variable_values_stay_off_command_lines(bwrap_sandbox: Sandbox, workdir: Path) -> None:
    token = f"hgm-job-token-{uuid.uuid4().hex}"
    script = "cat /proc/1/cmdline /proc/2/cmdline 2>/dev/null | tr '\\0' ' '; ls /proc/self/fd"
    done = bwrap_sandbox.run(["sh", "-c", script], workdir, {"HGM_LLM_API_KEY": token}, LIMITS)
    assert "--args" in done.stdout_tail and token not in done.stdout_tail
    assert sorted(done.stdout_tail.split()[-4:]) == ["0", "1", "2", "3"], "no leaked fds"


def test_host_descriptors_do_not_leak_in(bwrap_sandbox: Sandbox, workdir: Path) -> None:
    read_end, write_end = os.pipe()
    os.set_inheritable(write_end, True)
    try:
        done = bwrap_sandbox.run(["ls", "/proc/self/fd"], workdir, {}, LIMITS)
    finally:
        os.close(read_end)
        os.close(write_end)
    assert sorted(done.stdout_tail.split()) == ["0", "1", "2", "3"], "only stdio and ls's own"


SYSCALL_PROBE = """
import ctypes, errno
libc = ctypes.CDLL(None, use_errno=True)
for name, number in [("keyctl", 250), ("bpf", 321), ("io_uring_setup", 425), ("userfaultfd", 323)]:
    result = libc.syscall(number, 0, 0, 0, 0, 0)
    print(name, "EPERM" if result == -1 and ctypes.get_errno() == errno.EPERM else "other")
"""


@pytest.mark.skipif(platform.machine() != "x86_64", reason="seccomp table is x86_64 only")
def test_seccomp_denies_kernel_attack_surface(workdir: Path) -> None:
    probe = [sys.executable, "-c", SYSCALL_PROBE]
    filtered = make_sandbox(BubblewrapConfig()).run(probe, workdir, {}, LIMITS)
    unfiltered = make_sandbox(BubblewrapConfig(seccomp=False)).run(probe, workdir, {}, LIMITS)
    assert filtered.stdout_tail.split()[1::2] == ["EPERM"] * 4, filtered.stderr_tail
    assert "other" in unfiltered.stdout_tail.split(), "the filter, not the kernel, refused"
