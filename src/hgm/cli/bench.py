"""`hgm bench`: list benchmarks, set up their dependencies, self-check one, fetch Polyglot."""

from __future__ import annotations

import fnmatch
import json
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hgm.cli.counted_progress import CountedProgress
from hgm.errors import UserError

if TYPE_CHECKING:
    from hgm.bench.types import Benchmark, Grade, Task

bench_app = typer.Typer(help="Benchmarks: list, set up, self-check, fetch Polyglot.")
STATUS_COLOURS = {"ok": "green", "no-signal": "yellow", "missing-dependency": "yellow"}


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


def _every_task_benchmark(name: str, path: Path | None, languages: str | None) -> Benchmark:
    """The benchmark with every task, the no-signal ones included where it has such."""
    from hgm.bench.registry import accepts_option, make_benchmark

    options: dict[str, object] = {}
    if languages is not None and accepts_option(name, "languages"):
        options["languages"] = languages
    if accepts_option(name, "include_no_signal"):
        options["include_no_signal"] = True
    return make_benchmark(name, path=path, **options)


def _select(tasks: list[Task], chosen: frozenset[str] | None, globs: str | None) -> list[Task]:
    patterns = [g.strip() for g in (globs or "").split(",") if g.strip()]
    return [
        task
        for task in tasks
        if (chosen is None or task.language in chosen)
        and (not patterns or any(fnmatch.fnmatchcase(task.id, g) for g in patterns))
    ]


class CheckProgress:
    """Grades counted as they come (hgm.cli.counted_progress), with the reference solutions
    that did not resolve so far."""

    def __init__(self, console: Console, name: str, total: int) -> None:
        self.problems = 0
        self._lock = threading.Lock()
        self._progress = CountedProgress(
            console,
            f"bench check {name}",
            "grades",
            total,
            transient=False,
            note=lambda: f"{self.problems} references unresolved so far",
        )

    def __enter__(self) -> CheckProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def graded(self, task: Task, kind: str, grade: Grade | None) -> None:
        with self._lock:
            reference_failed = kind == "reference" and grade is not None and not grade.resolved
            self.problems += int(reference_failed)
        self._progress.advance(1, f"{task.id} {kind}")


