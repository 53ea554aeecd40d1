"""What agent jobs need of a gateway: the run's `Gateway` in the hgm process, or, on a
cluster node, a forwarded stand-in whose tokens the head opened (hgm.distributed)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from hgm.llm.config import Role
from hgm.llm.ledger import JobLimits, JobUsage


class CallTimeout(Protocol):
    timeout_s: float


class JobGateway(Protocol):
    """A token per job (valid until `close_job`), reached through the Unix socket
    `socket_path`, alone in the directory `socket_dir` (what a sandbox mounts)."""

    socket_dir: Path
    socket_path: Path

    @property
    def config(self) -> CallTimeout: ...

    def open_job(
        self, run: str, agent: str, job: str, role: Role, limits: JobLimits | None = None
    ) -> str: ...

    def close_job(self, token: str) -> JobUsage: ...
