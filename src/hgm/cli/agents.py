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
    mean = "" if record.mean is None else f", mean {record.mean:.3f}"
    low, high = record.interval
    return f"{record.successes} of {n} evaluations succeeded{mean}, [{low:.3f}, {high:.3f}]"


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
        for column in ("job", "task", "success", "cost"):
            table.add_column(column)
        for row in report.evaluations[-SHOWN_EVALUATIONS:]:
            result = "[green]resolved[/]" if row["success"] else "[red]failed[/]"
            if row["tampered"]:
                result = "[bold red]tampered[/]"
            elif row["suspicious"]:
                result += f" ({len(row['suspicious'])} suspicious)"
            table.add_row(str(row["job"]), escape(row["task"]), result, f"${row['cost_usd']:.4f}")
        parts.append(table)
        parts.append("a job's LLM calls: hgm llm calls RUN_DIR JOB")
    if report.certifications:
        resolved = sum(1 for row in report.certifications if row["success"])
        parts.append(
            f"certified: {resolved} of {len(report.certifications)} held-out tasks resolved "
            "(see hgm certify)"
        )
    return Group(*parts)


AGENT_HELP = "an agent id (see hgm tree), `best` (the agent the run ships) or `root`"


def resolve_agent(value: str, directory: RunDir) -> int:
    """An agent id from `AGENT`: digits, `best` (the run's [select] rule) or `root`."""
    word = value.strip().lower()
    if word.isdigit():
        return int(word)
    if word not in ("best", "root"):
        raise UserError(f"AGENT {value!r} is not allowed: give an agent id, best or root")
    from hgm.runconfig.facts import read_run_facts
    from hgm.runconfig.status import shipped_agent

    facts = read_run_facts(directory.config_path)
    with RunStore.open_for_reading(directory.db_path) as store:
        found = shipped_agent(store.connection, facts.rule, facts.epsilon)
        root = store.connection.execute("SELECT min(id) FROM agents").fetchone()[0]
    if found is None or root is None:
        raise UserError(f"{directory.path}: the run has no agents yet")
    return found.agent if word == "best" else int(root)


def show(
    run_dir: Path = typer.Argument(..., help="the run directory"),
    agent: str = typer.Argument(..., help=AGENT_HELP),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object for scripts"),
) -> None:
    """Show one agent: lineage, own and clade results, what it was made from, its cost.

    Its evaluations list their job ids: `hgm llm calls RUN_DIR JOB` shows a job's LLM calls.

    Examples:

    ```
    hgm show runs/quickstart best
    hgm show runs/quickstart 0 --json
    ```
    """
    directory, config = _open(run_dir)
    agent_id = resolve_agent(agent, directory)
    with RunStore.open_for_reading(directory.db_path) as store:
        db = store.connection
        report = agent_report(
            directory, config, db, store.tree(), agent_id, certification_rows(db, agent_id)
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
    agent: str = typer.Argument(..., help=AGENT_HELP),
    against: str | None = typer.Option(
        None, "--against", help="PARENT (default), ROOT or another agent id"
    ),
    as_json: bool = typer.Option(
        False, "--json", help="one JSON object: agent, against, files changed, the diff"
    ),
) -> None:
    """Print the unified diff that made an agent (or against the root or any agent).

    Examples:

    ```
    hgm diff runs/quickstart best
    hgm diff runs/quickstart best --against ROOT
    hgm diff runs/quickstart 7 --json
    ```
    """
    directory, config = _open(run_dir)
    agent_id = resolve_agent(agent, directory)
    archive = open_archive(directory, config, "diff")
    with RunStore.open_for_reading(directory.db_path) as store:
        tree = store.tree()
    require_agent(tree, agent_id, run_dir)
    base = _against(against, tree, run_dir)
    text = archive.diff(agent_id, against=base)
    if not as_json:
        typer.echo(text, nl=False)
        return
    files = [
        line.split(" b/", 1)[-1] for line in text.splitlines() if line.startswith("diff --git ")
    ]
    record = {
        "agent": agent_id,
        "against": tree.parent(agent_id) if base is None else base,
        "files": files,
        "diff": text,
    }
    typer.echo(json.dumps(record, indent=2))


def export(
    run_dir: Path = typer.Argument(..., help="the run directory"),
    agent: str = typer.Argument(..., help=AGENT_HELP),
    dest: Path = typer.Argument(..., help="a new (or empty) directory for the agent's files"),
    as_json: bool = typer.Option(False, "--json", help="print what was written as one JSON object"),
) -> None:
    """Write an agent's files plus LINEAGE.json (parent chain, diffs, evaluations) to DEST.

    DEST can be the root of a new run: `[world.agent] source = "DEST"`.

    Examples:

    ```
    hgm export runs/quickstart best my-agent
    hgm export runs/quickstart 7 agent-7 --json
    ```
    """
    directory, config = _open(run_dir)
    agent_id = resolve_agent(agent, directory)
    archive = open_archive(directory, config, "export")
    with RunStore.open_for_reading(directory.db_path) as store:
        tree = store.tree()
        require_agent(tree, agent_id, run_dir)
        db = store.connection
        records: dict[int, dict[str, Any]] = {}
        for step in archive.lineage(agent_id):
            made = expansion_of(db, step)
            records[step] = {
                "admitted": step in tree,
                "expansion": made,
                "evaluations": evaluations_of(db, step),
                "certifications": certification_rows(db, step),
            }
    export_agent(archive, agent_id, dest, manifest_extra=records)
    if as_json:
        record = {"agent": agent_id, "dest": str(dest), "lineage": list(records)}
        typer.echo(json.dumps(record | {"manifest": str(dest / "LINEAGE.json")}, indent=2))
        return
    typer.echo(f"wrote agent {agent_id} ({len(records)} lineage steps) to {dest}")


def register(app: typer.Typer) -> None:
    """Add show, diff and export to the `hgm` app."""
    app.command()(show)
    app.command()(diff)
    app.command()(export)
