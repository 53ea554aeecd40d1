"""What agent jobs need of a gateway: the run's `Gateway` in the hgm process, or, on a
cluster node, a forwarded stand-in whose tokens the head opened (hgm.distributed)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from hgm.llm.config import Role
from hgm.llm.ledger import JobLimits, JobUsage


class GatewaySettings(Protocol):
    """What a job reads of its gateway's config: the call timeout and the configured roles
    (a node's stand-in has none: the head sends each role's model facts with the job)."""

    timeout_s: float

    @property
    def roles(self) -> Mapping[Role, Any]: ...


class JobGateway(Protocol):
    """A token per job (valid until `close_job`), reached through the Unix socket
    `socket_path`, alone in the directory `socket_dir` (what a sandbox mounts). `db_path`
    is where the gateway records each call (None on a node: the head reads the record when
    the job's result arrives); `serving` is False once the gateway cannot be reached."""

    socket_dir: Path
    socket_path: Path
    db_path: Path | None

    @property
    def config(self) -> GatewaySettings: ...

    @property
    def serving(self) -> bool: ...

    def open_job(
        self, run: str, agent: str, job: str, role: Role, limits: JobLimits | None = None
    ) -> str: ...

    def close_job(self, token: str) -> JobUsage: ...

    def job_socket(self, token: str) -> Path:
        """The Unix socket the job with `token` reaches the gateway through, alone in its
        directory (what the job's sandbox mounts)."""
        ...
