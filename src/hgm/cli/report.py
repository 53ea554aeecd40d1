"""`hgm report`: write a self-contained HTML report of a run (or its content as JSON)."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path

import typer

from hgm.errors import UserError


class ReportFormat(StrEnum):
    html = "html"
    json = "json"


def report(
    run_dir: Path = typer.Argument(..., help="the run directory"),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help="file to write (default <run name>-report.<format>; - = stdout)",
    ),
    fmt: ReportFormat = typer.Option(ReportFormat.html, "--format", help="html or json"),
) -> None:
    """Write a self-contained HTML report of a run: tree, progress, lineage, diffs, costs."""
    from hgm.ui.report import build_bundle, render_html

    bundle = build_bundle(run_dir)
    if fmt is ReportFormat.json:
        text = json.dumps(bundle, indent=1, default=str, allow_nan=False) + "\n"
    else:
        text = render_html(bundle)
    if output is not None and str(output) == "-":
        sys.stdout.write(text)
        return
    target = output or Path(f"{bundle['summary']['name']}-report.{fmt.value}")
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UserError(f"{target}: cannot write the report ({error.strerror})") from error
    typer.echo(f"wrote {target} ({len(text.encode()) / 1024:.0f} KiB)", err=True)


def register(app: typer.Typer) -> None:
    """Add `report` to the `hgm` app."""
    app.command()(report)
