"""What runs inside a Ray worker process: say where the job landed, then run it."""

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
    """A streaming Ray task: first the NodeInfo (the head learns the placement at once),
    then the job's result."""
    node = this_node(attempt)
    yield node
    yield job.run(node)
