"""The cluster's job slots: one Ray actor per job the alive nodes can hold at once.

A slot reserves one job's resources (`cpus_per_job`, `memory_mb_per_job`, `resources`)
for as long as it lives and runs the jobs the head queues on it, in order. The head keeps
up to `1 + queued_per_slot` jobs on each slot, so a slot that finishes a job starts the
next one at once instead of waiting for the head to hear of it and send another (a plain
Ray task costs that round trip, and a lease from a raylet, per job).

The pool follows the cluster: every `REFRESH_S` it reads the alive nodes, drops the slots
of nodes that are gone, and starts new slots up to what the alive nodes' resources hold
(at most `cap`). A new slot takes jobs once it has answered where it runs; until then
(e.g. while Ray waits for resources) it holds none. Only the collector thread uses a pool.
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass
from typing import Any

import ray

from hgm.distributed.node import Slot
from hgm.runconfig.executor import RayExecutorSection

REFRESH_S = 2.0


@dataclass(slots=True, eq=False)
class JobSlot:
    """One slot actor: its node once it answered, and the jobs queued on it (running one
    included)."""

    actor: Any
    node_id: str | None = None
    jobs: int = 0


def slot_needs(section: RayExecutorSection) -> dict[str, float]:
    """The Ray resources one slot (one job) reserves."""
    needs = {"CPU": section.cpus_per_job} if section.cpus_per_job > 0 else {}
    if section.memory_mb_per_job:
        needs["memory"] = section.memory_mb_per_job * 1024 * 1024
    return needs | {name: amount for name, amount in section.resources.items() if amount > 0}


def slots_on(resources: dict[str, float], needs: dict[str, float], cap: int) -> int:
    """How many slots a node with these total resources holds (`cap` when a job needs none)."""
    if not needs:
        return cap
    return min(math.floor(resources.get(name, 0.0) / need + 1e-9) for name, need in needs.items())


class SlotPool:
    """See the module docstring."""

    def __init__(self, section: RayExecutorSection, cap: int) -> None:
        self.cap = cap
        self.depth = 1 + section.queued_per_slot
        self._needs = slot_needs(section)
        options: dict[str, Any] = {
            "num_cpus": self._needs.get("CPU", 0),
            "max_restarts": 0,
            "max_task_retries": 0,
        }
        if "memory" in self._needs:
            options["memory"] = self._needs["memory"]
        if section.resources:
            options["resources"] = dict(section.resources)
        self._factory = ray.remote(Slot).options(**options)
        self._slots: list[JobSlot] = []
        self._answers: dict[Any, JobSlot] = {}
        self._refreshed = -math.inf

    def refresh(self) -> None:
        """Every REFRESH_S: drop the slots of nodes that are gone; start slots up to what
        the alive nodes hold."""
        now = time.monotonic()
        if now - self._refreshed < REFRESH_S:
            return
        self._refreshed = now
        alive = {node["NodeID"]: node.get("Resources", {}) for node in ray.nodes() if node["Alive"]}
        for slot in [s for s in self._slots if s.node_id is not None and s.node_id not in alive]:
            self.drop(slot)
        capacity = sum(slots_on(resources, self._needs, self.cap) for resources in alive.values())
        for _ in range(min(self.cap, capacity) - len(self._slots)):
            slot = JobSlot(self._factory.remote())
            self._slots.append(slot)
            self._answers[slot.actor.where.remote()] = slot

    def answers(self) -> list[Any]:
        """The references of the slots that have not yet said where they run."""
        return list(self._answers)

    def answered(self, reference: Any) -> None:
        """A new slot said where it runs (it takes jobs from now on), or died trying."""
        slot = self._answers.pop(reference, None)
        if slot is None:  # dropped meanwhile
            return
        try:
            slot.node_id = ray.get(reference).node_id
        except ray.exceptions.RayError:
            self.drop(slot)

    def take(self) -> JobSlot | None:
        """The ready slot with the fewest jobs, if it can queue one more."""
        ready = [slot for slot in self._slots if slot.node_id is not None]
        best = min(ready, key=lambda slot: slot.jobs, default=None)
        if best is None or best.jobs >= self.depth:
            return None
        best.jobs += 1
        return best

    def done(self, slot: JobSlot) -> None:
        slot.jobs -= 1

    def drop(self, slot: JobSlot) -> None:
        """Forget a slot whose node or process is gone (and make sure it is); the next
        refresh starts a replacement if the cluster has room (at most one round every
        REFRESH_S, so a slot that cannot start does not spin)."""
        self._answers = {ref: other for ref, other in self._answers.items() if other is not slot}
        if slot in self._slots:
            self._slots.remove(slot)
            with contextlib.suppress(Exception):
                ray.kill(slot.actor, no_restart=True)

    def close(self) -> None:
        """Kill every slot (and the jobs running on them)."""
        for slot in list(self._slots):
            self.drop(slot)
        self._answers.clear()
