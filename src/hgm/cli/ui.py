"""`hgm ui`: a live dashboard of one or more runs, served read-only on this machine."""

from __future__ import annotations

from pathlib import Path

import typer

from hgm.errors import UserError


def ui(
    run_dirs: list[Path] = typer.Argument(..., help="run directories (two or more to compare)"),
    host: str = typer.Option(
        "127.0.0.1", "--host", help="address to listen on; not loopback: a token is required"
    ),
    port: int = typer.Option(0, "--port", min=0, max=65535, help="0 picks a free port"),
    token: str | None = typer.Option(
        None, "--token", help="require this token in the URL (made up for a non-loopback host)"
    ),
) -> None:
    """Serve a live dashboard of runs (tree, agents, clades, progress, compare), read-only."""
    from hgm.ui.serve import bind, choose_token, is_loopback, open_runs, serve

    if token is not None and (len(token) < 8 or not token.isascii() or not token.isprintable()):
        raise UserError("--token must be at least 8 printable ASCII characters")
    runs = open_runs(
        run_dirs, lambda name, agents: typer.echo(f"read run {name}: {agents} agents", err=True)
    )
    chosen = choose_token(host, token)
    sock = bind(host, port)
    if not is_loopback(host):
        typer.echo(
            f"warning: listening on {host}, reachable from other machines: anyone with the URL "
            "(it holds the token) can read these runs",
            err=True,
        )

    def announce(url: str) -> None:
        typer.echo(f"dashboard: {url}  (read-only; Ctrl-C stops)")

    serve(runs, sock, chosen, announce)


def register(app: typer.Typer) -> None:
    """Add `ui` to the `hgm` app."""
    app.command(name="ui")(ui)
