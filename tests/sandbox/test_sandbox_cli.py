"""`hgm sandbox exec` and `hgm sandbox check` through the real CLI entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hgm.cli.app import app
from hgm.errors import UserError


@pytest.mark.sandbox
def test_exec_json(tmp_path: Path) -> None:
    args = ["sandbox", "exec", "--json", "--timeout", "1", "--workdir", str(tmp_path)]
    result = CliRunner().invoke(app, [*args, "--env", "A=7", "--", "sh", "-c", "echo $A; sleep 5"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["stdout_tail"] == "7\n"
    assert payload["killed"] == "timeout"


@pytest.mark.sandbox
def test_exec_human_readable(tmp_path: Path) -> None:
    args = ["sandbox", "exec", "--workdir", str(tmp_path), "--", "echo", "hello"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0 and "hello" in result.output and "exit code" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--backend", "chroot"], "not one of: bubblewrap, docker, unsafe-local"),
        (["--env", "NOEQUALS"], "expected NAME=VALUE"),
        (["--timeout", "0"], "limits.wall_s must be > 0"),
        (["--mount", "a:b:c"], "expected SOURCE:TARGET[:ro|rw]"),
    ],
)
def test_bad_input_is_a_user_error(tmp_path: Path, args: list[str], message: str) -> None:
    command = ["sandbox", "exec", "--workdir", str(tmp_path), *args, "--", "true"]
    result = CliRunner().invoke(app, command)
    assert isinstance(result.exception, UserError)
    assert message in str(result.exception)


def test_user_error_exits_2_without_traceback(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "hgm", "sandbox", "exec", "--workdir", str(tmp_path)]
    result = subprocess.run(
        [*command, "--backend", "chroot", "--", "true"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "not one of" in result.stderr and "Traceback" not in result.stderr


def test_check_docker_says_no_engine(tmp_path: Path) -> None:
    fake = tmp_path / "docker"
    fake.write_text("#!/bin/sh\necho 'Cannot connect to the Docker daemon' >&2\nexit 1\n")
    fake.chmod(0o755)
    result = CliRunner().invoke(
        app, ["sandbox", "check", "--backend", "docker"], env={"PATH": str(tmp_path)}
    )
    assert isinstance(result.exception, UserError)
    assert "no Docker engine answers" in str(result.exception)


@pytest.mark.sandbox
def test_check_names_what_enforces_each_limit() -> None:
    result = CliRunner().invoke(app, ["sandbox", "check", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["limit"]: row for row in json.loads(result.stdout)["limits"]}
    assert {"wall_s", "cpu_s", "memory_mb", "pids", "disk_mb, files", "tmpfs"} <= set(rows)
    memory = rows["memory_mb"]["mechanism"]
    assert memory.startswith(("cgroup v1 memory.limit_in_bytes", "cgroup v2 memory.max"))
    assert rows["memory_mb"]["whole_job"] or memory.startswith("RLIMIT_DATA per process; no")
    table = CliRunner().invoke(app, ["sandbox", "check", "--backend", "unsafe-local"])
    assert table.exit_code == 0 and "what enforces each limit here" in table.output
    unlimited = ["sandbox", "check", "--backend", "unsafe-local", "--json"]
    assert "RLIMIT_FSIZE" in CliRunner().invoke(app, unlimited).output
