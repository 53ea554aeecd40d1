"""hgm.sandbox: run untrusted commands with no network, a read-only system and hard limits."""

from hgm.sandbox.config import (
    BACKEND_KINDS,
    BubblewrapConfig,
    DockerConfig,
    SandboxConfig,
    UnsafeLocalConfig,
    parse_sandbox_config,
)
from hgm.sandbox.factory import check_backend, make_sandbox
from hgm.sandbox.types import Completed, KillReason, Limits, Mount, Sandbox, SandboxUnavailable

__all__ = [
    "BACKEND_KINDS",
    "BubblewrapConfig",
    "Completed",
    "DockerConfig",
    "KillReason",
    "Limits",
    "Mount",
    "Sandbox",
    "SandboxConfig",
    "SandboxUnavailable",
    "UnsafeLocalConfig",
    "check_backend",
    "make_sandbox",
    "parse_sandbox_config",
]
