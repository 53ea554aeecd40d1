"""The seam between the Ray executor and a world whose jobs can run on other machines.

A job runs in three steps: on the head, `prepare` (once: what the job needs, e.g. the
agent's bundle and the diagnosis prompt) and `attempt` (per try: credentials such as
gateway tokens, revoked by `release`); on a node, `NodeJob.run` (picklable, imports only
what the node has); on the head again, `finish` turns the node's result into the engine's
outcome and records what must stay in the run directory. A lost node or task costs one
`release` and another `attempt` of the same prepared job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # a node imports this module: it stays light (no engine, numpy, scipy)
    from hgm.engine.jobs import Job
    from hgm.engine.world import EvalOutcome, ExpandOutcome, Unfinished


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """Where a node job runs: `label` is `hostname/<node id prefix>`; `attempt` counts from 1."""

    label: str
    node_id: str
    attempt: int


class NodeJob(Protocol):
    """The part of a job that runs on a node; it must be picklable."""

    def run(self, node: NodeInfo) -> Any: ...


class RemoteWork(Protocol):
    """A world as the Ray executor drives it (see the module docstring). Head-side methods
    may be called from several threads at once, for different jobs."""

    def tasks(self) -> list[str]: ...

    def prepare(self, job: Job) -> Any: ...

    def attempt(self, prepared: Any, number: int) -> NodeJob: ...

    def release(self, prepared: Any) -> None: ...

    def finish(
        self, prepared: Any, result: Any, node: NodeInfo
    ) -> ExpandOutcome | EvalOutcome | Unfinished: ...
