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
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hgm.errors import UserError
from hgm.evolve.certify import (
    Certification,
    certify,
    check_request,
    choose_tasks,
    open_certifier,
    refuse_tampered,
)
from hgm.evolve.certify_stats import DIFFERENCE_METHOD, RATE_METHOD, TEST_METHOD
from hgm.runconfig.agent_report import require_agent
from hgm.runconfig.config import read_run_config
from hgm.runconfig.status import best_agent
from hgm.store.run_dir import RunDir, RunLock
from hgm.store.run_store import RunStore
from hgm.store.schema import connect


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
    """Grade an agent and the root on held-out tasks: rates, their difference, 95% CIs."""
    directory = RunDir.open(run_dir)
    config, _ = read_run_config(directory.config_path)
    console = Console(stderr=True)
    check_request(config, tasks)
    with RunStore.open_for_reading(directory.db_path) as store:
        tree = store.tree()
        shipped = best_agent(store, config)
        if shipped is None:
            raise UserError(f"{run_dir}: the run has no agents yet")
        chosen = shipped.agent if agent is None else agent
        require_agent(tree, chosen, run_dir)
        root = tree.agents()[0]
        refuse_tampered(store.connection, chosen, root)
    with RunLock(directory.lock_path), open_certifier(config, directory, tree) as certifier:
        chosen_tasks = choose_tasks(certifier, tasks, config)
        total = len(chosen_tasks) * len({chosen, root})
        db = connect(directory.db_path)
        try:
            with Progress(
                TextColumn("certifying"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[last]}"),
                TimeElapsedColumn(),
                console=console,
                transient=as_json,
            ) as progress:
                bar = progress.add_task("certify", total=total, last="")

                def advance(who: int, task: str, success: bool) -> None:
                    verdict = "resolved" if success else "failed"
                    progress.update(bar, advance=1, last=escape(f"agent {who} {task}: {verdict}"))

                result = certify(
                    certifier,
                    db,
                    chosen,
                    root,
                    chosen_tasks,
                    tasks,
                    workers or config.run.workers,
                    advance,
                )
        finally:
            db.close()
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
