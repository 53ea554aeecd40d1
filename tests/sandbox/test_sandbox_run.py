"""Ordinary commands in the real bubblewrap sandbox: results, environment, toolchains, threads."""

from __future__ import annotations

import os
import resource
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from components import need
from hgm.sandbox import KillReason, Limits, Mount, Sandbox

pytestmark = pytest.mark.sandbox
LIMITS = Limits(wall_s=60)


def test_exit_code_output_and_usage(bwrap_sandbox: Sandbox, workdir: Path) -> None:
    done = bwrap_sandbox.run(["sh", "-c", "echo out; echo err >&2; exit 3"], workdir, {}, LIMITS)
    assert (done.exit_code, done.stdout_tail, done.stderr_tail) == (3, "out\n", "err\n")
    assert done.killed is KillReason.NONE
    assert 0 < done.wall_s < 30
    groups = done.details["cgroups"].split(",")
    if {"cpu", "cpuacct"} & set(groups):
        assert done.cpu_s is not None
    if "memory" in groups:
        assert done.peak_memory_mb is not None


def test_environment_is_only_what_was_given(bwrap_sandbox: Sandbox, workdir: Path) -> None:
    done = bwrap_sandbox.run(["env"], workdir, {"GIVEN": "1"}, LIMITS)
    names = {line.split("=", 1)[0] for line in done.stdout_tail.splitlines()}
    assert names - {"RUSTUP_HOME", "PWD"} == {"GIVEN", "PATH", "HOME", "TMPDIR", "LANG"}


def test_workdir_same_path_and_cwd(bwrap_sandbox: Sandbox, workdir: Path) -> None:
    (workdir / "sub").mkdir()
    done = bwrap_sandbox.run(["pwd"], workdir, {}, LIMITS, cwd=workdir / "sub")
    assert done.stdout_tail == f"{workdir / 'sub'}\n"


def test_mounts_read_only_and_writable(
    bwrap_sandbox: Sandbox, workdir: Path, tmp_path: Path
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "in.txt").write_text("from host")
    mounts = (Mount(shared, "/mnt/ro"), Mount(shared, "/mnt/rw", writable=True))
    script = "cat /mnt/ro/in.txt; echo x > /mnt/ro/no || echo ro-refused; echo y > /mnt/rw/yes"
    done = bwrap_sandbox.run(["sh", "-c", script], workdir, {}, LIMITS, mounts=mounts)
    assert done.stdout_tail.startswith("from host") and "ro-refused" in done.stdout_tail
    assert (shared / "yes").read_text() == "y\n" and not (shared / "no").exists()


def test_unix_socket_mount_reaches_host_server(
    bwrap_sandbox: Sandbox, workdir: Path, tmp_path: Path
) -> None:
    import socket
    import threading

    socket_dir = tmp_path / "gateway"
    socket_dir.mkdir()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(socket_dir / "gw.sock"))
    server.listen()

    def answer() -> None:
        connection, _ = server.accept()
        with connection:
            connection.sendall(b"pong:" + connection.recv(16))

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    client = (
        "import socket; s = socket.socket(socket.AF_UNIX); s.connect('/run/hgm/gw.sock'); "
        "s.sendall(b'ping'); print(s.recv(64).decode())"
    )
    done = bwrap_sandbox.run(
        [sys.executable, "-c", client], workdir, {}, LIMITS, mounts=(Mount(socket_dir, "/run/hgm"),)
    )
    thread.join(5)
    server.close()
    assert done.stdout_tail == "pong:ping\n", done.stderr_tail


def test_parallel_runs_from_threads(bwrap_sandbox: Sandbox, tmp_path: Path) -> None:
    def one(index: int) -> tuple[int, str]:
        work = tmp_path / f"w{index}"
        work.mkdir()
        done = bwrap_sandbox.run(
            ["sh", "-c", "echo $ID > f; cat f"], work, {"ID": str(index)}, LIMITS
        )
        return index, done.stdout_tail.strip()

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(one, range(12)))
    assert all(str(index) == out for index, out in results)