@bench_app.command("check")
def check(
    name: str = typer.Argument(..., help="benchmark name (see `hgm bench list`)"),
    path: Path | None = typer.Option(None, "--path", help="task directory instead of the default"),
    languages: str | None = typer.Option(None, "--languages", help="comma list, e.g. python,rust"),
    tasks_glob: str | None = typer.Option(
        None, "--tasks", help="task ids or globs, comma separated, e.g. 'rust/*,go/bowling'"
    ),
    json_path: Path | None = typer.Option(
        None, "--json", help="write the results as JSON to this file (`-`: stdout)"
    ),
    workers: int = typer.Option(min(2, os.cpu_count() or 1), "--workers", min=1),
) -> None:
    """Self-test: every reference solution must resolve and every untouched stub must not.

    Tasks end as ok, no-signal (the stub passes, or there are no tests), missing-dependency
    (with the fix) or failed (with the cause); the exit code is 1 only for failed tasks.

    Examples:

    ```
    hgm bench check exercises --languages python,go
    hgm bench check polyglot --tasks 'rust/*,go/bowling'
    hgm bench check exercises --path ~/my-tasks --json check.json
    hgm bench check textkit --json - | jq .ok
    ```
    """
    from hgm.bench.check import STATUSES, check_benchmark, summarize
    from hgm.bench.exercises import parse_languages
    from hgm.bench.runners import toolchain_status

    chosen = parse_languages(languages)
    benchmark = _every_task_benchmark(name, path, languages)
    tasks = _select(benchmark.tasks(), chosen, tasks_glob)
    if not tasks:
        raise UserError(
            f"benchmark {name!r} has no tasks for languages {languages or '(all)'}"
            + (f" matching --tasks {tasks_glob!r}" if tasks_glob else "")
        )
    to_stdout = json_path is not None and str(json_path) == "-"
    console = Console(stderr=to_stdout, highlight=False)  # stdout carries only the JSON then
    toolchains = toolchain_status()
    for language in sorted({t.language for t in tasks}):
        if toolchains.get(language):
            console.print(
                f"[yellow]{escape(language)}: toolchain missing[/]: {escape(toolchains[language])}"
            )
    started = time.perf_counter()
    with CheckProgress(console, name, 2 * len(tasks)) as progress:
        checks = check_benchmark(benchmark, tasks, workers, progress.graded)
    wall = time.perf_counter() - started
    per_language = summarize(checks)
    columns = ("tasks", *STATUSES, "canaries", "tampered")
    table = Table("language", *columns, title=f"bench check {name}")
    for language, row in per_language.items():
        table.add_row(escape(language), *(str(row[key]) for key in columns))
    console.print(table)
    for item in checks:
        if item.status != "ok" or item.problem:
            colour = STATUS_COLOURS.get(item.status, "red")
            label = item.status + (f" ({item.cause})" if item.cause else "")
            console.print(
                f"[{colour}]{escape(label)}[/] " + escape(f"{item.task.id}: {item.problem}")
            )
    failed = [c for c in checks if c.status == "failed"]
    counts = {status: sum(1 for c in checks if c.status == status) for status in STATUSES}
    console.print(
        f"{counts['ok']} ok, {counts['no-signal']} no-signal, "
        f"{counts['missing-dependency']} missing-dependency, {counts['failed']} failed "
        f"of {len(checks)} tasks in {wall:.1f} s"
    )
    if json_path is not None:
        report = {
            "benchmark": name,
            "tasks": len(checks),
            "ok": counts["ok"],
            "counts": counts,
            "failed": [c.task.id for c in failed],
            "per_language": per_language,
            "toolchains": toolchains,
            "workers": workers,
            "wall_s": round(wall, 2),
            "load_average": list(os.getloadavg()),
            "results": [c.as_json() for c in checks],
        }
        text = json.dumps(report, indent=2) + "\n"
        if to_stdout:
            typer.echo(text, nl=False)
        else:
            json_path.write_text(text)
    if failed:
        raise typer.Exit(1)


@bench_app.command("setup")
def setup(
    name: str = typer.Argument(..., help="benchmark name (see `hgm bench list`)"),
    path: Path | None = typer.Option(None, "--path", help="task directory instead of the default"),
    languages: str | None = typer.Option(None, "--languages", help="comma list, e.g. rust,java"),
) -> None:
    """Prepare once, on this machine, what the benchmark's tests need offline: Rust crates,
    Java jars, a warm Go build cache, a prebuilt Catch2 main; checks Boost.

    Needs the network once (crates.io, Maven Central, the Go module proxy); grading is
    offline afterwards. Exit code 1 when something is still missing (each named).

    Examples:

    ```
    hgm bench setup polyglot
    hgm bench setup exercises --languages rust,java
    ```
    """
    from hgm.bench.deps.setup import setup_exercises, still_missing

    benchmark = _every_task_benchmark(name, path, languages)
    exercise_of = getattr(benchmark, "exercise", None)
    if exercise_of is None:
        raise UserError(f"benchmark {name!r} has nothing to set up (no Exercism-layout tasks)")
    exercises = [exercise_of(task.id) for task in benchmark.tasks()]
    console = Console(highlight=False)
    steps = setup_exercises(exercises, lambda text: console.print(f"setup: {escape(text)}"))
    table = Table("component", "status", "detail", title=f"bench setup {name}")
    for step in steps:
        status = "[green]ok[/]" if step.ok else "[red]missing[/]"
        table.add_row(escape(step.name), status, escape(step.detail))
    console.print(table)
    left = still_missing(exercises, f"hgm bench setup {name}")
    for task_id, missing in left.items():
        console.print(
            "[yellow]missing-dependency[/] " + escape(f"{task_id}: {'; '.join(map(str, missing))}")
        )
    if left:
        console.print(f"{len(left)} task(s) will grade as missing-dependency until fixed")
        raise typer.Exit(1)
    console.print(f"{name}: every dependency is in place")


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
    typer.echo("next: `hgm bench setup polyglot` prepares its dependencies (needs network once)")


def register(app: typer.Typer) -> None:
    app.add_typer(bench_app, name="bench")
