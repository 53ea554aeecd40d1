"""`hgm show`, `hgm diff`, `hgm export`: one agent of a run (they only read the run)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import typer
from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table

from hgm.archive import export as export_agent
from hgm.errors import UserError
from hgm.evolve.certify import certification_rows
from hgm.runconfig.agent_report import (
    AgentReport,
    Record,
    agent_report,
    evaluations_of,
    expansion_of,
    open_archive,
    require_agent,
)
from hgm.runconfig.config import RunConfig, read_run_config
from hgm.search.tree import Tree
from hgm.store.run_dir import RunDir
from hgm.store.run_store import RunStore

SHOWN_EVALUATIONS = 20
REASON_CHARS = 160


def _open(run_dir: Path) -> tuple[RunDir, RunConfig]:
    directory = RunDir.open(run_dir)
    config, _ = read_run_config(directory.config_path)
    return directory, config


def _short(text: str) -> str:
    """`text` on one line, cut to REASON_CHARS (the JSON output keeps all of it)."""
    line = " ".join(re.sub(r"-{3,}", " ", text).split())
    return line if len(line) <= REASON_CHARS else line[: REASON_CHARS - 3] + "..."


def _record_text(record: Record) -> str:
    n = record.successes + record.failures
    mean = "no evaluations" if record.mean is None else f"mean {record.mean:.3f}"
    low, high = record.interval
    return f"{record.successes}/{record.failures} (s/f), {mean} over {n}, [{low:.3f}, {high:.3f}]"


def _render(report: AgentReport) -> Group:
    facts = Table(title=f"agent {report.agent}", show_header=False, box=None)
    facts.add_column(style="bold")
    facts.add_column()
    facts.add_row("lineage", " -> ".join(str(a) for a in report.lineage))
    facts.add_row("children", ", ".join(str(c) for c in report.children) or "none")
    facts.add_row("own", _record_text(report.own))
    facts.add_row("clade", _record_text(report.clade))
    facts.add_row("interval", f"posterior Beta(1+s, 1+f), quantiles {report.epsilon:g}")
    for key, value in report.origin.items():
        shown = value if isinstance(value, str) else json.dumps(value)
        facts.add_row(escape(key.replace("_", " ")), escape(shown))
    cost = report.cost
    facts.add_row(
        "cost",
        f"${cost['total_usd']:.4f} (expansion ${cost['expansion_usd']:.4f}, "
        f"evaluations ${cost['evaluations_usd']:.4f})",
    )
    for role, usage in (cost["llm_by_role"] or {}).items():
        facts.add_row(
            f"llm {role}",
            f"{usage['calls']} calls, {usage['tokens']} tokens, ${usage['cost_usd']:.4f}",
        )
    if report.tampered:
        facts.add_row(
            "[red]tampered[/]",
            escape(f"{len(report.tampered)} grades (never counted as resolved; not certifiable)"),
        )
        for grade in report.tampered:
            facts.add_row("", escape(_short(grade.describe())))
    for failed in report.failed_expansions:
        facts.add_row(
            "failed expansion",
            escape(f"job {failed['job']} (child {failed['child']}): {_short(failed['reason'])}"),
        )
    parts: list[Any] = [facts]
    if report.evaluations:
        table = Table(title="evaluations (latest last)")
        for column in ("job", "task", "result", "cost"):
            table.add_column(column)
        for row in report.evaluations[-SHOWN_EVALUATIONS:]:
            result = "[green]resolved[/]" if row["success"] else "[red]failed[/]"
            if row["tampered"]:
                result = "[bold red]tampered[/]"
            elif row["suspicious"]:
                result += f" ({len(row['suspicious'])} suspicious)"
            table.add_row(str(row["job"]), escape(row["task"]), result, f"${row['cost_usd']:.4f}")
        parts.append(table)
    if report.certifications:
        resolved = sum(1 for row in report.certifications if row["success"])
        parts.append(
            f"certified: {resolved}/{len(report.certifications)} held-out tasks resolved "
            "(see hgm certify)"
        )
    return Group(*parts)


def show(
    run_dir: Path = typer.Argument(..., help="the run directory"),
    agent: int = typer.Argument(..., help="the agent id (see hgm tree)"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object for scripts"),
) -> None:
    """Show one agent: lineage, own and clade results, what it was made from, its cost."""
    directory, config = _open(run_dir)
    with RunStore.open_for_reading(directory.db_path) as store:
        db = store.connection
        report = agent_report(
            directory, config, db, store.tree(), agent, certification_rows(db, agent)
        )
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2, default=str))
    else:
        Console().print(_render(report))


def _against(value: str | None, tree: Tree, run_dir: Path) -> int | None:
    """`--against`: PARENT (default), ROOT or an agent id."""
    if value is None or value.upper() == "PARENT":
        return None
    if value.upper() == "ROOT":
        return tree.agents()[0]
    if not value.isdigit():
        raise UserError(f"--against {value!r} is not allowed: use PARENT, ROOT or an agent id")
    require_agent(tree, int(value), run_dir)
    return int(value)


def diff(
    run_dir: Path = typer.Argument(..., help="the run directory"),
    agent: int = typer.Argument(..., help="the agent id (see hgm tree)"),
    against: str | None = typer.Option(
        None, "--against", help="PARENT (default), ROOT or another agent id"
    ),
) -> None:
    """Print the unified diff that made an agent (or against the root or any agent)."""
    directory, config = _open(run_dir)
    archive = open_archive(directory, config, "diff")
    with RunStore.open_for_reading(directory.db_path) as store:
        tree = store.tree()
    require_agent(tree, agent, run_dir)
    base = _against(against, tree, run_dir)
    typer.echo(archive.diff(agent, against=base), nl=False)


def export(
    run_dir: Path = typer.Argument(..., help="the run directory"),
    agent: int = typer.Argument(..., help="the agent id (see hgm tree)"),
    dest: Path = typer.Argument(..., help="a new (or empty) directory for the agent's files"),
) -> None:
    """Write an agent's files plus LINEAGE.json (parent chain, diffs, evaluations) to DEST."""
    directory, config = _open(run_dir)
    archive = open_archive(directory, config, "export")
    with RunStore.open_for_reading(directory.db_path) as store:
        tree = store.tree()
        require_agent(tree, agent, run_dir)
        db = store.connection
        records: dict[int, dict[str, Any]] = {}
        for step in archive.lineage(agent):
            made = expansion_of(db, step)
            records[step] = {
                "admitted": step in tree,
                "expansion": made,
                "evaluations": evaluations_of(db, step),
                "certifications": certification_rows(db, step),
            }
    export_agent(archive, agent, dest, manifest_extra=records)
    typer.echo(f"wrote agent {agent} ({len(records)} lineage steps) to {dest}")


def register(app: typer.Typer) -> None:
    """Add show, diff and export to the `hgm` app."""
    app.command()(show)
    app.command()(diff)
    app.command()(export)
