"""`hgm init`: write a commented starter run config for a benchmark and a model provider."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from hgm.errors import UserError
from hgm.runconfig.config import parse_run_config
from hgm.runconfig.templates import BENCHES, PROVIDERS, starter_config


def init(
    bench: str = typer.Option("humaneval", "--bench", help=" | ".join(BENCHES)),
    provider: str = typer.Option("scripted", "--provider", help=" | ".join(PROVIDERS)),
    output: Path = typer.Option(Path("run.toml"), "--output", "-o", help="the file to write"),
    as_json: bool = typer.Option(
        False, "--json", help="print what was written (path, benchmark, provider, run name)"
    ),
) -> None:
    """Write a commented starter config (real coding agents) that `hgm run` accepts as it is.

    Examples:

    ```
    hgm init                                   # HumanEval, the offline scripted model
    hgm init --bench exercises --provider openai -o my-run.toml
    hgm init --bench humaneval --provider openai-compatible -o local.toml --json
    ```
    """
    text = starter_config(bench, provider, str(output))
    parse_run_config(text, f"the starter config for {bench}/{provider}")
    if output.exists() or output.is_symlink():
        raise UserError(
            f"{output} already exists; hgm init never overwrites: choose another --output"
        )
    try:
        with output.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError as error:
        raise UserError(f"{output} already exists; hgm init never overwrites") from error
    except OSError as error:
        raise UserError(f"{output}: cannot write the config ({error.strerror})") from error
    if as_json:
        record = {"path": str(output), "bench": bench, "provider": provider}
        typer.echo(json.dumps(record | {"run": f"{bench}-{provider}"}, indent=2))
        return
    typer.echo(f"wrote {output} ({bench}, {provider}); start it with: hgm run {output}")


def register(app: typer.Typer) -> None:
    """Add `init` to the `hgm` app."""
    app.command()(init)
