"""`hgm bench`: list benchmarks, self-check one, fetch Polyglot."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hgm.errors import UserError

bench_app = typer.Typer(help="Benchmarks: list them, self-check one, fetch Polyglot.")


@bench_app.command("list")
def list_benchmarks(
    as_json: bool = typer.Option(False, "--json", help="print one JSON array for scripts"),
) -> None:
    """Benchmarks, their task counts and languages (or why one is not available here),
    built-in or from an installed plugin (entry point group `hgm.benchmarks`).

    Examples:

    ```
    hgm bench list
    hgm bench list --json
    ```
    """
    from hgm.bench.registry import benchmark_sources, make_benchmark, shadowed_plugins

    rows = []
    for name, source in benchmark_sources().items():
        row = {"name": name, "source": source.describe(), "tasks": None, "languages": {}}
        try:
            tasks = make_benchmark(name).tasks()
        except UserError as error:
            rows.append({**row, "note": f"not available: {error}"})
            continue
        counts: dict[str, int] = {}
        for task in tasks:
            counts[task.language] = counts.get(task.language, 0) + 1
        rows.append({**row, "tasks": len(tasks), "languages": dict(sorted(counts.items()))})
    ignored = [
        f"{plugin.describe()} declares {plugin.name!r}, a built-in name: ignored"
        for plugin in shadowed_plugins()
    ]
    if as_json:
        typer.echo(json.dumps([{"note": "", **row} for row in rows], indent=1))
        return
    table = Table("benchmark", "tasks", "languages", "source", "note")
    for row in rows:
        languages = ", ".join(f"{lang} {n}" for lang, n in row["languages"].items())
        tasks = "-" if row["tasks"] is None else str(row["tasks"])
        table.add_row(
            row["name"],
            tasks,
            escape(languages or "-"),
            escape(row["source"]),
            escape(row.get("note", "")),
        )
    console = Console()
    console.print(table)
    for line in ignored:
        console.print(f"[yellow]note[/]: {escape(line)}")


@bench_app.command("check")
def check(
    name: str = typer.Argument(..., help="benchmark name (see `hgm bench list`)"),
    path: Path | None = typer.Option(None, "--path", help="task directory instead of the default"),
    languages: str | None = typer.Option(None, "--languages", help="comma list, e.g. python,rust"),
    json_path: Path | None = typer.Option(
        None, "--json", help="write the results as JSON to this file (`-`: stdout)"
    ),
    workers: int = typer.Option(min(2, os.cpu_count() or 1), "--workers", min=1),
) -> None:
    """Self-test: every reference solution must resolve and every untouched stub must not.

    Exit code 1 when a task fails the self-test (each failure is named).

    Examples:

    ```
    hgm bench check exercises --languages python,go
    hgm bench check exercises --path ~/my-tasks --json check.json
    hgm bench check textkit --json - | jq .ok
    ```
    """
    from hgm.bench.check import check_benchmark, summarize
    from hgm.bench.exercises import parse_languages
    from hgm.bench.registry import make_benchmark
    from hgm.bench.runners import toolchain_status

    chosen = parse_languages(languages)
    benchmark = make_benchmark(name, path=path)
    tasks = [t for t in benchmark.tasks() if chosen is None or t.language in chosen]
    if not tasks:
        raise UserError(f"benchmark {name!r} has no tasks for languages {languages or '(all)'}")
    to_stdout = json_path is not None and str(json_path) == "-"
    console = Console(stderr=to_stdout)  # stdout carries only the JSON then
    toolchains = toolchain_status()
    for language in sorted({t.language for t in tasks}):
        if toolchains.get(language):
            console.print(
                f"[yellow]{escape(language)}: toolchain missing[/]: {escape(toolchains[language])}"
            )
    started = time.perf_counter()
    with Progress(
        TextColumn(f"checking {name}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        bar = progress.add_task("grades", total=2 * len(tasks))
        checks = check_benchmark(benchmark, tasks, workers, lambda: progress.advance(bar))
    wall = time.perf_counter() - started
    table = Table("language", "tasks", "ok", "failed", title=f"bench check {name}")
    per_language = summarize(checks)
    for language, row in per_language.items():
        table.add_row(escape(language), str(row["tasks"]), str(row["ok"]), str(row["failed"]))
    console.print(table)
    failures = [c for c in checks if not c.ok]
    for failure in failures:
        console.print("[red]FAIL[/] " + escape(f"{failure.task.id}: {failure.problem}"))
    console.print(f"{len(checks) - len(failures)}/{len(checks)} tasks ok in {wall:.1f} s")
    if json_path is not None:
        report = {
            "benchmark": name,
            "tasks": len(checks),
            "ok": len(checks) - len(failures),
            "failed": [c.task.id for c in failures],
            "per_language": per_language,
            "toolchains": toolchains,
            "wall_s": round(wall, 2),
            "results": [c.as_json() for c in checks],
        }
        text = json.dumps(report, indent=2) + "\n"
        if to_stdout:
            typer.echo(text, nl=False)
        else:
            json_path.write_text(text)
    if failures:
        raise typer.Exit(1)


@bench_app.command("fetch")
def fetch(
    name: str = typer.Argument(..., help="what to fetch: polyglot"),
    url: str | None = typer.Option(None, "--url", help="git URL (default: upstream on GitHub)"),
    ref: str | None = typer.Option(None, "--ref", help="commit or tag (default: hgm's pin)"),
) -> None:
    """Clone a benchmark's task repository at a pinned commit into hgm's cache.

    Examples:

    ```
    hgm bench fetch polyglot
    hgm bench fetch polyglot --url file:///srv/mirrors/polyglot-benchmark --ref <commit>
    ```
    """
    from hgm.bench.polyglot import POLYGLOT_REF, POLYGLOT_URL, fetch_polyglot

    if name != "polyglot":
        raise UserError(f"cannot fetch {name!r}; fetchable benchmarks: polyglot")
    dest = fetch_polyglot(url or POLYGLOT_URL, ref or POLYGLOT_REF)
    typer.echo(f"polyglot benchmark ready in {dest}")


def register(app: typer.Typer) -> None:
    app.add_typer(bench_app, name="bench")
