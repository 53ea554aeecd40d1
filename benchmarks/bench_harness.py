"""Evaluation harness cost on the built-in Python exercises, with the scripted model; prints JSON.

Each evaluation is the real thing: the seed agent in the bubblewrap sandbox, reaching a real
gateway through the relay, where a scripted model answers with the task's reference solution
(one editor call) and then `finish`; the diff is taken on the host and graded on the hidden
tests in a fresh sandbox.

  overhead   everything except the agent's process and the test command: workspace,
             snapshot, agent copy, TASK.json, gateway job, diff, grading set-up, record
             (target: <= 100 ms p50), with its parts
  throughput evaluations per minute with `--workers` threads sharing one harness

    .venv/bin/python benchmarks/bench_harness.py --rounds 3 --workers 2
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hgm.bench.exercises import ExercismBenchmark, make_exercises
from hgm.bench.exercism import reference_files
from hgm.bench.types import Task
from hgm.evolve.agent_dir import SEED_AGENT_DIR
from hgm.evolve.agent_task import AgentLimits
from hgm.evolve.harness import Harness
from hgm.evolve.records import Evaluation
from hgm.llm import Gateway, GatewayConfig, RoleModel, ScriptedProviderConfig, ScriptRule
from hgm.sandbox import BubblewrapConfig, make_sandbox

TARGET_OVERHEAD_P50_MS = 100.0


def reference_script(benchmark: ExercismBenchmark, tasks: list[Task]) -> ScriptedProviderConfig:
    """Per task: write the reference solution with the editor, then finish."""
    rules = []
    for task in tasks:
        for path, text in reference_files(benchmark.exercise(task.id)).items():
            edit = {"command": "create", "path": path, "file_text": text}
            rules.append(
                {
                    "when": {"turn": 0, "last_user": f"^Task {task.id} "},
                    "reply": {"tool_calls": [{"name": "editor", "arguments": edit}]},
                }
            )
    rules.append(
        {"when": {"min_turn": 1}, "reply": {"tool_calls": [{"name": "finish", "arguments": {}}]}}
    )
    return ScriptedProviderConfig(rules=[ScriptRule.model_validate(rule) for rule in rules])


def _quantiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))] * 1000, 1),
        "min_ms": round(ordered[0] * 1000, 1),
    }


def _parts(evaluations: list[Evaluation]) -> dict[str, dict[str, float]]:
    """Medians of the overhead's parts (ms)."""
    parts: dict[str, list[float]] = {
        "prepare": [e.run.timings["prepare"] for e in evaluations],
        "diff": [e.run.timings["diff"] for e in evaluations],
        "agent_launch": [e.run.timings["agent"] - e.run.process.wall_s for e in evaluations],
        "grade_outside_tests": [e.grade.wall_s - e.test_s for e in evaluations],
    }
    return {name: _quantiles(values) for name, values in parts.items()}


def measure(rounds: int, workers: int, scratch: Path) -> dict[str, object]:
    sandbox = make_sandbox(BubblewrapConfig())
    benchmark = make_exercises(sandbox=sandbox, languages="python")
    tasks = benchmark.tasks()
    config = GatewayConfig(
        providers={"scripted": reference_script(benchmark, tasks)},
        roles={"task": RoleModel(provider="scripted", model="scripted")},
    )
    limits = AgentLimits(wall_s=120, grace_s=10)
    with Gateway(config, socket_dir=scratch / "gw", db_path=scratch / "run.db", run="bench") as gw:
        harness = Harness(sandbox, gw, "bench", limits)
        counter = iter(range(1_000_000))

        def evaluate(task: Task) -> Evaluation:
            job = f"job-{next(counter)}"
            return harness.evaluate(
                SEED_AGENT_DIR, benchmark, task, scratch / job, agent="0", job=job
            )

        evaluate(tasks[0])  # warm-up: imports, first sandbox, toolchain probes
        sequential = [evaluate(task) for _ in range(rounds) for task in tasks]
        batch = [task for _ in range(rounds) for task in tasks]
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            parallel = list(pool.map(evaluate, batch))
        elapsed = time.perf_counter() - started
    overhead = _quantiles([e.overhead_s for e in sequential])
    return {
        "tasks": [task.id for task in tasks],
        "evaluations_sequential": len(sequential),
        "resolved_sequential": sum(e.resolved for e in sequential),
        "overhead": overhead,
        "overhead_parts": _parts(sequential),
        "agent_process": _quantiles([e.run.process.wall_s for e in sequential]),
        "test_command": _quantiles([e.test_s for e in sequential]),
        "evaluation_wall": _quantiles([e.wall_s for e in sequential]),
        "workers": workers,
        "evaluations_parallel": len(parallel),
        "resolved_parallel": sum(e.resolved for e in parallel),
        "evaluations_per_minute": round(len(parallel) / elapsed * 60, 1),
        "target_overhead_p50_ms": TARGET_OVERHEAD_P50_MS,
        "overhead_target_met": overhead["p50_ms"] <= TARGET_OVERHEAD_P50_MS,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="passes over the Python tasks")
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="hgm-bh-", dir="/tmp"))
    try:
        print(json.dumps(measure(options.rounds, options.workers, scratch), indent=2))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
