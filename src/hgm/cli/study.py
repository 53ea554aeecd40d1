"""`hgm study`: the fixed study grid of simulated worlds, with corrected paired comparisons."""

from __future__ import annotations

import json
import os
import resource
import time
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from hgm.cli.counted_progress import CountedProgress
from hgm.errors import UserError
from hgm.search import SELECTION_RULES
from hgm.sim.compare import policy_configs
from hgm.sim.study import (
    STUDY_BUDGETS,
    STUDY_COSTS,
    STUDY_POLICIES,
    STUDY_SEEDS,
    STUDY_WORKERS,
    STUDY_WORLDS,
    StudyGrid,
    StudyRun,
    read_runs,
    run_study,
    write_runs,
)
from hgm.sim.study_stats import analyze, best_separating

QUICK = {"budgets": (60, 150), "workers": (4,), "seeds": 30}


def _numbers(text: str, kind: type, option: str) -> tuple:
    try:
        values = tuple(kind(item) for item in text.split(",") if item.strip())
    except ValueError as error:
        raise UserError(f"{option} takes comma-separated numbers, given {text!r}") from error
    if not values:
        raise UserError(f"{option} is empty")
    return values


def _names(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


def study(
    policies: str = typer.Option(
        STUDY_POLICIES, "--policies", help="comma-separated; the first is the candidate"
    ),
    worlds: str = typer.Option(",".join(STUDY_WORLDS), "--worlds", help="world families"),
    budgets: str = typer.Option(
        ",".join(map(str, STUDY_BUDGETS)), "--budgets", help="budgets B (evaluation units)"
    ),
    workers: str = typer.Option(
        ",".join(map(str, STUDY_WORKERS)), "--workers", help="simulated parallel workers"
    ),
    costs: str = typer.Option(
        ",".join(f"{c:g}" for c in STUDY_COSTS),
        "--costs",
        help="expansion costs C (evaluation units charged per expansion)",
    ),
    seeds: int = typer.Option(STUDY_SEEDS, "--seeds", help="paired seeds per cell"),
    seed_start: int = typer.Option(0, "--seed-start", help="first seed"),
    quick: bool = typer.Option(
        False, "--quick", help="a small development grid: budgets 60,150, 4 workers, 30 seeds"
    ),
    ladder: bool = typer.Option(
        True, "--ladder/--no-ladder", help="also run the candidate at B/2 (cost-to-match)"
    ),
    select: str = typer.Option(
        "policy",
        "--select",
        help="final rule: best-belief, best-mean, lcb, lineage, or policy (each policy's own)",
    ),
    processes: int = typer.Option(0, "--processes", help="worker processes (0: all cores)"),
    json_path: Path | None = typer.Option(None, "--json", help="write the summary as JSON"),
    runs_path: Path | None = typer.Option(None, "--runs", help="write every run as JSON lines"),
    reuse_path: Path | None = typer.Option(
        None, "--reuse-runs", help="analyse runs written by --runs instead of running"
    ),
    plot_path: Path | None = typer.Option(None, "--plot", help="PNG: skill against budget"),
) -> None:
    """Run the study grid (worlds x budgets x workers x expansion costs, paired seeds).

    Prints per world the shipped skill of every policy in every cell with the candidate's
    Holm-corrected paired differences, then cost-to-match, wins and losses, guidance and
    decision cost (docs/simulate.md, docs/policies.md).

    Examples:

    ```
    hgm study --quick --seeds 10
    hgm study --json study.json --runs study.jsonl --plot study.png
    hgm study --reuse-runs study.jsonl --json study.json
    ```
    """
    if select not in (*SELECTION_RULES, "policy"):
        allowed = ", ".join((*SELECTION_RULES, "policy"))
        raise UserError(f"unknown selection rule {select!r}; allowed: {allowed}")
    if seeds < 2:
        raise UserError(f"--seeds must be >= 2, given {seeds}")
    if processes < 0:
        raise UserError(f"--processes must be >= 0, given {processes}")
    grid = StudyGrid(
        worlds=_names(worlds),
        budgets=QUICK["budgets"] if quick else _numbers(budgets, int, "--budgets"),
        workers=QUICK["workers"] if quick else _numbers(workers, int, "--workers"),
        costs=_numbers(costs, float, "--costs"),
        seeds=tuple(range(seed_start, seed_start + (QUICK["seeds"] if quick else seeds))),
        policies=policies,
        select=select,
        ladder=ladder,
    )
    names = list(policy_configs(grid.policies))
    console = Console(stderr=True)
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    load_before = os.getloadavg()[0]
    if reuse_path is not None:
        runs = read_runs(reuse_path, names)
    else:
        runs = _run(grid, processes, console)
    elapsed, cpu = time.perf_counter() - started, _cpu_seconds() - cpu_started
    load = (load_before + os.getloadavg()[0]) / 2
    summary = analyze(runs, names)
    _print(summary, grid, names)
    Console().print(
        f"{len(runs)} runs in {elapsed:.0f} s wall and {cpu:.0f} s CPU (load average {load:.1f}); "
        f"shipped: mean true skill of the agent shipped by {select}; Δ: {names[0]} minus the "
        f"other policy, {summary['test']}, paired by seed; ▲/▼: significant after "
        f"{summary['correction']} (p < 0.05)"
    )
    if runs_path is not None:
        write_runs(runs_path, runs)
    if json_path is not None:
        document = {
            "grid": _grid_json(grid),
            "wall_s": elapsed,
            "cpu_s": cpu,
            "load_average": load,
            "reused_runs": reuse_path is not None,
            **summary,
        }
        json_path.write_text(json.dumps(document, indent=1) + "\n")
    if plot_path is not None:
        from hgm.sim.plot import plot_study

        plot_study(
            _curves(runs, grid), f"shipped skill vs budget, {len(grid.seeds)} seeds", plot_path
        )


def _cpu_seconds() -> float:
    """CPU seconds used by this process and its finished worker processes."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _run(grid: StudyGrid, processes: int, console: Console) -> list[StudyRun]:
    with CountedProgress(console, "study", "runs", grid.runs_planned()) as progress:
        return run_study(grid, processes or None, progress.advance)


def _grid_json(grid: StudyGrid) -> dict[str, Any]:
    return {
        "worlds": list(grid.worlds),
        "budgets": list(grid.budgets),
        "workers": list(grid.workers),
        "expansion_costs": list(grid.costs),
        "seeds": [grid.seeds[0], grid.seeds[-1]],
        "policies": grid.policies,
        "select": grid.select,
        "ladder_budgets": list(grid.ladder_budgets()),
    }


def _curves(runs: list[StudyRun], grid: StudyGrid) -> dict:
    """Mean shipped skill per (world, cost, policy, budget) at the middle worker count."""
    workers = sorted(grid.workers)[len(grid.workers) // 2]
    sums: dict[tuple[str, float, str, int], list[float]] = {}
    for r in runs:
        if r.workers == workers:
            sums.setdefault((r.world, r.cost, r.run.policy, r.budget), []).append(
                r.run.shipped_skill
            )
    curves: dict = {}
    for (world, cost, name, budget), values in sorted(sums.items()):
        point = (budget, sum(values) / len(values))
        curves.setdefault(world, {}).setdefault(cost, {}).setdefault(name, []).append(point)
    return curves


def _mark(comparison: dict[str, Any]) -> str:
    arrow = {"win": " ▲", "loss": " ▼"}.get(comparison["outcome"], "")
    return f"{comparison['diff']:+.3f}{arrow}"


def _print(summary: dict[str, Any], grid: StudyGrid, names: list[str]) -> None:
    out = Console()
    candidate = names[0]
    for world in grid.worlds:
        table = Table(title=f"{world}: shipped skill (mean of {len(grid.seeds)} paired seeds)")
        for column in ("B", "W", "C"):
            table.add_column(column, justify="right")
        for name in names:
            table.add_column(name, justify="right", overflow="fold")
        for name in names[1:]:
            table.add_column(f"Δ {name}", justify="right", overflow="fold")
        table.add_column(f"{candidate} evals/exps", justify="right")
        for cell in summary["cells"]:
            if cell["world"] != world:
                continue
            entries = cell["policies"]
            own = entries.get(candidate, {})
            table.add_row(
                str(cell["budget"]),
                str(cell["workers"]),
                f"{cell['expansion_cost']:g}",
                *(
                    f"{entries[n]['shipped_skill_mean']:.3f}" if n in entries else "-"
                    for n in names
                ),
                *(
                    _mark(cell["comparisons"][n]) if n in cell["comparisons"] else "-"
                    for n in names[1:]
                ),
                f"{own.get('evaluations_mean', 0):.0f}/{own.get('expansions_mean', 0):.0f}",
            )
        out.print(table)
    _print_cost_to_match(summary, names)
    verdict = Table(title=f"{candidate} against each policy over the grid (Holm-corrected)")
    for column in ("policy", "cells", "wins", "losses", "raw p<0.05 losses", "worst Δ"):
        verdict.add_column(column, justify="right")
    for name, entry in summary["verdict"].items():
        worst = entry["worst_diff"]
        verdict.add_row(
            name,
            str(entry["cells"]),
            str(entry["wins"]),
            str(entry["losses"]),
            str(entry["losses_uncorrected"]),
            "-" if worst is None else f"{worst:+.3f}",
        )
    out.print(verdict)
    guidance = Table(title="guidance: Spearman(clade estimate, true CMP), mean over runs")
    guidance.add_column("world")
    for name in names:
        guidance.add_column(name, justify="right")
    for world, by_policy in summary["guidance"].items():
        guidance.add_row(
            world, *("-" if by_policy[n] is None else f"{by_policy[n]:.3f}" for n in names)
        )
    guidance.add_row(
        "decision µs",
        *(
            "-" if summary["decision_us"][n] is None else f"{summary['decision_us'][n]:.1f}"
            for n in names
        ),
    )
    out.print(guidance)


def _print_cost_to_match(summary: dict[str, Any], names: list[str]) -> None:
    rows = best_separating(summary["cost_to_match"], names[0])
    if not rows:
        return
    table = Table(
        title=f"cost-to-match: {names[0]}'s total cost to reach {summary['reference']}'s shipped "
        "skill, as a share of its cost (best-separating budget)"
    )
    for column in ("world", "W", "C", "B", "target", "ratio", "95% CI"):
        table.add_column(column, justify="right")
    for row in rows:
        prefix = {"at-most": "≤ ", "more-than": "> "}.get(row["censored"] or "", "")
        low, high = row["ratio_ci95"]
        table.add_row(
            row["world"],
            str(row["workers"]),
            f"{row['expansion_cost']:g}",
            str(row["budget"]),
            f"{row['target_skill']:.3f}",
            f"{prefix}{row['ratio']:.2f}",
            f"[{low:.2f}, {high:.2f}]",
        )
    Console().print(table)


def register(app: typer.Typer) -> None:
    """Add `hgm study` to the CLI."""
    app.command("study")(study)
