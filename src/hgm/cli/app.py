"""The `hgm` command: one Typer app; each command lives in its own module, loaded on use."""

from __future__ import annotations

import importlib
import sys
from difflib import get_close_matches

import typer
from typer.core import TyperCommand, TyperGroup
from typer.main import get_group

from hgm.cli.commands import COMMANDS
from hgm.errors import UserError


def load_command(name: str) -> TyperCommand | TyperGroup:
    """Import the module behind command `name` and build the command it registers."""
    module = importlib.import_module(f"hgm.cli.{COMMANDS[name].module}")
    holder = typer.Typer()
    module.register(holder)
    return get_group(holder).commands[name]  # type: ignore[return-value]


class LazyGroup(TyperGroup):
    """The root group: lists every command from the table, imports one only to run it."""

    def list_commands(self, ctx: typer.Context) -> list[str]:  # type: ignore[override]
        return [*COMMANDS, *super().list_commands(ctx)]

    def get_command(self, ctx: typer.Context, cmd_name: str):  # type: ignore[no-untyped-def,override]
        if cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        return TyperCommand(cmd_name, short_help=COMMANDS[cmd_name].summary)

    def resolve_command(self, ctx: typer.Context, args: list[str]):  # type: ignore[no-untyped-def,override]
        if args and args[0] in COMMANDS:
            return args[0], load_command(args[0]), args[1:]
        name = args[0] if args else ""
        close = get_close_matches(name, self.list_commands(ctx))
        if name and not name.startswith("-") and name not in self.commands and close:
            ctx.fail(f"No such command {name!r}. Did you mean {close[0]!r}?")
        return super().resolve_command(ctx, args)


app = typer.Typer(
    name="hgm",
    cls=LazyGroup,
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
    except Exception as error:
        from hgm.store.failures import describe_failure

        message = describe_failure(error)  # a database or disk failure no command caught
        if debug or message is None:
            raise
        typer.echo(f"error: {message}", err=True)
        sys.exit(2)
