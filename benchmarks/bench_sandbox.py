"""Sandbox launch overhead over a bare process start of `true`; prints JSON.

Three ways of running `true`, interleaved so machine noise hits them alike:
  bare      posix_spawn + waitpid of /bin/true
  bwrap     the exact bwrap command line the sandbox builds, spawned the same way
  sandbox   BubblewrapSandbox.run: paused start, per-run cgroups, rlimits, seccomp,
            supervision
  sandbox_no_cgroups   the same with use_cgroups = false (rlimits only)
Overheads are p50/p90 of each minus the bare p50. Target: sandbox overhead <= 10 ms p50.

    .venv/bin/python benchmarks/bench_sandbox.py --iterations 200

On a busy machine p50 mostly measures the scheduler; `chrt -f 10` (root) approximates
an idle one.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from hgm.sandbox import BubblewrapConfig, Limits, make_sandbox
from hgm.sandbox.bubblewrap import BubblewrapSandbox, run_argv

TARGET_P50_MS = 10.0


def _spawn_and_wait(argv: list[str]) -> None:
    pid = os.posix_spawn(argv[0], argv, {})
    os.waitpid(pid, 0)


def _quantiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))] * 1000, 3),
        "min_ms": round(ordered[0] * 1000, 3),
    }


def measure(iterations: int, warmup: int) -> dict[str, object]:
    sandbox = make_sandbox(BubblewrapConfig())
    no_cgroups = make_sandbox(BubblewrapConfig(use_cgroups=False))
    assert isinstance(sandbox, BubblewrapSandbox)
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        limits = Limits()
        rest = run_argv(
            sandbox.config, sandbox.view, ["true"], workdir, {}, (), workdir, limits, sandbox.masks
        )
        raw = [*sandbox.system, *rest]
        ways: dict[str, Callable[[], object]] = {
            "bare": lambda: _spawn_and_wait(["/bin/true"]),
            "bwrap": lambda: _spawn_and_wait(raw),
            "sandbox": lambda: sandbox.run(["true"], workdir, {}, limits),
            "sandbox_no_cgroups": lambda: no_cgroups.run(["true"], workdir, {}, limits),
        }
        samples: dict[str, list[float]] = {name: [] for name in ways}
        for index in range(warmup + iterations):
            for name, way in ways.items():
                start = time.perf_counter()
                way()
                if index >= warmup:
                    samples[name].append(time.perf_counter() - start)
    results = {name: _quantiles(values) for name, values in samples.items()}
    bare_p50 = results["bare"]["p50_ms"]
    overhead = {
        name: {
            "p50_ms": round(results[name]["p50_ms"] - bare_p50, 3),
            "p90_ms": round(results[name]["p90_ms"] - bare_p50, 3),
        }
        for name in ("bwrap", "sandbox", "sandbox_no_cgroups")
    }
    return {
        "benchmark": "sandbox_launch_overhead",
        "iterations": iterations,
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "timings": results,
        "overhead_over_bare": overhead,
        "target_p50_ms": TARGET_P50_MS,
        "meets_target": overhead["sandbox"]["p50_ms"] <= TARGET_P50_MS,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    arguments = parser.parse_args()
    print(json.dumps(measure(arguments.iterations, arguments.warmup), indent=2))


if __name__ == "__main__":
    main()
