"""`hgm certify`: grade the shipped agent and the root on held-out tasks and compare them.

The only command besides `run`/`resume` that writes to a run: each graded (agent, task)
pair goes into the `certifications` table of `run.db` (and, in a real world, the
gateway's `llm_calls` and `artifacts/certify-<agent>-<task>/`). See hgm.evolve.certify.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from hgm.cli.counted_progress import CountedProgress
from hgm.evolve.certify import Certification
from hgm.evolve.certify_run import certify_run
from hgm.evolve.certify_stats import DIFFERENCE_METHOD, RATE_METHOD, TEST_METHOD
from hgm.store.run_dir import RunDir


def _summary(result: Certification) -> Table:
    table = Table(
        title=f"certification on {len(result.tasks)} tasks ({result.which})",
        caption=f"rates: {RATE_METHOD}; difference: {DIFFERENCE_METHOD}; test: {TEST_METHOD}",
    )
    for column in ("", "agent", "resolved", "rate", "95% CI"):
        table.add_column(column)
    for label, rate in (("agent", result.agent_rate), ("root", result.root_rate)):
        who = result.agent if label == "agent" else result.root
        table.add_row(
            label,
            str(who),
            f"{rate.resolved}/{rate.tasks}",
            f"{rate.rate:.3f}",
            f"[{rate.ci95[0]:.3f}, {rate.ci95[1]:.3f}]",
        )
    difference = result.difference
    table.add_row(
        "difference",
        f"{result.agent} - {result.root}",
        f"+{difference.agent_only} / -{difference.root_only}",
        f"{difference.estimate:+.3f}",
        f"[{difference.ci95[0]:+.3f}, {difference.ci95[1]:+.3f}]  "
        f"McNemar p = {difference.mcnemar_p:.4g}",
    )
    return table


def certify_command(
    run_dir: Path = typer.Argument(..., help="the run directory"),
    agent: int | None = typer.Argument(
        None, help="the agent to certify (default: the one the run ships by its [select] rule)"
    ),
    tasks: str = typer.Option(
        "held-out",
        "--tasks",
        help="held-out | all (held-out + search tasks) | N (first N held-out)",
    ),
    workers: int | None = typer.Option(
        None, "--workers", min=1, max=256, help="graded at the same time (default: run.workers)"
    ),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object for scripts"),
) -> None:
    """Grade an agent and the root on held-out tasks: rates, their difference, 95% CIs.

    Graded pairs are recorded in run.db; a second certify reuses them (docs/commands.md).

    Examples:

    ```
    hgm certify runs/quickstart
    hgm certify runs/quickstart 7 --tasks 10 --json
    ```
    """
    progress = CountedProgress(Console(stderr=True), "certifying", "grades", transient=as_json)

    def advance(who: int, task: str, success: bool) -> None:
        verdict = "resolved" if success else "failed"
        progress.advance(1, f"agent {who} {task}: {verdict}")

    def begin(total: int) -> None:  # shown once the request is known to be good
        progress.set_total(total)
        progress.start()

    try:
        result = certify_run(RunDir.open(run_dir), agent, tasks, workers, advance, begin)
    finally:
        progress.stop()
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2))
        return
    out = Console()
    out.print(_summary(result))
    out.print(
        f"graded now: {result.graded_now}, reused from earlier certifications: "
        f"{result.reused}, cost ${result.cost_usd:.4f}"
    )


def register(app: typer.Typer) -> None:
    """Add `certify` to the `hgm` app."""
    app.command(name="certify")(certify_command)
