"""`[executor]`: where a run's jobs run. `kind = "local"` (threads of the hgm process, or
virtual time for a simulated world) or `kind = "ray"` (job slots on a Ray cluster).

```toml
[executor]
kind = "ray"
address = "auto"            # "auto", a head address "host:6379", or "ray://host:10001"
cpus_per_job = 1            # Ray resources each job reserves on its node
memory_mb_per_job = 2048
max_in_flight = 64          # jobs running at once on the cluster (default: [run] workers)
queued_per_slot = 1         # jobs each slot holds besides the one it runs (0: none)
[executor.gateway]          # how jobs on other nodes reach the run's LLM gateway
host = "10.0.0.5"           # where it listens (default: this node's cluster address)
port = 0                    # 0: any free port
tls_cert = "gateway.pem"    # TLS (with tls_key) when given; nodes verify against tls_ca
```

The engine, the policy, run.db and agents.git stay in the hgm process either way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalExecutorSection(_Section):
    """Jobs run in the hgm process: worker threads (virtual time for a fast simulation)."""

    kind: Literal["local"] = "local"


class ClusterGatewaySection(_Section):
    """The gateway's listener on the cluster network (job tokens required on every call)."""

    host: str | None = Field(
        None,
        min_length=1,
        description="address the gateway listens on; default: this node's Ray address",
    )
    advertise: str | None = Field(
        None,
        min_length=1,
        description="address nodes connect to, when not `host` (e.g. behind NAT)",
    )
    port: int = Field(0, ge=0, le=65535, description="TCP port; 0 picks a free one")
    tls_cert: Path | None = Field(None, description="PEM certificate: serve TLS")
    tls_key: Path | None = Field(None, description="PEM private key of tls_cert")
    tls_ca: Path | None = Field(
        None,
        description="PEM certificate(s) nodes verify the gateway against (default: tls_cert)",
    )
    tls_server_name: str | None = Field(
        None, description="name checked in the certificate (default: the advertised address)"
    )

    @model_validator(mode="after")
    def _tls_pair(self) -> ClusterGatewaySection:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("give both tls_cert and tls_key, or neither")
        if self.tls_ca is not None and self.tls_cert is None:
            raise ValueError("tls_ca needs tls_cert and tls_key (TLS is off without them)")
        return self


class RayExecutorSection(_Section):
    """Jobs run on a cluster's nodes (in job slots: Ray actors), each in that node's sandbox."""

    kind: Literal["ray"]
    address: str = Field(
        "auto",
        min_length=1,
        description='"auto" (the cluster this machine belongs to), "host:port", or "ray://host:port"',
    )
    cpus_per_job: float = Field(1.0, ge=0, le=1024, description="CPUs each job reserves")
    memory_mb_per_job: int = Field(
        0, ge=0, description="memory each job reserves for Ray's scheduler (0: none)"
    )
    resources: dict[str, float] = Field(
        default_factory=dict, description="custom Ray resources each job needs"
    )
    max_in_flight: int | None = Field(
        None,
        ge=1,
        le=100_000,
        description="jobs running at once: job slots on the cluster (default: [run] workers)",
    )
    queued_per_slot: int = Field(
        1,
        ge=0,
        le=16,
        description=(
            "jobs each slot holds besides the one it runs, so the next starts at once "
            "(0: a job goes to a slot only when the slot is free)"
        ),
    )
    node_dir: Path = Field(
        Path("/tmp/hgm-ray"),
        description="on each node: the cache of agent versions and the jobs' scratch space",
    )
    max_attempts: int = Field(
        8, ge=1, le=1000, description="tries of one job whose node or task is lost"
    )
    max_result_mb: float = Field(
        64.0, gt=0, le=4096, description="cap on the artifacts one job sends back"
    )
    gateway: ClusterGatewaySection = Field(default_factory=ClusterGatewaySection)
    require_nodes: int = Field(
        1, ge=0, description="worker nodes that must pass preflight before the run starts"
    )


ExecutorSection = LocalExecutorSection | RayExecutorSection
