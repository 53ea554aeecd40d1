"""The node's side of a simulated job: it only takes wall time. Nodes unpickle it from here,
a module that imports nothing of the engine (no numpy, no scipy to load in each worker)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from hgm.distributed.remote import NodeInfo


@dataclass(frozen=True, slots=True)
class SleepJob:
    """Occupy a worker slot on the node for `seconds`."""

    seconds: float

    def run(self, node: NodeInfo) -> float:
        time.sleep(self.seconds)
        return self.seconds
