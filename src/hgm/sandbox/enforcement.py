"""Which mechanism enforces each limit on this machine, for `hgm doctor` and `hgm sandbox check`.

The answer is found the way a run finds it: the backend's cgroup placement is detected
and one trial group is made with a memory and a process limit, then removed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from hgm.sandbox.cgroups import CgroupParents, run_cgroups
from hgm.sandbox.config import BubblewrapConfig, DockerConfig, SandboxConfig, UnsafeLocalConfig
from hgm.sandbox.types import Limits

TRIAL_MB = 64
TRIAL_PIDS = 64


@dataclass(frozen=True, slots=True)
class Enforcement:
    """One limit and what enforces it; `whole_job` False: per process, approximate, or none."""

    limit: str
    mechanism: str
    whole_job: bool


def _local(config: BubblewrapConfig | UnsafeLocalConfig) -> list[Enforcement]:
    parents = CgroupParents.detect(config.cgroup_version) if config.use_cgroups else None
    groups = run_cgroups(TRIAL_MB, TRIAL_PIDS, parents)
    try:
        version, problems = groups.version, dict(groups.problems)
        memory, pids = groups.enforces("memory"), groups.enforces("pids")
        cpu_total = groups.enforces("cpu") or groups.enforces("cpuacct")
    finally:
        groups.close()
    where = parents.describe() if parents is not None else "use_cgroups = false"

    def why(controller: str) -> str:
        problem = problems.get(controller) or problems.get("all")
        if problem is None or parents is None:
            return problem or where
        return f"{problem}; {where}"

    def place(controller: str) -> str:
        return parents.where(controller) if parents is not None else where

    if memory:
        file = "memory.max" if version == "v2" else "memory.limit_in_bytes"
        memory_row = Enforcement("memory_mb", f"cgroup {version} {file}, {place('memory')}", True)
    else:
        memory_row = Enforcement(
            "memory_mb", f"RLIMIT_DATA per process; no memory cgroup: {why('memory')}", False
        )
    if pids:
        pids_row = Enforcement("pids", f"cgroup {version} pids.max, {place('pids')}", True)
    elif os.getuid() == 0:
        pids_row = Enforcement(
            "pids",
            f"not enforced (root ignores RLIMIT_NPROC); no pids cgroup: {why('pids')}",
            False,
        )
    else:
        pids_row = Enforcement(
            "pids",
            f"RLIMIT_NPROC (counts all of this user's tasks); no pids cgroup: {why('pids')}",
            False,
        )
    cpu = "RLIMIT_CPU per process" + (
        f", and the run's total from its cgroup {version}" if cpu_total else ""
    )
    wall = (
        "the supervisor SIGKILLs bwrap: the sandbox's PID namespace dies with every process"
        if isinstance(config, BubblewrapConfig)
        else "the supervisor SIGKILLs the process group" + (" and the cgroup" if cpu_total else "")
    )
    rows = [Enforcement("wall_s", wall, True), Enforcement("cpu_s", cpu, cpu_total)]
    rows += [memory_row, pids_row, *_common_rows()]
    if isinstance(config, BubblewrapConfig):
        tmp_mb, shm_mb = Limits().tmpfs_mb(config.tmp_size_mb, config.shm_size_mb)
        rows.append(
            Enforcement(
                "tmpfs",
                f"/tmp and /dev/shm sized to tmp_size_mb = {config.tmp_size_mb} MiB in all, at "
                f"most memory_mb (default limits: {tmp_mb} + {shm_mb} MiB); /dev read-only",
                True,
            )
        )
    return rows


def _common_rows() -> list[Enforcement]:
    return [
        Enforcement("file_size_mb", "RLIMIT_FSIZE per file", True),
        Enforcement("open_files", "RLIMIT_NOFILE per process", False),
        Enforcement(
            "disk_mb, files",
            "the supervisor walks the work directory (every 0.25-20 s and at the end) and "
            "kills the run when it holds more",
            True,
        ),
    ]


def _docker(config: DockerConfig) -> list[Enforcement]:
    shared = f"tmp_size_mb = {config.tmp_size_mb}, at most memory_mb,"
    return [
        Enforcement("wall_s", "the supervisor runs `docker kill`", True),
        Enforcement("cpu_s", "--ulimit cpu (per process)", False),
        Enforcement("memory_mb", "--memory (the container's cgroup)", True),
        Enforcement("pids", "--pids-limit (the container's cgroup)", True),
        *_common_rows(),
        Enforcement("tmpfs", f"--tmpfs /tmp and --shm-size: {shared} MiB in all", True),
    ]


def limit_enforcement(config: SandboxConfig) -> list[Enforcement]:
    """One row per limit: how the backend of `config` enforces it here."""
    if isinstance(config, DockerConfig):
        return _docker(config)
    return _local(config)
