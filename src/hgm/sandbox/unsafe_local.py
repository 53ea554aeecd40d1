"""The unsafe-local backend: a plain subprocess with rlimits and cgroups, and no isolation.

For platforms without namespaces, and only when chosen explicitly: the command can read
everything the user can, reach the network, and write anywhere the user may. Every run
logs a warning saying so.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from hgm.sandbox.cgroups import CgroupParents
from hgm.sandbox.config import UnsafeLocalConfig
from hgm.sandbox.limited_run import kill_process_group, run_limited
from hgm.sandbox.types import Completed, Limits, Mount, SandboxUnavailable, validate_run_paths

logger = logging.getLogger(__name__)

CHDIR_SCRIPT = 'cd -- "$0" || exit 125; exec "$@"'
WARNING = (
    "sandbox kind 'unsafe-local': %s runs WITHOUT isolation (network, files and host processes "
    "are reachable); use 'bubblewrap' or 'docker' for untrusted code"
)


@dataclass(frozen=True)
class UnsafeLocalSandbox:
    config: UnsafeLocalConfig
    cgroup_parents: CgroupParents | None = None
    kind: str = "unsafe-local"

    @classmethod
    def create(cls, config: UnsafeLocalConfig) -> UnsafeLocalSandbox:
        detected = CgroupParents.detect(config.cgroup_version) if config.use_cgroups else None
        return cls(config, detected)

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
        for mount in mounts:
            if Path(mount.target) != mount.source:
                raise SandboxUnavailable(
                    f"unsafe-local cannot place {mount.source} at {mount.target}: "
                    "without namespaces a mount's target must equal its source"
                )
        logger.warning(WARNING, command[:1])
        base = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(workdir),
            "LANG": "C.UTF-8",
        }
        argv = ["/bin/sh", "-c", CHDIR_SCRIPT, str(start_dir), *command]
        return run_limited(
            argv,
            {**base, **env},
            limits,
            self.config.tail_bytes,
            kill_process_group,
            workdir,
            rusage_covers_tree=True,
            cgroup_parents=self.cgroup_parents,
        )
