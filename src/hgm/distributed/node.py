"""What runs inside a Ray worker process: a job slot that says where each job landed, then
runs it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

from hgm.distributed.remote import NodeInfo, NodeJob

NODE_ID_CHARS = 8


def this_node(attempt: int) -> NodeInfo:
    """This worker's node, named `hostname/<node id prefix>` (several nodes may share a host)."""
    import ray

    node_id = ray.get_runtime_context().get_node_id()
    return NodeInfo(f"{socket.gethostname()}/{node_id[:NODE_ID_CHARS]}", node_id, attempt)


def run_on_node(job: NodeJob, attempt: int) -> Iterator[Any]:
    """A streaming Ray call: first the NodeInfo (the head learns the placement at once),
    then the job's result."""
    node = this_node(attempt)
    yield node
    yield job.run(node)


class Slot:
    """One job slot on a node (a Ray actor holding one job's resources): it runs the jobs
    the head queues on it one after another, so the next one starts without a round trip
    to the head."""

    def where(self) -> NodeInfo:
        return this_node(0)

    def run(self, job: NodeJob, attempt: int) -> Iterator[Any]:
        yield from run_on_node(job, attempt)
