"""The docker backend: one container per run, no network, the same limits, via the docker CLI."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

from hgm.sandbox.config import DockerConfig
from hgm.sandbox.launch import Supervision, run_supervised
from hgm.sandbox.quota import WorkdirQuota
from hgm.sandbox.types import (
    Completed,
    KillReason,
    Limits,
    Mount,
    SandboxUnavailable,
    validate_run_paths,
)
from hgm.sandbox.verdict import completed_from

CLI_TIMEOUT_S = 20.0


def docker_problem(config: DockerConfig) -> str | None:
    """None when a Docker engine answers; else what is wrong and how to fix it."""
    binary = shutil.which(config.docker_binary)
    if binary is None:
        return (
            f"docker CLI {config.docker_binary!r} not found on PATH: install Docker, "
            "or use sandbox kind 'bubblewrap'"
        )
    try:
        probe = subprocess.run(
            [binary, "version", "--format", "{{.Server.Version}}"],
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"no Docker engine answered within {CLI_TIMEOUT_S:.0f} s: start the Docker daemon"
    if probe.returncode != 0 or not probe.stdout.strip():
        reason = (probe.stderr.strip().splitlines() or ["no server version"])[-1]
        return (
            f"no Docker engine answers ({reason}): start the Docker daemon (e.g. "
            "`systemctl start docker`), set DOCKER_HOST, or use sandbox kind 'bubblewrap'"
        )
    return None


def docker_argv(
    config: DockerConfig,
    name: str,
    command: list[str],
    workdir: Path,
    env_names: list[str],
    limits: Limits,
    mounts: tuple[Mount, ...],
    cwd: Path,
) -> list[str]:
    """The `docker run` command line. Variable values travel in the CLI's environment."""
    argv = [config.docker_binary, "run", "--name", name, "--network", "none", "--read-only"]
    argv += ["--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--init"]
    argv += ["--user", f"{os.getuid()}:{os.getgid()}"]
    tmp_mb, shm_mb = limits.tmpfs_mb(config.tmp_size_mb, config.shm_size_mb)
    argv += ["--tmpfs", f"/tmp:rw,exec,size={tmp_mb}m", "--shm-size", f"{shm_mb}m"]
    if limits.memory_mb is not None:
        argv += ["--memory", f"{limits.memory_mb}m", "--memory-swap", f"{limits.memory_mb}m"]
    if limits.pids is not None:
        argv += ["--pids-limit", str(limits.pids)]
    if limits.cpu_s is not None:
        seconds = max(1, int(limits.cpu_s + 0.999))
        argv += ["--ulimit", f"cpu={seconds}:{seconds + 1}"]
    if limits.file_size_mb is not None:
        size = limits.file_size_mb * 1024 * 1024
        argv += ["--ulimit", f"fsize={size}:{size}"]
    if limits.open_files is not None:
        argv += ["--ulimit", f"nofile={limits.open_files}:{limits.open_files}"]
    argv += ["-v", f"{workdir}:{workdir}:rw"]
    for mount in mounts:
        argv += ["-v", f"{mount.source}:{mount.target}:{'rw' if mount.writable else 'ro'}"]
    argv += ["-w", str(cwd)]
    for variable in env_names:
        argv += ["-e", variable]
    return [*argv, config.image, *command]


def _docker(config: DockerConfig, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [config.docker_binary, *args],
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
        check=False,
    )


@dataclass(frozen=True)
class DockerSandbox:
    config: DockerConfig
    kind: str = "docker"

    @classmethod
    def create(cls, config: DockerConfig) -> DockerSandbox:
        problem = docker_problem(config)
        if problem is not None:
            raise SandboxUnavailable(problem)
        return cls(config)

    def run(
        self,
        command: list[str],
        workdir: Path,
        env: dict[str, str],
        limits: Limits,
        mounts: tuple[Mount, ...] = (),
        cwd: Path | None = None,
    ) -> Completed:
        workdir, start_dir = validate_run_paths(workdir, cwd, mounts)
        name = f"hgm-sandbox-{uuid.uuid4().hex[:16]}"
        variables = {"HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8", **env}
        argv = docker_argv(
            self.config, name, command, workdir, list(variables), limits, mounts, start_dir
        )
        cli_env = {**os.environ, **variables}

        def kill(pid: int) -> None:
            _docker(self.config, "kill", name)
            os.kill(pid, signal.SIGKILL)

        supervision = Supervision(
            prepare=lambda pid: None,
            kill=kill,
            quota=WorkdirQuota(workdir, limits.disk_mb, limits.files),
        )
        try:
            outcome = run_supervised(
                argv, cli_env, limits.wall_s, None, self.config.tail_bytes, supervision
            )
            inspected = _docker(self.config, "inspect", "--format", "{{.State.OOMKilled}}", name)
        finally:
            _docker(self.config, "rm", "--force", name)
        completed = completed_from(outcome, limits, None, rusage_covers_tree=False)
        if inspected.stdout.strip() == "true":
            return replace(completed, killed=KillReason.MEMORY)
        return completed
