"""Serving the dashboard: bind the socket, print the address, serve until Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import secrets
import socket
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from hgm.errors import UserError
from hgm.ui.model import RunModel
from hgm.ui.server import Dashboard, ServedRun
from hgm.ui.source import RunSource

LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def open_runs(paths: list[Path], on_read: Callable[[str, int], None]) -> list[ServedRun]:
    """Each run opened read-only, with its model read up to now."""
    runs = []
    for path in paths:
        source = RunSource.open(path)
        model = RunModel(source)
        model.refresh()
        on_read(source.name, len(model.tree))
        runs.append(ServedRun(source, model))
    return runs


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on (host, port); port 0 picks a free one."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise UserError(f"--host {host!r}: cannot resolve it ({error.strerror})") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as error:
        sock.close()
        raise UserError(
            f"cannot listen on {host}:{port} ({error.strerror}): choose another --port "
            "(0 picks a free one)"
        ) from None
    sock.listen(128)
    return sock


def url_of(host: str, port: int, token: str | None) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def allowed_hosts(host: str, port: int) -> set[str]:
    """Host headers a loopback server accepts (empty: any, for a token-protected server)."""
    if not is_loopback(host):
        return set()
    return {f"{name}:{port}" for name in ("127.0.0.1", "localhost", "[::1]", host)}


def choose_token(host: str, token: str | None) -> str | None:
    """The token a request must carry: given, or made up for a non-loopback host."""
    if token is not None or is_loopback(host):
        return token
    return secrets.token_urlsafe(18)


def serve(
    runs: list[ServedRun],
    sock: socket.socket,
    token: str | None,
    announce: Callable[[str], None],
) -> None:
    """Serve `runs` on `sock` until interrupted (Ctrl-C), then close everything."""
    host, port = sock.getsockname()[:2]
    dashboard = Dashboard(runs, token, allowed_hosts(host, port))

    async def main() -> None:
        runner = web.AppRunner(dashboard.app(), access_log=None, handle_signals=False)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        announce(url_of(host, port, token))
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
