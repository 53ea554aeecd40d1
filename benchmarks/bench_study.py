"""Wall and CPU time of the study grid (`hgm study`), with its headline figures. Prints JSON.

Default: the full grid (7 worlds x budgets 60, 150, 400, 800 x workers 1, 4, 16 x
expansion costs 0, 1, 3, 200 paired seeds, policies default,hgm,greedy,dgm plus the
candidate's cost ladder) on 2 worker processes, with progress on stderr. The target
is 20 minutes on 2 cores: `cpu_s / 2` is the wall time two idle cores would need,
`wall_s` what it took here under `load_average`. Headline: per world and expansion
cost, the candidate's cost-to-match ratio at its best-separating budget (4 workers) and
the number of cells where it loses significantly (Holm) to each other policy.

    .venv/bin/python benchmarks/bench_study.py [--seeds 200] [--budgets 60,150,400,800]
        [--worlds ...] [--processes 2] [--runs runs.jsonl]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path

from rich.console import Console

from hgm.cli.counted_progress import CountedProgress
from hgm.sim.study import (
    STUDY_BUDGETS,
    STUDY_POLICIES,
    STUDY_WORLDS,
    StudyGrid,
    run_study,
    write_runs,
)
from hgm.sim.study_stats import analyze, best_separating


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--budgets", default=",".join(map(str, STUDY_BUDGETS)))
    parser.add_argument("--worlds", default=",".join(STUDY_WORLDS))
    parser.add_argument("--policies", default=STUDY_POLICIES)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--runs", default=None, help="also write every run as JSON lines")
    args = parser.parse_args()
    grid = StudyGrid(
        worlds=tuple(args.worlds.split(",")),
        budgets=tuple(int(b) for b in args.budgets.split(",")),
        seeds=tuple(range(args.seeds)),
        policies=args.policies,
    )
    load_before = os.getloadavg()[0]
    started, cpu_started = time.perf_counter(), cpu_seconds()
    with CountedProgress(Console(stderr=True), "study", "runs", grid.runs_planned()) as progress:
        runs = run_study(grid, args.processes, progress.advance)
    wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
    load_after = os.getloadavg()[0]
    if args.runs:
        write_runs(Path(args.runs), runs)
    names = args.policies.split(",")
    summary = analyze(runs, names)
    keys = ("world", "expansion_cost", "budget", "ratio", "ratio_ci95", "censored")
    headline = [
        {key: row[key] for key in keys}
        for row in best_separating(summary["cost_to_match"], names[0])
        if row["workers"] == 4
    ]
    report = {
        "runs": len(runs),
        "processes": args.processes,
        "wall_s": wall,
        "cpu_s": cpu,
        "wall_s_if_two_cores_were_idle": cpu / 2,
        "target_s": 1200,
        "load_average_1min": [load_before, load_after],
        "cost_to_match_w4": headline,
        "losses": {name: entry["losses"] for name, entry in summary["verdict"].items()},
        "decision_us": summary["decision_us"],
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
