"""`hgm status`, `hgm tree`, `hgm results`: read a run directory, never write to it."""

from __future__ import annotations

import csv
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TextIO

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hgm.cli.tree_view import render_tree
from hgm.errors import UserError
from hgm.runconfig.config import read_run_config
from hgm.runconfig.status import RunStatus, best_agent, read_status
from hgm.store.queries import ResultRow
from hgm.store.run_dir import RunDir
from hgm.store.run_store import RunStore
from hgm.store.tampering import tampered_by_agent

RESULT_FIELDS = (
    "agent",
    "task",
    "result",
    "started",
    "finished",
    "cost_usd",
    "job",
    "tampered",
    "tamper_evidence",
    "suspicious",
)
LIST_SEPARATOR = " | "  # joins tamper_evidence and suspicious lines in a CSV cell


class ResultFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


def _status_table(status: RunStatus) -> Table:
    table = Table(title=escape(f"run {status.name}"), show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    state = (
        status.state if status.finish_reason is None else f"{status.state} ({status.finish_reason})"
    )
    table.add_row("state", escape(state))
    if status.finish_detail:
        table.add_row("why", escape(status.finish_detail))
    table.add_row(
        "evaluations",
        f"{status.task_evals_done} done, {status.task_evals_started} started "
        f"/ {status.budget_task_evals} budget",
    )
    table.add_row("agents", str(status.agents))
    table.add_row("expansions", f"{status.expansions} ({status.failed_expansions} failed)")
    table.add_row("unfinished jobs", str(status.jobs_unfinished))
    if status.state == "running":
        table.add_row("workers busy", f"{len(status.running)} / {status.workers}")
        for job in status.running:
            what = (
                f"expand {job.agent} -> {job.child}"
                if job.kind == "expand"
                else f"evaluate {job.agent} on {job.task}"
            )
            table.add_row("", escape(f"job {job.job}: {what} (since {job.since:.1f})"))
    table.add_row("money", f"${status.money_usd:.2f}")
    if status.tampered_grades:
        agents = ", ".join(
            f"{a.agent} ({a.search} search"
            + (f", {a.certification} certification" if a.certification else "")
            + ")"
            for a in status.tampered_agents
        )
        table.add_row(
            "[red]tampered[/]",
            escape(f"{status.tampered_grades} grades, by agents {agents} (see hgm show)"),
        )
    if status.best is not None:
        best = status.best
        table.add_row(
            "best",
            f"agent {best.agent}: mean {best.mean:.3f} over {best.evaluations}, "
            f"interval [{best.interval[0]:.3f}, {best.interval[1]:.3f}] ({best.rule})",
        )
    if status.state in ("crashed", "interrupted", "paused"):
        table.add_row("next", escape(f"hgm resume {status.run_dir}"))
    return table


def status(
    run_dir: Path = typer.Argument(..., help="the run directory"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object for scripts"),
) -> None:
    """Show a run's state, budget used, agents and the agent it would ship."""
    current = read_status(run_dir)
    if as_json:
        typer.echo(json.dumps(current.to_json(), indent=2))
    else:
        Console().print(_status_table(current))


def tree(
    run_dir: Path = typer.Argument(..., help="the run directory"),
    as_json: bool = typer.Option(
        False, "--json", help="one JSON object: every agent, its counts, colour value, failures"
    ),
    as_dot: bool = typer.Option(False, "--dot", help="Graphviz text (`dot -Tsvg`)"),
) -> None:
    """Print the tree of agents with own and clade successes/failures; the best is marked."""
    if as_json and as_dot:
        raise UserError("--json and --dot are alternatives: give one of them")
    if as_json or as_dot:
        from hgm.ui.bundle import tree_dot, tree_json
        from hgm.ui.model import RunModel
        from hgm.ui.source import opened

        with opened(run_dir) as source:
            model = RunModel(source)
            model.refresh()
            if len(model.tree) == 0:
                raise UserError(f"{run_dir}: the run has no agents yet")
            if as_dot:
                typer.echo(tree_dot(source, model), nl=False)
            else:
                typer.echo(json.dumps(tree_json(source, model), indent=1))
        return
    directory = RunDir.open(run_dir)
    config, _ = read_run_config(directory.config_path)
    with RunStore.open_for_reading(directory.db_path) as store:
        agents = store.tree()
        best = best_agent(store, config)
        tampered = tampered_by_agent(store.connection)
    if len(agents) == 0:
        raise UserError(f"{run_dir}: the run has no agents yet")
    title = (
        f"run {config.run.name}: {len(agents)} agents "
        "(s/f = successes/failures; failed = failed expansions in the clade; "
        "tampered = grades that attacked their grading, counted as failures)"
    )
    Console().print(render_tree(agents, None if best is None else best.agent, title, tampered))


def _write_rows(rows: list[ResultRow], fmt: ResultFormat, out: TextIO) -> None:
    records = [{field: getattr(row, field) for field in RESULT_FIELDS} for row in rows]
    if fmt is ResultFormat.jsonl:
        for record in records:
            out.write(json.dumps(record) + "\n")
    else:
        writer = csv.DictWriter(out, fieldnames=RESULT_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(
            {
                **r,
                "result": int(bool(r["result"])),
                "tampered": int(bool(r["tampered"])),
                "tamper_evidence": LIST_SEPARATOR.join(r["tamper_evidence"]),
                "suspicious": LIST_SEPARATOR.join(r["suspicious"]),
            }
            for r in records
        )


def results(
    run_dir: Path = typer.Argument(..., help="the run directory"),
    fmt: ResultFormat = typer.Option(ResultFormat.jsonl, "--format", help="jsonl or csv"),
    output: Path | None = typer.Option(None, "--output", "-o", help="write here, not stdout"),
) -> None:
    """Export one row per evaluation: agent, task, result, started, finished (and cost, job).

    Each row also says whether the grade was tampered, with its evidence and the
    suspicious constructs of the diff.
    """
    directory = RunDir.open(run_dir)
    with RunStore.open_for_reading(directory.db_path) as store:
        rows = list(store.results())
    if output is None:
        _write_rows(rows, fmt, sys.stdout)
        return
    try:
        with output.open("w", encoding="utf-8", newline="") as out:
            _write_rows(rows, fmt, out)
    except OSError as error:
        raise UserError(f"{output}: cannot write results ({error.strerror})") from error
    typer.echo(f"wrote {len(rows)} evaluations to {output}", err=True)
