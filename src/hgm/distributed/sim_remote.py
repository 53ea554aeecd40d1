"""A simulated world on a cluster: the head draws each outcome (the world's state lives
there, as in a local run) and the node spends the job's wall time, `seconds_per_time_unit`
times its virtual duration (`hgm.distributed.sleep_job`). Used to test and measure the
executor with jobs that take time."""

from __future__ import annotations

import dataclasses
import threading

from hgm.distributed.remote import NodeInfo
from hgm.distributed.sleep_job import SleepJob
from hgm.engine.executors import run_job
from hgm.engine.jobs import Job
from hgm.engine.world import EvalOutcome, ExpandOutcome, Unfinished, World

Outcome = ExpandOutcome | EvalOutcome | Unfinished


class SimRemote:
    """See the module docstring."""

    def __init__(self, world: World, seconds_per_time_unit: float) -> None:
        self.world = world
        self.scale = seconds_per_time_unit
        self._lock = threading.Lock()  # the world's draws, one at a time

    def tasks(self) -> list[str]:
        return self.world.tasks()

    def prepare(self, job: Job) -> Outcome:
        with self._lock:
            return run_job(self.world, job)

    def attempt(self, prepared: Outcome, number: int) -> SleepJob:
        return SleepJob(max(prepared.duration, 0.0) * self.scale)

    def release(self, prepared: Outcome) -> None:
        return None

    def finish(self, prepared: Outcome, result: float, node: NodeInfo) -> Outcome:
        if isinstance(prepared, Unfinished):  # the world could not do it: nothing to add
            return prepared
        details = {**prepared.details, "node": node.label, "attempt": node.attempt}
        return dataclasses.replace(prepared, details=details)
