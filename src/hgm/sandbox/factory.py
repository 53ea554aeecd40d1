"""Build a sandbox from its config; backends are imported only when chosen."""

from __future__ import annotations

from hgm.sandbox.config import BubblewrapConfig, DockerConfig, SandboxConfig, UnsafeLocalConfig
from hgm.sandbox.types import Sandbox, SandboxUnavailable


def make_sandbox(config: SandboxConfig) -> Sandbox:
    """The sandbox for `config`; raises SandboxUnavailable (a UserError) if it cannot run here."""
    if isinstance(config, BubblewrapConfig):
        from hgm.sandbox.bubblewrap import BubblewrapSandbox

        return BubblewrapSandbox.create(config)
    if isinstance(config, DockerConfig):
        from hgm.sandbox.docker import DockerSandbox

        return DockerSandbox.create(config)
    if isinstance(config, UnsafeLocalConfig):
        from hgm.sandbox.unsafe_local import UnsafeLocalSandbox

        return UnsafeLocalSandbox.create(config)
    raise SandboxUnavailable(
        f"unknown sandbox config {type(config).__name__}: use bubblewrap, docker or unsafe-local"
    )


def check_backend(config: SandboxConfig) -> str | None:
    """None when the backend works on this machine; else what is wrong and how to fix it."""
    if isinstance(config, BubblewrapConfig):
        from hgm.sandbox.bubblewrap import bubblewrap_problem

        return bubblewrap_problem(config)
    if isinstance(config, DockerConfig):
        from hgm.sandbox.docker import docker_problem

        return docker_problem(config)
    return None
