"""Harness overhead per evaluation: everything except the test command itself.

For each chosen built-in exercise, grades the reference diff `--repeats` times in the real
bubblewrap sandbox and splits each grade into: prepare (pristine copy, diff restriction and
`git apply`, hidden tests, runner setup), finish (reading the log, parsing outcomes, cleanup)
and sandbox launch (measured as the p50 of running `/bin/true` in the same sandbox). Prints
JSON. Target: overhead p50 <= 100 ms.

    .venv/bin/python benchmarks/bench_grading.py [--repeats 10] [--tasks python/interval-merge,...]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from hgm.bench.exercises import make_exercises
from hgm.sandbox import BubblewrapConfig, Limits, make_sandbox

DEFAULT_TASKS = "python/interval-merge,javascript/chunk-array,rust/digital-root"


def p50_ms(values: list[float]) -> float:
    return round(statistics.median(values) * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--tasks", default=DEFAULT_TASKS)
    args = parser.parse_args()
    sandbox = make_sandbox(BubblewrapConfig())
    bench = make_exercises(sandbox=sandbox)
    with tempfile.TemporaryDirectory() as scratch:
        launches = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            sandbox.run(["/bin/true"], Path(scratch), {}, Limits(wall_s=30))
            launches.append(time.perf_counter() - started)
    launch = statistics.median(launches)
    results = {}
    for task_id in args.tasks.split(","):
        task = next(t for t in bench.tasks() if t.id == task_id)
        diff = bench.reference_diff(task)
        prepare, finish, command, total, overhead = [], [], [], [], []
        for _ in range(args.repeats):
            grade = bench.grade(task, diff)
            if not grade.resolved:
                raise SystemExit(f"{task_id}: reference not resolved: {grade.error}")
            timing = grade.timings
            prepare.append(timing["prepare"])
            finish.append(timing["finish"])
            command.append(max(0.0, timing["tests"] - launch))
            total.append(timing["total"])
            overhead.append(timing["prepare"] + timing["finish"] + launch)
        results[task_id] = {
            "overhead_ms_p50": p50_ms(overhead),
            "prepare_ms_p50": p50_ms(prepare),
            "finish_ms_p50": p50_ms(finish),
            "test_command_ms_p50": p50_ms(command),
            "grade_total_ms_p50": p50_ms(total),
        }
    overall = statistics.median(r["overhead_ms_p50"] for r in results.values())
    report = {
        "benchmark": "grading_harness_overhead",
        "repeats": args.repeats,
        "sandbox": sandbox.kind,
        "sandbox_launch_ms_p50": p50_ms(launches),
        "overhead_ms_p50": overall,
        "target_ms": 100,
        "meets_target": overall <= 100,
        "tasks": results,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
