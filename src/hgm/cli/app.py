"""The `hgm` command: one Typer app; each command lives in its own module, loaded on use."""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup
from typer.main import get_group

from hgm.cli.commands import COMMANDS
from hgm.errors import UserError


def _quiet(params: list[Any]) -> list[Any]:
    """Help without noise: flags show no `<bool>` placeholder, arguments read as RUN_DIR."""
    for param in params:
        if param.metavar is None and getattr(param, "is_flag", False):
            param.metavar = ""
        elif param.metavar is None and param.param_type_name == "argument" and param.name:
            param.metavar = param.name.upper()
    return params


def tidy_help(command: TyperCommand | TyperGroup) -> TyperCommand | TyperGroup:
    """`_quiet` on a command's parameters and help option, and on its subcommands'."""
    _quiet(command.get_params(typer.Context(command, info_name=command.name)))
    for sub in getattr(command, "commands", {}).values():
        tidy_help(sub)
    return command


def load_command(name: str) -> TyperCommand | TyperGroup:
    """Import the module behind command `name` and build the command it registers."""
    module = importlib.import_module(f"hgm.cli.{COMMANDS[name].module}")
    holder = typer.Typer(rich_markup_mode="markdown")
    module.register(holder)
    return tidy_help(get_group(holder).commands[name])  # type: ignore[arg-type]


class LazyGroup(TyperGroup):
    """The root group: lists every command from the table, imports one only to run it."""

    def get_params(self, ctx: typer.Context) -> list[Any]:  # type: ignore[override]
        return _quiet(super().get_params(ctx))

    def list_commands(self, ctx: typer.Context) -> list[str]:  # type: ignore[override]
        return [*COMMANDS, *super().list_commands(ctx)]

    def get_command(self, ctx: typer.Context, cmd_name: str):  # type: ignore[no-untyped-def,override]
        if cmd_name not in COMMANDS:
            command = super().get_command(ctx, cmd_name)
            return None if command is None else tidy_help(command)
        return TyperCommand(cmd_name, short_help=COMMANDS[cmd_name].summary)

    def resolve_command(self, ctx: typer.Context, args: list[str]):  # type: ignore[no-untyped-def,override]
        if args and args[0] in COMMANDS:
            return args[0], load_command(args[0]), args[1:]
        from difflib import get_close_matches

        name = args[0] if args else ""
        close = get_close_matches(name, self.list_commands(ctx))
        if name and not name.startswith("-") and name not in self.commands and close:
            ctx.fail(f"No such command {name!r}. Did you mean {close[0]!r}?")
        return super().resolve_command(ctx, args)


ROOT_HELP = """Huxley-Gödel Machine: coding agents that improve themselves, searched with HGM.

Examples:

    hgm run examples/quickstart.toml --run-dir runs/quickstart   # offline, a few minutes
    hgm status runs/quickstart                                 # also: tree, best, show RUN best
    hgm certify runs/quickstart                                # the shipped agent vs the root
    hgm simulate --policies hgm,greedy --seeds 50              # compare policies at zero cost
    hgm init --bench humaneval --provider openai -o my-run.toml

Every command has `--help` with examples; docs/commands.md describes them all and
docs/api.md the same from Python. `--json` prints a result for scripts.
"""

app = typer.Typer(
    name="hgm",
    cls=LazyGroup,
    help=ROOT_HELP,
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        from hgm import __version__

        typer.echo(f"hgm {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,
        help="Print the hgm version and exit.",
    ),
    debug: bool = typer.Option(
        False, "--debug", help="On an error, show the full traceback (anywhere on the line)."
    ),
) -> None:
    """Huxley-Gödel Machine: coding agents that improve themselves, searched with HGM."""


@app.command()
def version() -> None:
    """Print the hgm version (also `hgm --version`).

    Examples:

    ```
    hgm version
    ```
    """
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
