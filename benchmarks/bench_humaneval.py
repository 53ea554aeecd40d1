"""Wall time of `hgm bench check humaneval`: 164 reference grades plus 164 bare-prompt grades.

Runs the real command in a subprocess (bubblewrap sandbox, `--workers` threads) and
reads its JSON report. Prints one JSON object: the command's wall time end to end, the
check's own wall time, tasks ok, and per-grade wall time percentiles. Target: <= 60 s on
2 cores.

    .venv/bin/python benchmarks/bench_humaneval.py [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hgm-bench-humaneval-") as tmp:
        report_path = Path(tmp) / "check.json"
        env = {**os.environ, "HGM_CACHE": str(Path(tmp) / "cache"), "NO_COLOR": "1"}
        command = [sys.executable, "-m", "hgm", "bench", "check", "humaneval"]
        command += ["--workers", str(args.workers), "--json", str(report_path)]
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        command_wall = time.perf_counter() - started
        if not report_path.is_file():
            raise SystemExit(
                f"bench check wrote no report (exit {done.returncode}):\n{done.stderr}"
            )
        report = json.loads(report_path.read_text())
    grades = [r["reference_wall_s"] for r in report["results"]]
    grades += [r["stub_wall_s"] for r in report["results"]]
    print(
        json.dumps(
            {
                "benchmark": "bench check humaneval",
                "workers": args.workers,
                "cpus": os.cpu_count(),
                "exit_code": done.returncode,
                "tasks": report["tasks"],
                "ok": report["ok"],
                "failed": report["failed"],
                "grades": len(grades),
                "command_wall_s": round(command_wall, 2),
                "check_wall_s": report["wall_s"],
                "grade_wall_s_p50": round(statistics.median(grades), 3),
                "grade_wall_s_p90": round(percentile(grades, 90), 3),
                "target_wall_s": 60,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
