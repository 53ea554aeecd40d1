"""`hgm sandbox exec` and `hgm sandbox check`: run one command the way agents are run."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hgm.errors import UserError
from hgm.sandbox import (
    BACKEND_KINDS,
    Completed,
    Limits,
    Mount,
    check_backend,
    make_sandbox,
    parse_sandbox_config,
)

app = typer.Typer(
    help="Run commands in the sandbox agents use, to debug a set-up.", no_args_is_help=True
)


def _backend(kind: str) -> dict[str, str]:
    if kind not in BACKEND_KINDS:
        raise UserError(f"--backend {kind!r} is not one of: {', '.join(BACKEND_KINDS)}")
    return {"kind": kind}


def _env(pairs: list[str]) -> dict[str, str]:
    env: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise UserError(f"--env {pair!r}: expected NAME=VALUE")
        env[name] = value
    return env


def _mounts(specs: list[str]) -> tuple[Mount, ...]:
    mounts = []
    for spec in specs:
        parts = spec.split(":")
        if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] not in ("ro", "rw")):
            raise UserError(f"--mount {spec!r}: expected SOURCE:TARGET[:ro|rw]")
        writable = len(parts) == 3 and parts[2] == "rw"
        mounts.append(Mount(Path(parts[0]).resolve(), parts[1], writable))
    return tuple(mounts)


def _print(completed: Completed, console: Console) -> None:
    table = Table(show_header=False, box=None)
    table.add_row("exit code", str(completed.exit_code))
    table.add_row("killed", completed.killed.value)
    table.add_row("wall", f"{completed.wall_s:.3f} s")
    table.add_row("cpu", "?" if completed.cpu_s is None else f"{completed.cpu_s:.3f} s")
    peak = completed.peak_memory_mb
    table.add_row("peak memory", "?" if peak is None else f"{peak:.1f} MiB")
    for key, value in completed.details.items():
        table.add_row(escape(key), escape(value))
    for title, text in (("stdout", completed.stdout_tail), ("stderr", completed.stderr_tail)):
        if text:
            console.rule(title)
            console.out(text, end="" if text.endswith("\n") else "\n", highlight=False)
    console.rule("result")
    console.print(table)


@app.command("exec")
def exec_command(
    command: list[str] = typer.Argument(..., help="the command, after --"),
    workdir: Path = typer.Option(..., help="the only writable directory (same path inside)"),
    backend: str = typer.Option("bubblewrap", help="bubblewrap, docker or unsafe-local"),
    timeout: float = typer.Option(600.0, help="wall-clock limit, seconds"),
    memory_mb: int | None = typer.Option(4096, help="memory limit, MiB"),
    cpu_s: float | None = typer.Option(None, help="CPU-time limit, seconds"),
    pids: int | None = typer.Option(256, help="process limit"),
    file_size_mb: int | None = typer.Option(1024, help="largest file it may write, MiB"),
    cwd: Path | None = typer.Option(None, help="start directory inside (default: workdir)"),
    env: list[str] = typer.Option([], help="NAME=VALUE to set inside (repeatable)"),
    mount: list[str] = typer.Option([], help="SOURCE:TARGET[:ro|rw] extra mount (repeatable)"),
    as_json: bool = typer.Option(False, "--json", help="print the result as JSON"),
) -> None:
    """Run CMD in a sandbox and print exit code, kill reason, times, memory and output tails.

    Examples:

    ```
    hgm sandbox exec --workdir /tmp/w -- python3 -c "print('hello')"
    hgm sandbox exec --workdir /tmp/w --timeout 5 --json -- sh -c "sleep 60"
    ```
    """
    config = parse_sandbox_config(_backend(backend), "--backend")
    limits = Limits(
        wall_s=timeout,
        cpu_s=cpu_s,
        memory_mb=memory_mb,
        pids=pids,
        file_size_mb=file_size_mb,
    )
    sandbox = make_sandbox(config)
    completed = sandbox.run(command, workdir.resolve(), _env(env), limits, _mounts(mount), cwd=cwd)
    if as_json:
        result = dataclasses.asdict(completed)
        result["killed"] = completed.killed.value
        typer.echo(json.dumps(result, indent=2))
    else:
        _print(completed, Console())


@app.command("check")
def check_command(
    backend: str = typer.Option("bubblewrap", help="bubblewrap, docker or unsafe-local"),
    as_json: bool = typer.Option(False, "--json", help="print the result as JSON"),
) -> None:
    """Say whether a sandbox backend works on this machine (how to fix it if not), and which
    mechanism enforces each limit.

    Examples:

    ```
    hgm sandbox check
    hgm sandbox check --backend docker --json
    ```
    """
    from hgm.sandbox.enforcement import limit_enforcement

    config = parse_sandbox_config(_backend(backend), "--backend")
    problem = check_backend(config)
    if problem is not None:
        raise UserError(f"sandbox backend {backend!r} is not usable: {problem}")
    rows = limit_enforcement(config)
    if as_json:
        limits = [dataclasses.asdict(row) for row in rows]
        typer.echo(json.dumps({"backend": backend, "ok": True, "limits": limits}, indent=2))
        return
    console = Console()
    console.print(escape(f"sandbox backend {backend!r}: ok"))
    table = Table(title="what enforces each limit here")
    for column in ("limit", "whole job", "mechanism"):
        table.add_column(column, overflow="fold")
    for row in rows:
        mark = "[green]yes[/]" if row.whole_job else "[yellow]no[/]"
        table.add_row(escape(row.limit), mark, escape(row.mechanism))
    console.print(table)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="sandbox")
