"""A simulated world on a cluster: the head draws each outcome (the world's state lives
there, as in a local run) and the node spends the job's wall time, `seconds_per_time_unit`
times its virtual duration. Used to test and measure the executor with jobs that take time."""

from __future__ import annotations

import dataclasses
import threading
import time
from dataclasses import dataclass

from hgm.distributed.remote import NodeInfo
from hgm.engine.executors import run_job
from hgm.engine.jobs import Job
from hgm.engine.world import EvalOutcome, ExpandOutcome, World


@dataclass(frozen=True, slots=True)
class SleepJob:
    """Occupy a worker slot on the node for `seconds`."""

    seconds: float

    def run(self, node: NodeInfo) -> float:
        time.sleep(self.seconds)
        return self.seconds


class SimRemote:
    """See the module docstring."""

    def __init__(self, world: World, seconds_per_time_unit: float) -> None:
        self.world = world
        self.scale = seconds_per_time_unit
        self._lock = threading.Lock()  # the world's draws, one at a time

    def tasks(self) -> list[str]:
        return self.world.tasks()

    def prepare(self, job: Job) -> ExpandOutcome | EvalOutcome:
        with self._lock:
            return run_job(self.world, job)

    def attempt(self, prepared: ExpandOutcome | EvalOutcome, number: int) -> SleepJob:
        return SleepJob(max(prepared.duration, 0.0) * self.scale)

    def release(self, prepared: ExpandOutcome | EvalOutcome) -> None:
        return None

    def finish(
        self, prepared: ExpandOutcome | EvalOutcome, result: float, node: NodeInfo
    ) -> ExpandOutcome | EvalOutcome:
        details = {**prepared.details, "node": node.label, "attempt": node.attempt}
        return dataclasses.replace(prepared, details=details)
