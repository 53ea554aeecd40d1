"""Start-up of the read-only commands on a 10,000-evaluation run. Prints JSON.

Makes a simulated run of `--evals` evaluations (once, in-process, with `hgm.start`), then
runs `hgm status`, `hgm status --json`, `hgm tree`, `hgm best` and `import hgm; status()`
`--repeat` times each as fresh processes (what a user types), and reports per command the
median and max wall seconds, the median CPU seconds (user + sys of the child: nearly
independent of the machine's load, so comparable across runs), and which heavy modules
(numpy, scipy, pydantic, aiohttp) the command imported. Target: <= 0.5 s each.

    .venv/bin/python benchmarks/bench_readonly.py [--evals 10000] [--repeat 7] [--run DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import hgm

REPO = Path(__file__).resolve().parents[1]
HGM = Path(sys.executable).parent / "hgm"
HEAVY = ("numpy", "scipy", "pydantic", "aiohttp", "matplotlib")
PROBE = """
import runpy, sys
sys.argv = ["hgm", *{args!r}]
try:
    runpy.run_module("hgm", run_name="__main__")
except SystemExit:
    pass
print(sorted(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)
"""


def make_run(directory: Path, evals: int) -> Path:
    if (directory / "run.db").is_file():
        return directory
    overrides = {
        "run.name": "bench-readonly",
        "budget.task_evals": evals,
        "world.seconds_per_time_unit": 0,
        "world.sim.n_tasks": 200,
    }
    hgm.start(REPO / "examples" / "sim.toml", directory, overrides=overrides, progress=False)
    return directory


def timed(command: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) of one run of `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def heavy_modules(args: list[str]) -> list[str]:
    probe = PROBE.format(args=args, heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    return json.loads(done.stderr.strip().splitlines()[-1].replace("'", '"'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evals", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--run", type=Path, default=None, help="reuse (or make) the run here")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hgm-bench-readonly-") as scratch:
        started = time.perf_counter()
        run_dir = make_run(options.run or Path(scratch) / "run", options.evals)
        made_s = time.perf_counter() - started
        run = hgm.Run(run_dir)
        commands = {
            "status": ["status", str(run_dir)],
            "status --json": ["status", str(run_dir), "--json"],
            "tree": ["tree", str(run_dir)],
            "best": ["best", str(run_dir)],
        }
        results = {}
        for name, args in commands.items():
            samples = [timed([str(HGM), *args]) for _ in range(options.repeat)]
            walls = [wall for wall, _ in samples]
            results[name] = {
                "wall_s_median": round(statistics.median(walls), 3),
                "wall_s_max": round(max(walls), 3),
                "cpu_s_median": round(statistics.median(cpu for _, cpu in samples), 3),
                "heavy_modules": heavy_modules(args),
            }
        api = [sys.executable, "-c", f"import hgm; hgm.Run({str(run_dir)!r}).status()"]
        samples = [timed(api) for _ in range(options.repeat)]
        results["python: hgm.Run(...).status()"] = {
            "wall_s_median": round(statistics.median(w for w, _ in samples), 3),
            "cpu_s_median": round(statistics.median(c for _, c in samples), 3),
        }
        status = run.status()
        print(
            json.dumps(
                {
                    "run": {
                        "evaluations": status.task_evals_done,
                        "agents": status.agents,
                        "made_in_s": round(made_s, 1),
                    },
                    "repeat": options.repeat,
                    "target_s": 0.5,
                    "commands": results,
                    "loadavg": os.getloadavg(),
                    "cpus": os.cpu_count(),
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
