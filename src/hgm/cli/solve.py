"""`hgm solve`: one agent version on one benchmark task, through the real sandbox and gateway."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hgm.errors import UserError
from hgm.evolve.agent_dir import SEED_AGENT_DIR
from hgm.evolve.agent_task import AgentLimits
from hgm.evolve.records import Evaluation
from hgm.evolve.solve import PROVIDERS, solve_gateway_config, solve_task
from hgm.llm.config import DEFAULT_MAX_TOKENS, no_key
from hgm.sandbox import BACKEND_KINDS, parse_sandbox_config


def _limits(timeout: float, max_steps: int) -> AgentLimits:
    if not timeout > 0:
        raise UserError(f"--timeout must be > 0 seconds (given: {timeout:g})")
    if max_steps < 1:
        raise UserError(f"--max-steps must be at least 1 (given: {max_steps})")
    return AgentLimits(wall_s=timeout, grace_s=min(15.0, timeout / 10), max_steps=max_steps)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _print(evaluation: Evaluation, console: Console) -> None:
    grade, run = evaluation.grade, evaluation.run
    passed = sum(1 for outcome in grade.tests if outcome.passed)
    stats = run.diff_stats
    verdict = "[bold green]resolved[/]" if grade.resolved else "[bold red]not resolved[/]"
    if grade.tampered:
        verdict = "[bold red]TAMPERED[/] (not resolved)"
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    table.add_row("task", escape(evaluation.task))
    table.add_row("result", verdict)
    table.add_row("tests", f"{passed}/{len(grade.tests)} passed")
    if grade.error:
        table.add_row("grading", escape(grade.error))
    if grade.dropped_files:
        dropped = ", ".join(grade.dropped_files)
        table.add_row("dropped", escape(f"{dropped} (not solution files)"))
    for line in grade.tamper_evidence:
        table.add_row("tampering", escape(line))
    for line in grade.suspicious:
        table.add_row("suspicious", escape(line))
    changed = f"{_count(stats.files, 'file')}, +{stats.added} -{stats.removed}"
    table.add_row("diff", changed if run.diff else escape(run.diff_error or "empty"))
    if run.diff_omitted_count:
        left_out = ", ".join(f"{o.path} ({o.bytes} bytes, {o.reason})" for o in run.diff_omitted)
        more = run.diff_omitted_count - len(run.diff_omitted)
        table.add_row("left out", escape(left_out + (f" and {more} more" if more else "")))
    process = run.process
    stopped = run.stop_reason or "(no result.json)"
    table.add_row(
        "agent", escape(f"{stopped}; exit {process.exit_code}, killed: {process.killed.value}")
    )
    usage = run.usage
    calls = _count(usage.calls, "call")
    table.add_row("llm", f"{calls}, {usage.tokens} tokens, ${usage.cost_usd:.4f}")
    table.add_row(
        "time",
        f"{evaluation.wall_s:.1f} s (agent {process.wall_s:.1f} s, tests "
        f"{evaluation.test_s:.1f} s, harness {evaluation.overhead_s * 1000:.0f} ms)",
    )
    table.add_row("trajectory", escape(str(run.trajectory)))
    table.add_row("record", escape(str(run.job_dir / "record.json")))
    console.print(table)


def solve(
    bench: str = typer.Option(..., help="benchmark name (see `hgm bench list`)"),
    task: str = typer.Option(..., help="task id, e.g. python/bracket-depth"),
    agent: Path = typer.Option(SEED_AGENT_DIR, help="agent directory (default: the seed agent)"),
    path: Path | None = typer.Option(None, help="the benchmark's task directory or file"),
    provider: str = typer.Option("openai", help=f"one of: {', '.join(PROVIDERS)}"),
    model: str | None = typer.Option(None, help="model name (required except for scripted)"),
    script: Path | None = typer.Option(None, help="script file for --provider scripted"),
    base_url: str | None = typer.Option(None, help="provider endpoint (OpenAI-compatible...)"),
    api_key_env: str | None = typer.Option(
        None, help='environment variable holding the key; "" for a server without keys'
    ),
    max_tokens: int = typer.Option(
        DEFAULT_MAX_TOKENS, "--max-tokens", help="the longest reply per model call (tokens)"
    ),
    timeout: float = typer.Option(1800.0, help="agent wall clock, seconds (hard kill)"),
    max_steps: int = typer.Option(50, help="LLM calls the agent may make"),
    sandbox: str = typer.Option("bubblewrap", help=f"one of: {', '.join(BACKEND_KINDS)}"),
    out: Path = typer.Option(Path("hgm-solve"), help="run.db and artifacts/<job>/ go here"),
    json_output: bool = typer.Option(False, "--json", help="print the full record as JSON"),
) -> None:
    """Run one agent version on one task in the sandbox through the gateway, then grade it."""
    if sandbox not in BACKEND_KINDS:
        raise UserError(f"--sandbox {sandbox!r} is not one of: {', '.join(BACKEND_KINDS)}")
    keyless = api_key_env is not None and no_key(api_key_env)
    if max_tokens < 16:
        raise UserError(f"--max-tokens must be at least 16 (given: {max_tokens})")
    config = solve_gateway_config(
        provider, model, script, base_url, None if keyless else api_key_env, keyless, max_tokens
    )
    limits = _limits(timeout, max_steps)
    console = Console(stderr=json_output)
    with console.status(escape(f"solving {task} with {agent} ...")):
        evaluation = solve_task(
            agent, bench, task, config, out, limits, parse_sandbox_config({"kind": sandbox}), path
        )
    if json_output:
        typer.echo(json.dumps(evaluation.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print(evaluation, console)


def register(app: typer.Typer) -> None:
    app.command("solve")(solve)
