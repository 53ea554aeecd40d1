"""`hgm run` and `hgm resume`: drive a run with live progress; Ctrl-C stops it resumably."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.live import Live
from rich.markup import escape

from hgm.cli.progress import RunProgress
from hgm.engine.engine import RunSummary
from hgm.engine.registry import executor_backend
from hgm.errors import UserError
from hgm.runconfig.config import RunConfig, read_run_config
from hgm.runconfig.drive import (
    check_resume_set_up,
    check_set_up,
    driving,
    resumable,
    stop_on_signals,
)
from hgm.runconfig.executor import LocalExecutorSection
from hgm.runconfig.real_world import RealWorldSection
from hgm.store.failures import database_errors
from hgm.store.run_dir import RunDir

if TYPE_CHECKING:
    from hgm.runconfig.drive import Models

DEFAULT_RUNS_DIR = Path("runs")
STOPPED_EXIT_CODE = 130
PAUSED_EXIT_CODE = 75  # EX_TEMPFAIL (sysexits.h): a temporary failure, retry later


def _drive(directory: RunDir, models: Models | None, as_json: bool) -> None:
    console = Console(stderr=True)
    shown = False
    try:
        with (
            database_errors(directory.db_path),
            driving(directory, models) as drive,
            Live(console=console, refresh_per_second=4) as live,
        ):
            shown = True
            progress = RunProgress(drive.config, live)
            with stop_on_signals(drive.switch):
                summary = drive.run(
                    (progress,),
                    lambda engine: progress.bind(
                        engine.tree, drive.prepared.state, drive.cheaters()
                    ),
                )
    except KeyboardInterrupt:  # the second Ctrl-C: the store has recorded the abort
        _after_live(console)
        console.print(escape(f"aborted; continue with: hgm resume {directory.path}"))
        raise typer.Exit(STOPPED_EXIT_CODE) from None
    except UserError:
        if shown:
            _after_live(console)  # the message goes on a line of its own
        raise
    _report(console, directory, summary, as_json)


def _after_live(console: Console) -> None:
    if not console.is_terminal:
        console.line()  # rich ends a live display with a newline only on terminals


def _report(console: Console, directory: RunDir, summary: RunSummary, as_json: bool) -> None:
    """The end of a drive: one summary (JSON on stdout with --json), what to do next, and
    the exit code: 0 finished, 130 stopped, 75 paused."""
    from hgm.api.run import outcome_of

    outcome = outcome_of(summary)
    _after_live(console)
    if as_json:
        typer.echo(json.dumps({"run_dir": str(directory.path), **asdict(outcome)}, indent=2))
    started, finished = outcome.evaluations_started, outcome.evaluations_finished
    counted = f"{finished} evaluations" + (
        f" finished ({started} started)" if started > finished else ""
    )
    console.print(
        f"[bold]{outcome.reason}[/]: {counted}, {outcome.agents} agents, "
        f"{outcome.failed_expansions} failed expansions, ${outcome.money_usd:.2f}"
    )
    if outcome.requeued_jobs:
        console.print(
            f"{outcome.requeued_jobs} jobs were re-queued after infrastructure failures "
            "(not charged, not counted as results)"
        )
    if summary.pause is not None:
        console.print(escape(f"paused: {summary.pause.describe()}"), style="bold red")
        console.print(
            escape(
                f"nothing was charged for those jobs; fix the {summary.pause.component} "
                f"(`hgm llm check {directory.config_path}` tests the providers), then: "
                f"hgm resume {directory.path}"
            )
        )
        raise typer.Exit(PAUSED_EXIT_CODE)
    if outcome.reason == "stopped":
        console.print(
            escape(
                f"stopped; the {outcome.interrupted_jobs} jobs in flight were interrupted "
                f"and run again first on: hgm resume {directory.path}"
            )
        )
        raise typer.Exit(STOPPED_EXIT_CODE)
    console.print("next:")
    for command in ("status", "tree", "best", "certify"):
        console.print(escape(f"  hgm {command} {directory.path}"))


JSON_HELP = "print the final summary as one JSON object on stdout (progress stays on stderr)"


def _check_cluster(config: RunConfig) -> None:
    """A distributed executor's nodes, checked before anything is spent."""
    if isinstance(config.executor, LocalExecutorSection):
        return
    backend = executor_backend(config.executor.kind)
    with Console(stderr=True).status("checking the cluster's nodes: sandbox, toolchains, network"):
        backend.check_cluster(config)


def run(
    config: Path = typer.Argument(..., help="the run config (TOML), e.g. examples/sim.toml"),
    run_dir: Path | None = typer.Option(
        None, "--run-dir", help="where the run lives (default: runs/<run.name>); must not exist"
    ),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Start a run from a config file, with live progress; Ctrl-C stops it resumably.

    A real world is checked first (models, sandbox, benchmark, root agent): a problem is one
    message and exit code 2, with nothing created. Exit codes: 0 finished, 130 stopped
    (Ctrl-C or SIGTERM; `hgm resume` continues), 75 paused (repeated infrastructure
    failures; fix the cause, then `hgm resume`).

    Examples:

    ```
    hgm run examples/sim.toml --run-dir runs/sim
    hgm run examples/quickstart.toml --json > summary.json
    ```
    """
    parsed, text = read_run_config(config)
    path = run_dir if run_dir is not None else DEFAULT_RUNS_DIR / parsed.run.name
    _check_cluster(parsed)  # costs nothing, unlike the models' check
    models = None
    if isinstance(parsed.world, RealWorldSection):
        with Console(stderr=True).status(
            "checking the set-up: models (a few tokens per role), sandbox, benchmark, root agent"
        ):
            models = check_set_up(parsed)  # before the run directory exists: nothing to undo
    _drive(RunDir.create(path, text), models, as_json)


def resume(
    run_dir: Path = typer.Argument(..., help="the run directory"),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Continue a stopped or killed run: unfinished work is re-run exactly once.

    The run ends at exactly its budget: no evaluation lost, none counted twice. run.toml may
    have been edited to give the run more budget or another number of workers (recorded in
    run.db; a finished run then continues); other edits are refused, and so is a finished
    run with nothing more to do (exit code 2). Exit codes otherwise as for `hgm run`.

    Examples:

    ```
    hgm resume runs/sim
    hgm resume runs/quickstart --json
    ```
    """
    directory, config = resumable(run_dir)
    _check_cluster(config)
    models = None
    if isinstance(config.world, RealWorldSection):
        with Console(stderr=True).status("checking the models (a few tokens per role), sandbox"):
            models = check_resume_set_up(config)
    _drive(directory, models, as_json)


def register(app: typer.Typer) -> None:
    """Add run and resume to the `hgm` app."""
    app.command()(run)
    app.command()(resume)
