"""`hgm llm check` (probe each role's provider) and `hgm llm calls` (a job's recorded calls)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hgm.errors import UserError
from hgm.llm.config import ROLES, Role, load_gateway_config

if TYPE_CHECKING:
    from hgm.llm.preflight import RoleCheck

app = typer.Typer(
    help="The LLM gateway: check providers, read recorded calls.", no_args_is_help=True
)


def _roles(given: list[str]) -> list[Role]:
    unknown = [role for role in given if role not in ROLES]
    if unknown:
        raise UserError(f"--role {unknown[0]!r} is not one of: {', '.join(ROLES)}")
    return [role for role in ROLES if role in given]


def _check_json(check: RoleCheck) -> dict[str, Any]:
    data = dataclasses.asdict(check)
    data.update(dataclasses.asdict(check.facts), ok=check.ok)
    del data["facts"]
    return data


def _check_table(checks: list[RoleCheck]) -> Table:
    table = Table(
        "role", "provider", "model", "status", "latency", "tokens", "cost $", "window", "tools",
        "answer or problem",
    )  # fmt: skip
    for c in checks:
        facts = c.facts
        status = "-" if not c.status else str(c.status)
        window = "?" if facts.context_window is None else str(facts.context_window)
        tools = c.tools if c.tools == "not probed" else f"{c.tools} -> {facts.tool_protocol}"
        table.add_row(
            facts.role,
            escape(facts.provider),
            escape(facts.model),
            f"[green]{status}[/]" if c.ok else f"[red]{status}[/]",
            f"{c.latency_s:.2f} s",
            f"{c.input_tokens}+{c.output_tokens}",
            f"{c.cost_usd:.6f}",
            escape(f"{window} ({facts.window_source or 'unknown'})"),
            escape(tools),
            escape(c.answer) if c.ok else f"[red]{escape(c.problem)}[/]",
        )
    return table


@app.command()
def check(
    config: Path = typer.Argument(..., help="gateway config TOML, or a run config with [llm]"),
    role: list[str] = typer.Option([], "--role", help="only these roles (repeatable)"),
    as_json: bool = typer.Option(False, "--json", help="print the results as JSON"),
) -> None:
    """Prove each role's model works: model name, context window, a chat call, tool calls."""
    from hgm.llm.preflight import check_models, problems

    checks = check_models(load_gateway_config(config), _roles(role) or None)
    if as_json:
        typer.echo(json.dumps([_check_json(c) for c in checks], indent=2))
    else:
        Console().print(_check_table(checks))
    found = problems(checks)
    if found:
        raise UserError("\n".join(found))


def _short(value: Any, width: int = 70) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


@app.command()
def calls(
    run_db: Path = typer.Argument(..., help="the run's run.db"),
    job: str = typer.Argument(..., help="job id"),
    as_json: bool = typer.Option(False, "--json", help="print every call in full as JSON"),
) -> None:
    """Every LLM call a job made, in order: the authoritative trajectory."""
    from hgm.llm.recording import calls_for_job

    if not run_db.is_file():
        raise UserError(f"{run_db}: no such run database")
    records = calls_for_job(run_db, job)
    if as_json:
        typer.echo(json.dumps([dataclasses.asdict(r) for r in records], indent=2))
        return
    if not records:
        raise UserError(f"{run_db}: no LLM calls recorded for job {job!r}")
    table = Table("#", "status", "tokens", "cost $", "latency", "last message", "answer")
    for index, r in enumerate(records, 1):
        last = (r.request.get("messages") or [{}])[-1]
        message = (r.response or {}).get("choices", [{}])[0].get("message", {})
        answer = (
            message.get("content") or message.get("tool_calls") or (r.error or {}).get("message")
        )
        table.add_row(
            str(index),
            escape(r.status),
            f"{r.input_tokens}+{r.output_tokens}",
            f"{r.cost_usd:.6f}",
            f"{r.latency_s:.2f} s",
            escape(_short(last.get("content") or "")),
            escape(_short(answer or "")),
        )
    Console().print(table)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="llm")
