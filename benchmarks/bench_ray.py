"""The Ray executor's figures, on a real local cluster started here (`ray start` processes on
127.0.0.1: a head without CPUs and `--nodes` worker nodes of 2 CPUs each). Prints JSON.

- dispatch: per-job latency of a job that does nothing, one at a time, through the
  thread executor and through Ray; the overhead is the difference of the medians
  (target: <= 50 ms p50).
- scaling: `--per-slot` jobs per slot that sleep `--sleep` s, with 2, 4 and 8 slots in
  flight across the nodes; speed-up over 2 slots against linear (target: >= 0.9x linear).
- saturation: a simulated run through the engine with `--in-flight` (1,000) jobs in flight
  on the cluster's slots (the most seen in flight is reported); idle slot time = 1 - (job
  seconds) / (slots x the busy span) (target: < 5%).

    .venv/bin/python benchmarks/bench_ray.py [--nodes 4] [--sleep 0.5] [--per-slot 25]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "distributed"))

from ray_cluster import LocalCluster

from hgm.distributed.executor import RayExecutor
from hgm.distributed.sim_remote import SimRemote
from hgm.distributed.sleep_job import SleepJob
from hgm.engine.budget import Budget
from hgm.engine.engine import Engine
from hgm.engine.events import (
    EvaluationFinished,
    EvaluationStarted,
    ExpansionFinished,
    ExpansionStarted,
)
from hgm.engine.executors import Executor, ThreadExecutor
from hgm.engine.jobs import Job
from hgm.runconfig.executor import RayExecutorSection
from hgm.runconfig.launch import PacedWorld
from hgm.search.actions import Evaluate
from hgm.search.config import HGMPolicyConfig
from hgm.search.policies import make_policy
from hgm.sim import make_world
from hgm.sim.config import DriftWorldConfig


def world(tasks: int, seed: int = 0):
    return make_world(DriftWorldConfig(kind="drift", n_tasks=tasks), seed)


def one_at_a_time(executor: Executor, jobs: int) -> list[float]:
    """Latency of each job from submit to delivery, one job in flight at a time."""
    latencies = []
    for number in range(jobs):
        started = time.perf_counter()
        executor.submit(Job(number, Evaluate(0, f"task-{number:04d}")))
        while executor.wait(1.0) is None:
            pass
        latencies.append(time.perf_counter() - started)
    return latencies


def dispatch(address: str, jobs: int) -> dict[str, float]:
    threads = ThreadExecutor()
    threads.bind(PacedWorld(world(jobs), 0.0), 1, 0.0)
    local = one_at_a_time(threads, jobs)
    threads.abandon()
    section = RayExecutorSection(kind="ray", address=address, max_in_flight=1)
    ray_executor = RayExecutor(section, SimRemote(world(jobs), 0.0))
    ray_executor.bind(world(jobs), 1, 0.0)
    one_at_a_time(ray_executor, 10)  # warm the worker processes
    remote = one_at_a_time(ray_executor, jobs)
    ray_executor.close()
    thread_p50, ray_p50 = statistics.median(local) * 1000, statistics.median(remote) * 1000
    return {
        "jobs": jobs,
        "thread_p50_ms": round(thread_p50, 2),
        "ray_p50_ms": round(ray_p50, 2),
        "ray_p90_ms": round(statistics.quantiles(remote, n=10)[-1] * 1000, 2),
        "overhead_p50_ms": round(ray_p50 - thread_p50, 2),
        "target_ms": 50,
    }


def throughput(address: str, slots: int, jobs: int, sleep_s: float) -> float:
    """Jobs per second with `slots` sleeping jobs in flight."""
    section = RayExecutorSection(kind="ray", address=address, max_in_flight=slots)
    sim = world(jobs + slots)
    executor = RayExecutor(section, _Fixed(SimRemote(sim, 1.0), sleep_s))
    executor.bind(sim, slots, 0.0)
    warm = [Job(10_000 + i, Evaluate(0, f"task-{i:04d}")) for i in range(slots)]
    for job in warm:
        executor.submit(job)
    for _ in warm:
        while executor.wait(1.0) is None:
            pass
    started = time.perf_counter()
    for number in range(jobs):
        executor.submit(Job(number, Evaluate(0, f"task-{number:04d}")))
    done = 0
    while done < jobs:
        if executor.wait(1.0) is not None:
            done += 1
    elapsed = time.perf_counter() - started
    executor.close()
    return jobs / elapsed


class _Fixed(SimRemote):
    """Jobs that all sleep `seconds` (None: as the world says), counted as they go out."""

    def __init__(self, work: SimRemote, seconds: float | None) -> None:
        super().__init__(work.world, work.scale)
        self.seconds = seconds
        self.slept = 0.0

    def attempt(self, prepared, number):
        job = super().attempt(prepared, number)
        job = job if self.seconds is None else SleepJob(self.seconds)
        self.slept += job.seconds
        return job


def scaling(address: str, sleep_s: float, per_slot: int) -> dict[str, object]:
    rates = {slots: throughput(address, slots, slots * per_slot, sleep_s) for slots in (2, 4, 8)}
    return {
        "sleep_s": sleep_s,
        "jobs_per_slot": per_slot,
        "jobs_per_s": {str(k): round(v, 3) for k, v in rates.items()},
        "speedup_vs_linear": {str(k): round((v / rates[2]) / (k / 2), 3) for k, v in rates.items()},
        "target": 0.9,
    }


def saturation(address: str, slots: int, in_flight: int, budget: int) -> dict[str, object]:
    """A simulated run through the engine: `in_flight` jobs submitted, `slots` running."""
    sim = world(budget, seed=1)
    section = RayExecutorSection(kind="ray", address=address, max_in_flight=in_flight)
    work = _Fixed(SimRemote(sim, 0.2), None)
    executor = RayExecutor(section, work)
    engine = Engine(
        sim,
        make_policy(HGMPolicyConfig()),
        Budget(task_evals=budget),
        workers=in_flight,
        seed=1,
        executor=executor,
        observers=(recorder := _Busy(),),
    )
    started = time.perf_counter()
    summary = engine.run()
    elapsed = time.perf_counter() - started
    executor.close()
    span = recorder.last - recorder.first
    idle = 1 - work.slept / (slots * span)
    return {
        "jobs_in_flight": in_flight,
        "most_in_flight_seen": recorder.most_in_flight,
        "slots": slots,
        "jobs": summary.evaluations_finished + summary.expansions_started,
        "run_s": round(elapsed, 2),
        "busy_span_s": round(span, 2),
        "idle_fraction": round(idle, 4),
        "target": 0.05,
    }


class _Busy:
    """The span from the first job's placement to the last job's delivery, and the most
    jobs in flight at once."""

    def __init__(self) -> None:
        self.first = float("inf")
        self.last = 0.0
        self.in_flight = 0
        self.most_in_flight = 0

    def notify(self, event) -> None:
        if isinstance(event, EvaluationStarted | ExpansionStarted):
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        elif isinstance(event, EvaluationFinished | ExpansionFinished):
            self.in_flight -= 1
        started = getattr(event, "started", None)
        finished = getattr(event, "finished", None)
        if started is not None and finished is not None:
            self.first = min(self.first, started)
            self.last = max(self.last, finished)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=4)
    parser.add_argument("--sleep", type=float, default=0.5)
    parser.add_argument("--jobs", type=int, default=200, help="dispatch: jobs timed")
    parser.add_argument("--per-slot", type=int, default=25, help="scaling: jobs per slot")
    parser.add_argument("--in-flight", type=int, default=1000)
    parser.add_argument("--budget", type=int, default=3000, help="saturation: evaluations")
    options = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="hgm-bench-ray-", dir="/tmp"))
    cluster = LocalCluster(root)
    try:
        started = time.perf_counter()
        cluster.start({f"w{number}": 2 for number in range(1, options.nodes + 1)})
        import ray

        ray.init(address=cluster.address, log_to_driver=False, logging_level="ERROR")
        result = {
            "load_before": os.getloadavg(),
            "cluster_start_s": round(time.perf_counter() - started, 1),
            "nodes": options.nodes,
            "dispatch": dispatch(cluster.address, options.jobs),
            "scaling": scaling(cluster.address, options.sleep, options.per_slot),
            "saturation": saturation(
                cluster.address, 2 * options.nodes, options.in_flight, options.budget
            ),
            "load_after": os.getloadavg(),
        }
        print(json.dumps(result, indent=2))
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
