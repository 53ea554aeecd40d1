"""`hgm run` and `hgm resume`: drive a run with live progress; Ctrl-C stops it resumably.

`register(app)` also adds the read-only commands of `hgm.cli.run_inspect`.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.live import Live
from rich.markup import escape

from hgm.cli import run_inspect
from hgm.cli.progress import RunProgress
from hgm.engine.engine import Engine, RunSummary
from hgm.errors import UserError
from hgm.runconfig.config import read_run_config
from hgm.runconfig.launch import open_run
from hgm.runconfig.real_world import RealWorldSection
from hgm.runconfig.status import read_status
from hgm.store.run_dir import RunDir

if TYPE_CHECKING:
    from hgm.llm.config import Role
    from hgm.llm.model_facts import ModelFacts

    ModelFactsByRole = dict[Role, ModelFacts]

DEFAULT_RUNS_DIR = Path("runs")
STOPPED_EXIT_CODE = 130
PAUSED_EXIT_CODE = 75  # EX_TEMPFAIL (sysexits.h): a temporary failure, retry later


@contextmanager
def _stop_on_signals(engine: Engine) -> Iterator[None]:
    """First Ctrl-C (or SIGTERM): ask the engine to stop cleanly. Second Ctrl-C: abort now."""
    stopping = False

    def handle(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        if stopping and signum == signal.SIGINT:
            raise KeyboardInterrupt
        stopping = True
        engine.request_stop()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _drive(directory: RunDir, models: ModelFactsByRole | None = None) -> None:
    console = Console(stderr=True)
    try:
        with (
            open_run(directory, models) as prepared,
            Live(console=console, refresh_per_second=4) as live,
        ):
            progress = RunProgress(prepared.config, live)
            engine = prepared.make_engine(observers=(progress,))
            progress.bind(engine.tree, prepared.state)
            with _stop_on_signals(engine):
                summary = engine.run()
    except KeyboardInterrupt:  # the second Ctrl-C: the store has recorded the abort
        _after_live(console)
        console.print(escape(f"aborted; continue with: hgm resume {directory.path}"))
        raise typer.Exit(STOPPED_EXIT_CODE) from None
    _report(console, directory, summary)


def _after_live(console: Console) -> None:
    if not console.is_terminal:
        console.line()  # rich ends a live display with a newline only on terminals


def _report(console: Console, directory: RunDir, summary: RunSummary) -> None:
    _after_live(console)
    console.print(
        f"[bold]{summary.reason}[/]: {summary.evaluations_finished} evaluations, "
        f"{summary.agents} agents, {summary.expansions_failed} failed expansions, "
        f"${summary.money_usd:.2f}"
    )
    if summary.requeued_jobs:
        console.print(
            f"{summary.requeued_jobs} jobs were re-queued after infrastructure failures "
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
    if summary.reason == "stopped":
        console.print(
            escape(
                f"stopped with {summary.interrupted_jobs} jobs interrupted; "
                f"continue with: hgm resume {directory.path}"
            )
        )
        raise typer.Exit(STOPPED_EXIT_CODE)
    console.print(escape(f"see: hgm status {directory.path} | hgm tree {directory.path}"))


def run(
    config: Path = typer.Argument(..., help="the run config (TOML), e.g. examples/sim.toml"),
    run_dir: Path | None = typer.Option(
        None, "--run-dir", help="where the run lives (default: runs/<run.name>); must not exist"
    ),
) -> None:
    """Start a run from a config file, with live progress; Ctrl-C stops it resumably."""
    parsed, text = read_run_config(config)
    path = run_dir if run_dir is not None else DEFAULT_RUNS_DIR / parsed.run.name
    models = None
    if isinstance(parsed.world, RealWorldSection):
        from hgm.evolve.preflight import check_before_run

        with Console(stderr=True).status(
            "checking the set-up: models (a few tokens per role), sandbox, benchmark, root agent"
        ):
            # before the run directory exists: nothing to undo
            models = check_before_run(parsed.world)
    _drive(RunDir.create(path, text), models)


def resume(run_dir: Path = typer.Argument(..., help="the run directory")) -> None:
    """Continue a stopped or killed run: unfinished work is re-run exactly once."""
    current = read_status(run_dir)
    if current.state == "running":
        raise UserError(f"{run_dir}: the run is being driven by another process right now")
    if current.state == "finished":
        typer.echo(f"{run_dir}: the run already finished ({current.finish_reason}); nothing to do")
        return
    directory = RunDir.open(run_dir)
    config, _ = read_run_config(directory.config_path)
    models = None
    if isinstance(config.world, RealWorldSection):
        from hgm.evolve.preflight import check_before_resume

        with Console(stderr=True).status("checking the models (a few tokens per role), sandbox"):
            models = check_before_resume(config.world)
    _drive(directory, models)


def register(app: typer.Typer) -> None:
    """Add run, resume, status, tree and results to the `hgm` app."""
    app.command()(run)
    app.command()(resume)
    app.command()(run_inspect.status)
    app.command()(run_inspect.tree)
    app.command()(run_inspect.results)
