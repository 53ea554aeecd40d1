"""The `hgm` command: one Typer app; each command group lives in its own module."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="hgm",
    help="Huxley-Gödel Machine: coding agents that improve themselves, searched with HGM.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.command()
def version() -> None:
    """Print the hgm version."""
    from hgm import __version__

    typer.echo(__version__)


def main() -> None:
    app()
