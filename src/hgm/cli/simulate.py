"""`hgm simulate`: compare search policies on synthetic worlds with paired seeds."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from hgm.cli.counted_progress import CountedProgress
from hgm.cli.output_paths import check_output_file
from hgm.errors import UserError
from hgm.search import SELECTION_RULES
from hgm.sim.compare import SimSetup, compare, policy_configs
from hgm.sim.config import world_config
from hgm.sim.statistics import PAIRED_TEST, summarize

PLOT_SUFFIXES = (".png", ".svg", ".pdf")
MIN_SEEDS_FOR_CI = 3  # with 2 seeds, t(0.975, 1 df) = 12.7: an interval wider than the 0-1 scale


def _fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _fmt_p(value: float | None) -> str:
    """A p-value: `< 1e-4` rather than 0.0000."""
    if value is None:
        return "-"
    return "< 1e-4" if value < 1e-4 else f"{value:.4f}"


def simulate(
    world: str = typer.Option(
        "drift", "--world", help="world family: drift, mismatch, tasks, fragile"
    ),
    param: list[str] = typer.Option(
        [], "--param", help="world parameter override key=value (repeatable)"
    ),
    policies: str = typer.Option(
        "hgm,dgm,sica,greedy,random",
        "--policies",
        help="comma-separated; the first is the reference for paired differences",
    ),
    seeds: int = typer.Option(50, "--seeds", help="number of paired seeds (worlds)"),
    seed_start: int = typer.Option(0, "--seed-start", help="first seed"),
    budget: int = typer.Option(150, "--budget", help="task evaluations per run"),
    workers: int = typer.Option(4, "--workers", help="simulated parallel workers"),
    select: str = typer.Option(
        "policy",
        "--select",
        help="final rule: best-belief, best-mean, lcb, lineage, or policy (each policy's own)",
    ),
    epsilon: float = typer.Option(0.01, "--epsilon", help="quantile for best-belief"),
    expansion_cost: float = typer.Option(
        0.0,
        "--expansion-cost",
        help="evaluation units charged per expansion started (0: the paper's accounting)",
    ),
    processes: int = typer.Option(0, "--processes", help="worker processes (0: all cores)"),
    json_path: Path | None = typer.Option(
        None, "--json", help="write the results as JSON to this file (`-`: stdout)"
    ),
    plot_path: Path | None = typer.Option(
        None, "--plot", help="write a chart here (.png, .svg or .pdf)"
    ),
) -> None:
    """Compare search policies on simulated self-improving agents (paired seeds).

    The table gives the true skill of the agent each policy ships (mean over seeds, 95% CI)
    and its paired difference against the first policy with a p-value (docs/simulate.md).

    Examples:

    ```
    hgm simulate --world drift --policies hgm,greedy --seeds 100
    hgm simulate --policies hgm,hgm:cool_down=false --param fail_prob=0.2 --json sim.json
    hgm simulate --seeds 20 --json - | jq .policies
    ```
    """
    config = world_config(world, param)
    chosen = policy_configs(policies)
    if select not in (*SELECTION_RULES, "policy"):
        allowed = ", ".join((*SELECTION_RULES, "policy"))
        raise UserError(f"unknown selection rule {select!r}; allowed: {allowed}")
    for name, value, low in (
        ("seeds", seeds, 1),
        ("budget", budget, 1),
        ("workers", workers, 1),
        ("processes", processes, 0),
    ):
        if value < low:
            raise UserError(f"--{name} must be >= {low}, given {value}")
    if not 0.0 < epsilon < 0.5:
        raise UserError(f"--epsilon must be in (0, 0.5), given {epsilon}")
    if json_path is not None and str(json_path) != "-":
        check_output_file(json_path, "--json")
    if plot_path is not None:  # checked before the simulation, not after it
        check_output_file(plot_path, "--plot", PLOT_SUFFIXES)
    setup = SimSetup(
        world=config,
        budget=budget,
        workers=workers,
        select=select,
        epsilon=epsilon,
        expansion_cost=expansion_cost,
    )
    console = Console(stderr=True)
    with CountedProgress(console, "simulating", "seeds", seeds) as progress:
        runs = compare(
            setup,
            chosen,
            range(seed_start, seed_start + seeds),
            processes or None,
            on_seed_done=progress.advance,
        )
    names = list(chosen)
    summary = summarize(runs, names)
    table = Table(
        title=f"world {world}, budget {budget}, {workers} workers, expansion cost "
        f"{expansion_cost:g}, {seeds} seeds, select {select}"
    )
    for column in (
        "policy",
        "shipped ± 95% CI" if seeds >= MIN_SEEDS_FOR_CI else "shipped",
        "diff",
        "p",
        "oracle",
        "agents",
        "failed",
    ):
        if column == "policy":  # labels like hgm:cool_down=false are folded, never cut
            table.add_column(column, overflow="fold", min_width=min(12, max(map(len, names))))
        else:
            table.add_column(column, justify="right")
    for name, entry in summary.items():
        mean, half_width = (
            entry["shipped_skill_mean"],
            entry["ci95"][1] - entry["shipped_skill_mean"],
        )
        interval = f" ± {_fmt(half_width)}" if seeds >= MIN_SEEDS_FOR_CI else ""
        table.add_row(
            name,
            f"{_fmt(mean)}{interval}",
            "-" if name == names[0] else f"{entry['diff_vs_first']:+.3f}",
            _fmt_p(entry["p_value_vs_first"]),
            _fmt(entry["oracle_skill_mean"]),
            _fmt(entry["agents_mean"], 1),
            _fmt(entry["failed_expansions_mean"], 1),
        )
    out = Console(stderr=json_path is not None and str(json_path) == "-")
    out.print(table)
    costs = Table(title="what each policy spent (means per run)")
    for column in ("policy", "evaluations", "expansions", "total cost", "guidance", "µs/decision"):
        costs.add_column(column, justify="left" if column == "policy" else "right")
    for name, entry in summary.items():
        costs.add_row(
            name,
            _fmt(entry["evaluations_mean"], 1),
            _fmt(entry["expansions_mean"], 1),
            _fmt(entry["total_cost_mean"], 1),
            _fmt(entry["guidance_mean"], 3),
            _fmt(entry["decide_us_mean"], 1),
        )
    out.print(costs)
    rule = "each policy's own rule" if select == "policy" else select
    out.print(
        f"shipped: mean true skill of the agent shipped by {rule}; diff, p: against "
        f"{names[0]}, {PAIRED_TEST}, paired by seed; oracle: best true skill in the tree; "
        f"failed: failed expansions; total cost: evaluations + {expansion_cost:g} x "
        "expansions started; guidance: Spearman(clade estimate, true CMP)"
    )
    if seeds < MIN_SEEDS_FOR_CI:
        out.print(
            f"[yellow]{seeds} seeds are too few for a confidence interval (no CI shown; "
            f"use --seeds {MIN_SEEDS_FOR_CI} or more, 50+ to tell policies apart)[/]"
        )
    if json_path is not None:
        document = {
            "world": config.model_dump(),
            "budget": budget,
            "workers": workers,
            "seeds": list(range(seed_start, seed_start + seeds)),
            "select": select,
            "epsilon": epsilon,
            "expansion_cost": expansion_cost,
            "test": PAIRED_TEST,
            "policies": summary,
            "per_run": [asdict(run) for run in runs],
        }
        text = json.dumps(document, indent=2) + "\n"
        if str(json_path) == "-":
            typer.echo(text, nl=False)
        else:
            json_path.write_text(text)
    if plot_path is not None:
        from hgm.sim.plot import plot_comparison

        plot_comparison(summary, f"{world}: budget {budget}, {seeds} seeds, {select}", plot_path)


def register(app: typer.Typer) -> None:
    """Add `hgm simulate` to the CLI."""
    app.command("simulate")(simulate)
