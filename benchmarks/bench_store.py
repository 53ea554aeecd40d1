"""Run-database costs: recording one event (p50/p90) and rebuilding a run's state for resume.

A synthetic run is written through `RunStore.notify` exactly as the engine would:
N evaluations spread over about N^0.6 agents (HGM's widening), each evaluation a
started and a finished event, each expansion likewise plus the child's creation.
Prints one JSON object.

    .venv/bin/python benchmarks/bench_store.py [--evaluations 10000] [--tasks 60]
        [--synchronous normal|full]

`--synchronous full` measures what an fsync per event would cost (hgm uses normal).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from hgm.engine.events import (
    AgentCreated,
    EvaluationFinished,
    EvaluationStarted,
    Event,
    ExpansionFinished,
    ExpansionStarted,
    RunFinished,
)
from hgm.store.run_store import RunStore


def synthetic_events(evaluations: int, tasks: int, seed: int) -> list[Event]:
    """Events of a run with `evaluations` results over about evaluations^0.6 agents."""
    rng = np.random.default_rng(seed)
    agents = max(2, int(evaluations**0.6))
    if agents * tasks < evaluations:
        raise SystemExit(f"{agents} agents x {tasks} tasks cannot hold {evaluations} evaluations")
    events: list[Event] = [AgentCreated(0, None, 0.0)]
    job, clock = 0, 0.0
    for child in range(1, agents):
        parent = int(rng.integers(0, child))
        events.append(ExpansionStarted(job, parent, child, clock))
        events.append(ExpansionFinished(job, parent, child, True, "", 0.01, clock, clock + 1))
        events.append(AgentCreated(child, parent, clock + 1, job))
        job, clock = job + 1, clock + 1
    pairs = rng.choice(agents * tasks, size=evaluations, replace=False)
    for pair in pairs:
        agent, task = divmod(int(pair), tasks)
        name = f"task-{task:04d}"
        events.append(EvaluationStarted(job, agent, name, clock))
        events.append(
            EvaluationFinished(
                job, agent, name, bool(rng.random() < 0.3), 0.002, clock, clock + 0.5, {}
            )
        )
        job, clock = job + 1, clock + 0.25
    events.append(RunFinished("budget", clock))
    return events


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluations", type=int, default=10_000)
    parser.add_argument("--tasks", type=int, default=60)
    parser.add_argument("--rebuilds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--synchronous", choices=("normal", "full"), default="normal")
    args = parser.parse_args()

    events = synthetic_events(args.evaluations, args.tasks, args.seed)
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "run.db"
        record_us: list[float] = []
        with RunStore.create(path) as store:
            store.connection.execute(f"PRAGMA synchronous={args.synchronous.upper()}")
            for event in events:
                start = time.perf_counter()
                store.notify(event)
                record_us.append((time.perf_counter() - start) * 1e6)
        rebuild_ms: list[float] = []
        for _ in range(args.rebuilds):
            start = time.perf_counter()
            with RunStore.open_for_reading(path) as reader:
                state = reader.load_engine_state()
            rebuild_ms.append((time.perf_counter() - start) * 1e3)
        assert state is not None and state.evaluations_started == args.evaluations
        db_bytes = path.stat().st_size + Path(f"{path}-wal").stat().st_size

    first, last = record_us[: len(record_us) // 10], record_us[-len(record_us) // 10 :]
    print(
        json.dumps(
            {
                "benchmark": "store",
                "evaluations": args.evaluations,
                "agents": len(state.tree),
                "events": len(events),
                "record_event_us": {
                    "p50": round(percentile(record_us, 50), 1),
                    "p90": round(percentile(record_us, 90), 1),
                    "p99": round(percentile(record_us, 99), 1),
                    "p50_first_10pct": round(percentile(first, 50), 1),
                    "p50_last_10pct": round(percentile(last, 50), 1),
                },
                "rebuild_state_ms": {
                    "median": round(statistics.median(rebuild_ms), 1),
                    "min": round(min(rebuild_ms), 1),
                },
                "db_bytes": db_bytes,
                "sqlite": {"journal_mode": "wal", "synchronous": args.synchronous},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
