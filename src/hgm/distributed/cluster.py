"""Connecting the hgm process to a Ray cluster, and the cluster's nodes as hgm names them."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from hgm.errors import UserError


@dataclass(frozen=True, slots=True)
class ClusterNode:
    """An alive node: Ray's id, its address, and the resources it offers."""

    node_id: str
    address: str
    resources: dict[str, float]

    @property
    def is_head(self) -> bool:
        return "node:__internal_head__" in self.resources


NAMESPACE = "hgm"  # marks a connection hgm made (and may end)


def connect(address: str) -> None:
    """Join the cluster at `address` as a driver, unless this process is connected already
    (hgm's pre-flight joined it, or the caller did). Never starts a cluster: a local one
    would inherit this process's environment, provider keys included. One connection
    serves the pre-flight and the run: the worker processes Ray starts for this driver on
    each node are reused instead of started again."""
    import ray

    if ray.is_initialized():
        return
    try:
        ray.init(
            address=address,
            namespace=NAMESPACE,
            log_to_driver=False,
            logging_level=logging.WARNING,
            configure_logging=False,
        )
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise UserError(
            f"[executor] address {address!r}: cannot join a Ray cluster there ({error}); "
            "start one with `ray start --head` and give its address (docs/distributed.md)"
        ) from error


def disconnect() -> None:
    """Leave the cluster if hgm joined it; a connection the caller made is left alone."""
    import ray

    if ray.is_initialized() and ray.get_runtime_context().namespace == NAMESPACE:
        ray.shutdown()


def alive_nodes() -> list[ClusterNode]:
    """The cluster's alive nodes, in Ray's order."""
    import ray

    return [
        ClusterNode(node["NodeID"], node["NodeManagerAddress"], dict(node["Resources"]))
        for node in ray.nodes()
        if node.get("Alive")
    ]
