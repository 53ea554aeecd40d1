"""Harness overhead per evaluation: everything except the test command itself.

For each chosen built-in exercise, grades the reference diff `--repeats` times in the real
bubblewrap sandbox and splits each grade into: prepare (pristine copy, diff restriction and
`git apply`, hidden tests, canaries, runner setup), finish (reading the log, parsing
outcomes, cleanup) and sandbox launch (measured as the p50 of running `/bin/true` in the
same sandbox). For Python exercises it also runs the bare test command (plain `pytest` on
the pristine hidden tests with the reference solution, in the same sandbox: no canaries, no
guard plugin) and reports how much longer a whole grade takes than that ("over_bare"): the
cost of every integrity check, canaries included. Prints JSON. Targets: overhead p50 and
Python over_bare p50 <= 100 ms.

    .venv/bin/python benchmarks/bench_grading.py [--repeats 10] [--tasks python/interval-merge,...]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from hgm.bench.exercises import ExercismBenchmark, make_exercises
from hgm.bench.exercism import copy_hidden_tests, copy_visible, reference_files
from hgm.sandbox import BubblewrapConfig, Limits, Sandbox, make_sandbox

PYTHON_TASKS = (
    "python/bracket-depth,python/interval-merge,python/inventory-ledger,python/word-frequency"
)
DEFAULT_TASKS = f"{PYTHON_TASKS},javascript/chunk-array,rust/digital-root"


def bare_pytest_s(bench: ExercismBenchmark, task_id: str, sandbox: Sandbox) -> float:
    """Seconds of plain pytest on the reference solution and the pristine hidden tests."""
    exercise = bench.exercise(task_id)
    with tempfile.TemporaryDirectory(prefix="hgm-bare-") as scratch:
        work = Path(scratch) / exercise.slug
        copy_visible(exercise, work)
        for relative, text in reference_files(exercise).items():
            (work / relative).write_text(text)
        copy_hidden_tests(exercise, work)
        command = [sys.executable, "-m", "pytest", "-rA", "-p", "no:cacheprovider", "--no-header"]
        env = {"PYTHONDONTWRITEBYTECODE": "1", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
        started = time.perf_counter()
        done = sandbox.run([*command, *exercise.test], work, env, Limits(wall_s=120))
        elapsed = time.perf_counter() - started
    if done.exit_code != 0:
        raise SystemExit(f"{task_id}: bare pytest failed:\n{done.stdout_tail[-2000:]}")
    return elapsed


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
        prepare, finish, command, total, overhead, bare = [], [], [], [], [], []
        python = task_id.startswith("python/")
        for _ in range(args.repeats):
            if python:
                bare.append(bare_pytest_s(bench, task_id, sandbox))
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
        if python:
            results[task_id]["bare_pytest_ms_p50"] = p50_ms(bare)
            over = [grade - plain for grade, plain in zip(total, bare, strict=True)]
            results[task_id]["over_bare_ms_p50"] = p50_ms(over)
    overall = statistics.median(r["overhead_ms_p50"] for r in results.values())
    over_bare = [r["over_bare_ms_p50"] for r in results.values() if "over_bare_ms_p50" in r]
    report = {
        "benchmark": "grading_harness_overhead",
        "repeats": args.repeats,
        "sandbox": sandbox.kind,
        "sandbox_launch_ms_p50": p50_ms(launches),
        "overhead_ms_p50": overall,
        "target_ms": 100,
        "meets_target": overall <= 100,
        "python_over_bare_ms_p50": statistics.median(over_bare) if over_bare else None,
        "python_over_bare_meets_target": bool(over_bare) and statistics.median(over_bare) <= 100,
        "tasks": results,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
