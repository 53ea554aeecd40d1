"""RayExecutor: the engine's jobs on a Ray cluster's job slots, the engine staying in this process.

Each job is prepared on the head (a small thread pool, off the engine's thread), then runs
as one streaming call on a job slot (`hgm.distributed.slots`: a Ray actor per job the
cluster holds at once, fed its next job before it finishes the current one). The node
first says where the job landed (a `JobPlaced` event, so status and progress show which
node runs what), then returns the job's result, which the head turns into the outcome and
records. One collector thread owns the slots and every call in flight: it hands prepared
jobs to slots as they have room and waits on all the calls together.

Faults: a call whose slot, worker or node died, or whose result was lost, is tried again
with the same job id (new credentials: the lost attempt's gateway tokens are revoked
first), up to `max_attempts` tries; only the last attempt's result is ever read, so a job
is recorded once. The slots of a node that is gone are dropped and new ones start where
the cluster has room; with no node able to take a job, the jobs wait on the head until one
joins: the run waits. A job the infrastructure broke (`InfrastructureFailure` on the node
or on the head, or every attempt lost: component "cluster") is delivered as `Unfinished`,
as the thread executor delivers it: the engine re-queues it uncharged and pauses after
repeated ones. Any other exception raised by the job's own code is re-raised on the
engine's thread by `wait`, like the thread executor does (the run stops; resume re-runs
the job).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import ray
from ray.exceptions import (
    NodeDiedError,
    ObjectLostError,
    OutOfMemoryError,
    RayActorError,
    RayTaskError,
    TaskCancelledError,
    WorkerCrashedError,
)

from hgm.distributed.cluster import connect, disconnect
from hgm.distributed.remote import NodeInfo, NodeJob, RemoteWork
from hgm.distributed.slots import JobSlot, SlotPool
from hgm.engine.events import JobPlaced
from hgm.engine.jobs import Done, Job
from hgm.engine.world import EvalOutcome, ExpandOutcome, Unfinished, World
from hgm.errors import InfrastructureFailure
from hgm.runconfig.executor import RayExecutorSection

log = logging.getLogger(__name__)
COLLECT_S = 0.05
HEAD_THREADS = 8
# A node, slot or worker process that died, or a result that vanished with its node: try
# again (RayActorError before RayTaskError: a dead slot is not the job's own error).
LOST = (RayActorError, WorkerCrashedError, NodeDiedError, ObjectLostError, OutOfMemoryError)
Outcome = ExpandOutcome | EvalOutcome | Unfinished


@dataclass(slots=True)
class _Flight:
    """One job between `submit` and delivery."""

    job: Job
    prepared: Any = None
    attempt: int = 0
    node_job: NodeJob | None = None
    node: NodeInfo | None = None
    slot: JobSlot | None = None
    submitted: float = 0.0
    placed: float | None = None


class RayExecutor:
    """See the module docstring. `work` is the world as the executor drives it."""

    def __init__(self, section: RayExecutorSection, work: RemoteWork) -> None:
        self.section = section
        self.work = work
        self._origin = time.monotonic()
        self._clock_start = 0.0
        self._lock = threading.Lock()
        self._undelivered: dict[int, Job] = {}
        self._notices: list[JobPlaced] = []
        self._done: queue.Queue[tuple[_Flight, float, Outcome | None, BaseException | None]] = (
            queue.Queue()
        )
        self._to_submit: queue.Queue[_Flight] = queue.Queue()
        self._closing = threading.Event()
        self._pool: ThreadPoolExecutor | None = None
        self._collector: threading.Thread | None = None
        self._flying: dict[Any, _Flight] = {}
        self._cap = 1
        self._slots: SlotPool | None = None
        self._broken: BaseException | None = None

    # ---- the Executor protocol ------------------------------------------------------------

    def bind(self, world: World, workers: int, clock_start: float) -> None:
        connect(self.section.address)
        self._origin = time.monotonic()
        self._clock_start = clock_start
        self._cap = self.section.max_in_flight or workers
        self._slots = SlotPool(self.section, self._cap)
        self._pool = ThreadPoolExecutor(
            max_workers=min(HEAD_THREADS, max(2, workers)), thread_name_prefix="hgm-ray-head"
        )
        self._collector = threading.Thread(
            target=self._collect, name="hgm-ray-collector", daemon=True
        )
        self._collector.start()

    def now(self) -> float:
        return self._clock_start + time.monotonic() - self._origin

    def running(self) -> int:
        with self._lock:
            return len(self._undelivered)

    def submit(self, job: Job) -> None:
        assert self._pool is not None, "bind() first"
        with self._lock:
            self._undelivered[job.id] = job
        self._pool.submit(self._prepare, _Flight(job, submitted=self.now()))

    def wait(self, timeout: float) -> Done | None:
        try:
            flight, finished, outcome, error = self._done.get(timeout=timeout)
        except queue.Empty:
            if self._broken is not None:
                raise RuntimeError("the Ray executor's collector thread failed") from self._broken
            return None
        with self._lock:
            self._undelivered.pop(flight.job.id, None)
        if error is not None:
            raise error
        assert outcome is not None
        started = flight.placed if flight.placed is not None else flight.submitted
        return Done(flight.job, outcome, started, finished)

    def notices(self) -> list[JobPlaced]:
        with self._lock:
            notices, self._notices = self._notices, []
        return notices

    def abandon(self) -> list[Job]:
        """Cancel every task in flight and revoke its credentials; the jobs, by id."""
        self._closing.set()
        if self._collector is not None:
            self._collector.join(timeout=30)
        if self._slots is not None:
            self._slots.close()  # kills the slots, and with them the jobs they run
        for flight in self._flying.values():
            self._release(flight)
        self._flying.clear()
        with self._lock:
            jobs = sorted(self._undelivered.values(), key=lambda job: job.id)
            self._undelivered.clear()
        return jobs

    def close(self) -> None:
        """Stop the head's threads and disconnect from the cluster (which keeps running)."""
        if not self._closing.is_set():
            self.abandon()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        disconnect()

    # ---- head-side steps (pool threads) -----------------------------------------------------

    def _prepare(self, flight: _Flight) -> None:
        try:
            flight.prepared = self.work.prepare(flight.job)
            self._next_attempt(flight)
        except InfrastructureFailure as failure:
            self._unfinished(flight, Unfinished(failure.component, failure.message))
        except BaseException as error:  # handed to the engine's thread
            self._done.put((flight, self.now(), None, error))

    def _next_attempt(self, flight: _Flight) -> None:
        flight.attempt += 1
        flight.node, flight.placed = None, None
        flight.node_job = self.work.attempt(flight.prepared, flight.attempt)
        self._to_submit.put(flight)

    def _retry(self, flight: _Flight, error: BaseException) -> None:
        where = flight.node.label if flight.node is not None else "before it started"
        if flight.attempt >= self.section.max_attempts:
            reason = (
                f"job {flight.job.id} was lost {flight.attempt} times, the last on {where} "
                f"({error}); [executor] max_attempts = {self.section.max_attempts}"
            )
            self._unfinished(flight, Unfinished("cluster", reason))
            return
        log.warning("job %d lost on %s (%s); trying again", flight.job.id, where, error)
        try:
            self._release(flight)
            self._next_attempt(flight)
        except InfrastructureFailure as failure:
            self._unfinished(flight, Unfinished(failure.component, failure.message))
        except BaseException as failure:
            self._done.put((flight, self.now(), None, failure))

    def _finish(self, flight: _Flight, result: Any) -> None:
        try:
            assert flight.node is not None
            self.work.release(flight.prepared)
            outcome = self.work.finish(flight.prepared, result, flight.node)
        except InfrastructureFailure as failure:
            outcome = Unfinished(failure.component, failure.message)
        except BaseException as error:
            self._done.put((flight, self.now(), None, error))
            return
        self._done.put((flight, self.now(), outcome, None))

    def _unfinished(self, flight: _Flight, unfinished: Unfinished) -> None:
        """Deliver a job the infrastructure broke; its credentials are revoked first."""
        self._release(flight)
        self._done.put((flight, self.now(), unfinished, None))

    def _release(self, flight: _Flight) -> None:
        if flight.prepared is not None:
            try:
                self.work.release(flight.prepared)
            except Exception:  # a lost attempt's credentials: already gone is fine
                log.debug("release of job %d failed", flight.job.id, exc_info=True)

    # ---- the collector thread ---------------------------------------------------------------

    def _collect(self) -> None:
        try:
            self._collect_until_closed()
        except BaseException as error:  # raised on the engine's thread by `wait`
            log.exception("the collector thread failed")
            self._broken = error

    def _collect_until_closed(self) -> None:
        waiting: deque[_Flight] = deque()
        pool = self._slots
        assert pool is not None
        while not self._closing.is_set():
            self._take_submissions(waiting, block=not self._flying and not waiting)
            pool.refresh()
            while waiting and not self._closing.is_set() and (slot := pool.take()) is not None:
                flight = waiting.popleft()
                flight.slot = slot
                call = slot.actor.run.options(num_returns="streaming")
                self._flying[call.remote(flight.node_job, flight.attempt)] = flight
            pending = [*self._flying, *pool.answers()]
            if not pending:
                if waiting:  # no slot can take a job yet: the cluster has no room
                    time.sleep(COLLECT_S)
                continue
            ready, rest = ray.wait(pending, num_returns=1, timeout=COLLECT_S)
            if ready and rest:
                more, _ = ray.wait(rest, num_returns=len(rest), timeout=0)
                ready += more
            for reference in ready:
                if reference in self._flying:
                    self._advance(reference)
                else:
                    pool.answered(reference)

    def _take_submissions(self, waiting: deque[_Flight], block: bool) -> None:
        try:
            if block:
                waiting.append(self._to_submit.get(timeout=COLLECT_S))
            while True:
                waiting.append(self._to_submit.get_nowait())
        except queue.Empty:
            return

    def _advance(self, generator: Any) -> None:
        """The next item of a call: its placement, then its result (or why there is none)."""
        flight = self._flying[generator]
        assert self._pool is not None
        try:
            value = ray.get(next(generator))
        except StopIteration:
            self._landed(generator)
            lost = RuntimeError("the task ended without a result")
            self._pool.submit(self._retry, flight, lost)
            return
        except LOST as error:
            self._landed(generator, lost=True)
            self._pool.submit(self._retry, flight, error)
            return
        except TaskCancelledError:
            self._landed(generator)
            return
        except RayTaskError as error:  # the job's own code raised: hand it to the engine
            self._landed(generator)
            cause = error.cause if isinstance(error.cause, BaseException) else error
            self._pool.submit(self._fail, flight, cause)
            return
        if flight.node is None:
            flight.node, flight.placed = value, self.now()
            with self._lock:
                self._notices.append(
                    JobPlaced(flight.job.id, value.label, flight.attempt, flight.placed)
                )
            return
        self._landed(generator)
        if isinstance(value, Unfinished):  # the node found its infrastructure broken
            self._pool.submit(self._unfinished, flight, value)
            return
        self._pool.submit(self._finish, flight, value)

    def _landed(self, generator: Any, lost: bool = False) -> None:
        """A call is over: its slot has room again, or is gone with the call (`lost`)."""
        flight = self._flying.pop(generator)
        assert self._slots is not None and flight.slot is not None
        if lost:
            self._slots.drop(flight.slot)
        else:
            self._slots.done(flight.slot)

    def _fail(self, flight: _Flight, error: BaseException) -> None:
        self._release(flight)
        self._done.put((flight, self.now(), None, error))
