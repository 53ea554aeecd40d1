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


def connect(address: str) -> bool:
    """Join the cluster at `address` as a driver (True), or use the connection this process
    already has (False). Never starts a cluster: a local one would inherit this process's
    environment, provider keys included."""
    import ray

    if ray.is_initialized():
        return False
    try:
        ray.init(
            address=address,
            namespace="hgm",
            log_to_driver=False,
            logging_level=logging.WARNING,
            configure_logging=False,
        )
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise UserError(
            f"[executor] address {address!r}: cannot join a Ray cluster there ({error}); "
            "start one with `ray start --head` and give its address (docs/distributed.md)"
        ) from error
    return True


def alive_nodes() -> list[ClusterNode]:
    """The cluster's alive nodes, in Ray's order."""
    import ray

    return [
        ClusterNode(node["NodeID"], node["NodeManagerAddress"], dict(node["Resources"]))
        for node in ray.nodes()
        if node.get("Alive")
    ]