TOOLCHAINS = {
    "python": ("print(6 * 7)", "main.py", "python3 main.py"),
    "node": ("console.log(6 * 7)", "main.js", "node main.js"),
    "c++": (
        '#include <cstdio>\nint main(){std::printf("%d\\n", 6 * 7);}',
        "main.cpp",
        "g++ -O0 -o main main.cpp && ./main",
    ),
    "java": (
        "class Main { public static void main(String[] a) { System.out.println(6 * 7); } }",
        "Main.java",
        "javac Main.java && java Main",
    ),
    "go": (
        'package main\nimport "fmt"\nfunc main() { fmt.Println(6 * 7) }',
        "main.go",
        "go run main.go",
    ),
    "rust": ('fn main() { println!("{}", 6 * 7); }', "main.rs", "rustc -o main main.rs && ./main"),
}
BINARIES = {"python": "python3", "node": "node", "c++": "g++", "java": "javac", "go": "go"}


@pytest.mark.slow
@pytest.mark.parametrize("language", sorted(TOOLCHAINS))
def test_toolchains_work_inside(bwrap_sandbox: Sandbox, workdir: Path, language: str) -> None:
    search = os.pathsep.join([str(Path(sys.prefix) / "bin"), os.environ.get("PATH", "")])
    binary = BINARIES.get(language, "rustc")
    missing = None if shutil.which(binary, path=search) else f"no {binary} on PATH"
    need(f"{language} toolchain", missing)
    source, name, command = TOOLCHAINS[language]
    (workdir / name).write_text(source)
    done = bwrap_sandbox.run(["sh", "-c", command], workdir, {}, Limits(wall_s=240))
    assert done.stdout_tail.strip() == "42", done.stderr_tail


def test_loopback_inside_works_for_a_relay(bwrap_sandbox: Sandbox, workdir: Path) -> None:
    relay = (
        "import socket, threading\n"
        "server = socket.socket(); server.bind(('127.0.0.1', 0)); server.listen()\n"
        "threading.Thread(target=lambda: server.accept()[0].sendall(b'loop-ok')).start()\n"
        "print(socket.create_connection(server.getsockname()).recv(16).decode())\n"
    )
    done = bwrap_sandbox.run([sys.executable, "-c", relay], workdir, {}, LIMITS)
    assert done.stdout_tail == "loop-ok\n", done.stderr_tail


def test_bwrap_setup_failure_is_a_result_not_a_crash(
    bwrap_sandbox: Sandbox, workdir: Path, tmp_path: Path
) -> None:
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("x")
    bad = (Mount(not_a_directory, "/usr/bin"),)
    for _ in range(5):
        done = bwrap_sandbox.run(["true"], workdir, {}, LIMITS, mounts=bad)
        assert done.exit_code != 0 and "bwrap" in done.stderr_tail


def test_works_when_descriptors_exceed_fd_setsize(bwrap_sandbox: Sandbox, workdir: Path) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 2048:
        pytest.skip("cannot open more than 1024 descriptors here")
    resource.setrlimit(resource.RLIMIT_NOFILE, (2048, hard))
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        done = bwrap_sandbox.run(["echo", "ok"], workdir, {}, LIMITS)
    finally:
        for descriptor in held:
            os.close(descriptor)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert done.stdout_tail == "ok\n", done.stderr_tail


def test_multiprocessing_and_ptys_work_inside(bwrap_sandbox: Sandbox, workdir: Path) -> None:
    script = (
        "import multiprocessing, pty\n"
        "with multiprocessing.Pool(2) as pool: print(pool.map(abs, [-1, -2]))\n"
        "print(len(pty.openpty()))\n"
    )
    done = bwrap_sandbox.run([sys.executable, "-c", script], workdir, {}, LIMITS)
    assert done.stdout_tail == "[1, 2]\n2\n", done.stderr_tail
