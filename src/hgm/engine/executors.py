"""Executors run jobs on W workers: in virtual time (simulation) or on threads (real work).

This is the seam for a distributed engine: anything with `bind`, `now`,
`running`, `submit`, `wait` and `abandon` can run the engine's jobs.
"""

from __future__ import annotations

import heapq
import queue
import threading
import time
from typing import Protocol

from hgm.engine.jobs import Done, Job
from hgm.engine.world import EvalOutcome, ExpandOutcome, Unfinished, World
from hgm.errors import InfrastructureFailure
from hgm.search.actions import Expand

Outcome = ExpandOutcome | EvalOutcome | Unfinished


def run_job(world: World, job: Job) -> Outcome:
    """Ask the world to do `job`; an infrastructure failure becomes `Unfinished`."""
    action = job.action
    try:
        if isinstance(action, Expand):
            assert job.child is not None
            return world.expand(action.parent, job.child)
        return world.evaluate(action.agent, action.task)
    except InfrastructureFailure as failure:
        return Unfinished(failure.component, failure.message)


class Executor(Protocol):
    def bind(self, world: World, workers: int, clock_start: float) -> None:
        """Prepare W workers for `world`; the clock starts at `clock_start` seconds."""

    def now(self) -> float:
        """The engine's clock (virtual or wall), in seconds."""

    def running(self) -> int:
        """Jobs submitted and not yet returned by `wait`."""

    def submit(self, job: Job) -> None:
        """Start `job` on a free worker (the engine never submits more than W)."""

    def wait(self, timeout: float) -> Done | None:
        """The next finished job, or None if none finished within `timeout` seconds."""

    def abandon(self) -> list[Job]:
        """Stop: the jobs that will never be returned by `wait` (to be re-queued on resume)."""


class VirtualTimeExecutor:
    """Discrete-event simulation: a job takes the `duration` its outcome reports.

    The world is called when the job is submitted; the result is delivered when
    the virtual clock reaches the job's end. Ties finish in submission order.
    """

    def __init__(self) -> None:
        self._world: World | None = None
        self._clock = 0.0
        self._heap: list[tuple[float, int, float, Job, Outcome]] = []
        self._sequence = 0

    def bind(self, world: World, workers: int, clock_start: float) -> None:
        self._world = world
        self._clock = clock_start
        self._heap = []

    def now(self) -> float:
        return self._clock

    def running(self) -> int:
        return len(self._heap)

    def submit(self, job: Job) -> None:
        assert self._world is not None, "bind() first"
        outcome = run_job(self._world, job)
        self._sequence += 1
        finish = self._clock + max(outcome.duration, 0.0)
        heapq.heappush(self._heap, (finish, self._sequence, self._clock, job, outcome))

    def wait(self, timeout: float) -> Done | None:
        if not self._heap:
            return None
        finish, _, started, job, outcome = heapq.heappop(self._heap)
        self._clock = finish
        return Done(job, outcome, started, finish)

    def abandon(self) -> list[Job]:
        jobs = [entry[3] for entry in sorted(self._heap)]
        self._heap = []
        return jobs


class ThreadExecutor:
    """Real jobs on W daemon threads, timed on the wall clock.

    An exception raised by the world inside a job is re-raised by `wait` on the
    engine's thread (the run stops; the job is re-queued on resume).
    """

    def __init__(self) -> None:
        self._world: World | None = None
        self._jobs: queue.Queue[Job | None] = queue.Queue()
        self._done: queue.Queue[tuple[Job, float, float, Outcome | None, BaseException | None]] = (
            queue.Queue()
        )
        self._undelivered: dict[int, Job] = {}
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._origin = time.monotonic()
        self._clock_start = 0.0

    def bind(self, world: World, workers: int, clock_start: float) -> None:
        self._world = world
        self._origin = time.monotonic()
        self._clock_start = clock_start
        self._threads = [
            threading.Thread(target=self._work, name=f"hgm-worker-{i}", daemon=True)
            for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def now(self) -> float:
        return self._clock_start + time.monotonic() - self._origin

    def running(self) -> int:
        with self._lock:
            return len(self._undelivered)

    def submit(self, job: Job) -> None:
        with self._lock:
            self._undelivered[job.id] = job
        self._jobs.put(job)

    def wait(self, timeout: float) -> Done | None:
        try:
            job, started, finished, outcome, error = self._done.get(timeout=timeout)
        except queue.Empty:
            return None
        with self._lock:
            self._undelivered.pop(job.id, None)
        if error is not None:
            raise error
        assert outcome is not None
        return Done(job, outcome, started, finished)

    def abandon(self) -> list[Job]:
        with self._lock:
            jobs = sorted(self._undelivered.values(), key=lambda job: job.id)
            self._undelivered.clear()
        for _ in self._threads:
            self._jobs.put(None)
        return jobs

    def _work(self) -> None:
        assert self._world is not None
        while (job := self._jobs.get()) is not None:
            started = self.now()
            try:
                outcome = run_job(self._world, job)
            except BaseException as error:  # handed to the engine's thread
                self._done.put((job, started, self.now(), None, error))
            else:
                self._done.put((job, started, self.now(), outcome, None))
