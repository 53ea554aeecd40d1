"""Polyglot grading speed per language: wall and CPU seconds per grade, and a full check.

Grades a seeded sample of each language's exercises (reference and untouched stub, one
grade at a time, in the real bubblewrap sandbox) and prints JSON: per language the p50 wall
time and p50 CPU time per grade (CPU of every sandboxed process of the grade, from its
cgroup, which a loaded machine disturbs less than wall time), against the targets below.
`--full` also runs the whole self-check (`hgm bench check polyglot`, 450 grades) on
`--workers` and reports its wall time and statuses. The load average before and after is
part of the output: compare runs only with it.

Targets (2 cores): grade p50 C++ <= 5 s, Go, Java, Rust <= 3 s, Python, JavaScript <= 1.5 s;
full check <= 600 s with 2 workers.

    .venv/bin/hgm bench fetch polyglot && .venv/bin/hgm bench setup polyglot
    .venv/bin/python benchmarks/bench_polyglot.py [--per-language 8] [--seed 0] [--full]
    .venv/bin/python benchmarks/bench_polyglot.py --tasks rust/wordy,go/bowling

It only uses `make_benchmark`, `Benchmark.grade` and `reference_diff`, so it also measures
older versions of hgm (run it with their interpreter; pass the same `--tasks` to compare).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path

from hgm.bench import registry
from hgm.bench.types import Benchmark, Grade, Task
from hgm.sandbox import BubblewrapConfig, make_sandbox
from hgm.sandbox.types import Completed, Sandbox

TARGETS_S = {"cpp": 5.0, "go": 3.0, "java": 3.0, "rust": 3.0, "python": 1.5, "javascript": 1.5}
FULL_TARGET_S = 600.0


class CpuCounting:
    """A sandbox that adds up the CPU seconds (from its cgroup) of every run it makes."""

    def __init__(self, inner: Sandbox) -> None:
        self.inner, self.kind, self.cpu_s = inner, inner.kind, 0.0
        self._lock = threading.Lock()

    def run(self, *args: object, **kwargs: object) -> Completed:
        completed = self.inner.run(*args, **kwargs)  # type: ignore[arg-type]
        with self._lock:
            self.cpu_s += completed.cpu_s or 0.0
        return completed


def timed(sandbox: CpuCounting, grade: Callable[[], Grade]) -> tuple[Grade, float, float]:
    """(grade, wall seconds, CPU seconds of its sandboxed runs)."""
    cpu, wall = sandbox.cpu_s, time.perf_counter()
    result = grade()
    return result, time.perf_counter() - wall, sandbox.cpu_s - cpu


def sample(
    tasks: list[Task], per_language: int, seed: int, named: str | None
) -> dict[str, list[Task]]:
    """The `named` tasks (comma list), else a seeded sample of each language's tasks."""
    if named:
        wanted = named.split(",")
        tasks = [task for task in tasks if task.id in wanted]
        missing = set(wanted) - {task.id for task in tasks}
        if missing:
            raise SystemExit(f"unknown tasks: {', '.join(sorted(missing))}")
    by_language: dict[str, list[Task]] = {}
    for task in tasks:
        by_language.setdefault(task.language, []).append(task)
    rng = random.Random(seed)
    return {
        language: found if named else rng.sample(found, min(per_language, len(found)))
        for language, found in sorted(by_language.items())
    }


def per_language(
    bench: Benchmark, sandbox: CpuCounting, chosen: dict[str, list[Task]]
) -> dict[str, object]:
    report: dict[str, object] = {}
    for language, tasks in chosen.items():
        bench.grade(tasks[0], "")  # one-time set-up (warm caches, drivers) stays out of it
        walls, cpus, problems = [], [], []
        for task in tasks:
            for kind, diff in (("reference", bench.reference_diff(task)), ("stub", "")):
                grade, wall, cpu = timed(
                    sandbox, lambda task=task, diff=diff: bench.grade(task, diff)
                )
                walls.append(wall)
                cpus.append(cpu)
                if grade.resolved != (kind == "reference"):
                    problems.append(f"{task.id} {kind}: resolved={grade.resolved}")
        p50 = statistics.median(walls)
        report[language] = {
            "tasks": [task.id for task in tasks],
            "grades": len(walls),
            "wall_p50_s": round(p50, 2),
            "wall_max_s": round(max(walls), 2),
            "cpu_p50_s": round(statistics.median(cpus), 2),
            "cpu_max_s": round(max(cpus), 2),
            "target_s": TARGETS_S.get(language),
            "meets_target": p50 <= TARGETS_S.get(language, float("inf")),
            "unexpected_verdicts": problems,
        }
    return report


def full_check(bench: Benchmark, sandbox: CpuCounting, workers: int) -> dict[str, object]:
    from hgm.bench.check import check_benchmark

    tasks = bench.tasks()
    started, cpu = time.perf_counter(), sandbox.cpu_s
    checks = check_benchmark(bench, tasks, workers)
    wall = time.perf_counter() - started
    statuses: dict[str, int] = {}
    for check in checks:
        status = getattr(check, "status", "ok" if check.ok else "failed")
        statuses[status] = statuses.get(status, 0) + 1
    return {
        "grades": 2 * len(tasks),
        "workers": workers,
        "wall_s": round(wall, 1),
        "cpu_s": round(sandbox.cpu_s - cpu, 1),
        "target_s": FULL_TARGET_S,
        "meets_target": wall <= FULL_TARGET_S,
        "statuses": statuses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", type=Path, default=None, help="a polyglot checkout")
    parser.add_argument("--per-language", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--languages", default=None, help="comma list (default: all six)")
    parser.add_argument("--tasks", default=None, help="comma list of task ids instead of a sample")
    parser.add_argument("--full", action="store_true", help="also run the whole self-check")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    options: dict[str, object] = {"languages": args.languages} if args.languages else {}
    accepts = getattr(registry, "accepts_option", lambda _name, _option: False)
    if accepts("polyglot", "include_no_signal"):
        options["include_no_signal"] = True  # every task, as older versions list them
    sandbox = CpuCounting(make_sandbox(BubblewrapConfig()))
    bench = registry.make_benchmark("polyglot", path=args.path, sandbox=sandbox, **options)
    chosen = sample(bench.tasks(), args.per_language, args.seed, args.tasks)
    report: dict[str, object] = {
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "per_language": per_language(bench, sandbox, chosen),
    }
    if args.full:
        report["full_check"] = full_check(bench, sandbox, args.workers)
    report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
