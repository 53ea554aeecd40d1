"""The `hgm` command: one Typer app; each command group lives in its own module."""

from __future__ import annotations

import sys

import typer

from hgm.cli import agents as agent_commands
from hgm.cli import bench as bench_commands
from hgm.cli import best as best_commands
from hgm.cli import certify as certify_commands
from hgm.cli import doctor as doctor_commands
from hgm.cli import init as init_commands
from hgm.cli import llm as llm_commands
from hgm.cli import run as run_commands
from hgm.cli import sandbox as sandbox_commands
from hgm.cli import simulate as simulate_commands
from hgm.cli import solve as solve_commands
from hgm.errors import UserError

app = typer.Typer(
    name="hgm",
    help="Huxley-Gödel Machine: coding agents that improve themselves, searched with HGM.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def root() -> None:
    """Huxley-Gödel Machine: coding agents that improve themselves, searched with HGM."""


@app.command()
def version() -> None:
    """Print the hgm version."""
    from hgm import __version__

    typer.echo(__version__)


agent_commands.register(app)
bench_commands.register(app)
best_commands.register(app)
certify_commands.register(app)
doctor_commands.register(app)
init_commands.register(app)
llm_commands.register(app)
run_commands.register(app)
sandbox_commands.register(app)
simulate_commands.register(app)
solve_commands.register(app)


def main() -> None:
    """Run the CLI: a user error is one clear message and exit code 2 (traceback with --debug)."""
    debug = "--debug" in sys.argv
    if debug:
        sys.argv.remove("--debug")
    try:
        app()
    except UserError as error:
        if debug:
            raise
        typer.echo(f"error: {error}", err=True)
        sys.exit(2)
