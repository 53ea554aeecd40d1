"""`hgm status`, `hgm tree`, `hgm results`: read a run directory, never write to it.

They start fast (benchmarks/bench_readonly.py): numpy, scipy and pydantic load only for
`tree --json`/`--dot` and for a selection rule `hgm.store.shipped` does not compute.
"""

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
from hgm.runconfig.facts import read_run_facts
from hgm.runconfig.status import RunStatus, read_status, shipped_agent
from hgm.store.agent_counts import read_agents
from hgm.store.queries import ResultRow
from hgm.store.run_dir import RunDir
from hgm.store.run_store import RunStore
from hgm.store.tampering import tampered_by_agent

RESULT_FIELDS = (
    "agent",
    "task",
    "success",
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
            where = f" on node {job.node}" if job.node else ""
            table.add_row("", escape(f"job {job.job}: {what}{where} (since {job.since:.1f})"))
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
    for index, change in enumerate(status.config_changes):
        table.add_row("config edits" if index == 0 else "", escape(change))
    if status.state in ("crashed", "interrupted", "paused"):
        table.add_row("next", escape(f"hgm resume {status.run_dir}"))
    return table


def status(
    run_dir: Path = typer.Argument(..., help="the run directory"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object for scripts"),
) -> None:
    """Show a run's state, budget used, agents and the agent it would ship.

    Works while the run is driven (live), after it ended and on a copied run; the state
    says what to do next (docs/runs.md, "States and resume").

    Examples:

    ```
    hgm status runs/quickstart
    hgm status runs/quickstart --json
    ```
    """
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
    """Print the tree of agents with own and clade results; the shipped agent is marked.

    "own 7 of 15" is 7 successes in the agent's 15 evaluations; "clade" counts the agent
    and all its descendants; "failed expansions" are self-modifications that made no agent.

    Examples:

    ```
    hgm tree runs/quickstart
    hgm tree runs/quickstart --json
    hgm tree runs/quickstart --dot | dot -Tsvg > tree.svg
    ```
    """
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
    facts = read_run_facts(directory.config_path)
    with RunStore.open_for_reading(directory.db_path) as store:
        agents = read_agents(store.connection)
        best = shipped_agent(store.connection, facts.rule, facts.epsilon)
        tampered = tampered_by_agent(store.connection)
    if not agents:
        raise UserError(f"{run_dir}: the run has no agents yet")
    title = (
        f"run {facts.name}: {len(agents)} agents; own and clade results as successes of "
        f"evaluations; ★ shipped by {facts.rule}; tampered = grades that attacked their "
        "grading, counted as failures"
    )
    Console().print(render_tree(agents, None if best is None else best.agent, title, tampered))


def _write_rows(rows: list[ResultRow], fmt: ResultFormat, out: TextIO) -> None:
    records = [
        {
            field: row.result if field == "success" else getattr(row, field)
            for field in RESULT_FIELDS
        }
        for row in rows
    ]
    if fmt is ResultFormat.jsonl:
        for record in records:
            out.write(json.dumps(record) + "\n")
    else:
        writer = csv.DictWriter(out, fieldnames=RESULT_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(
            {
                **r,
                "success": int(bool(r["success"])),
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
    """Export one row per evaluation: agent, task, success, started, finished (and cost, job).

    Each row also says whether the grade was tampered, with its evidence and the
    suspicious constructs of the diff. Times are seconds on the engine's clock since the
    run began; `job` is the id that `hgm show` lists and `hgm llm calls` takes.

    Examples:

    ```
    hgm results runs/quickstart > results.jsonl
    hgm results runs/quickstart --format csv -o results.csv
    ```
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


def register(app: typer.Typer) -> None:
    """Add status, tree and results to the `hgm` app."""
    app.command()(status)
    app.command()(tree)
    app.command()(results)
