"""Where the gateway accepts connections: listening sockets, each with its own connection
cap, sharing one gateway-wide cap, with idle timeouts.

Every job gets a Unix socket of its own (in a directory of its own, the only thing of
the gateway its sandbox sees), so a job that floods the gateway fills only its own
queue: while a listener holds its cap (`job_connections`), it stops accepting, and the
extra connections wait in the kernel's queue at no cost to anyone else. The gateway's
main socket (host-side callers) and the optional TCP listener work the same way; the
TCP listener also caps each remote host, refusing its extra connections with a 503.
Everyone together holds at most `connections` (never more than half the process's
descriptor limit). A connection that has not sent a complete request head within
`idle_timeout_s` of opening, or of its previous answer, is closed. Each incident (a
listener at its cap, the gateway full, descriptors exhausted) is logged once when it
starts, not once per connection.

A new kind of listener (say a token-authenticated TCP one for remote workers) is one
more `Listener(...)` on a socket of its own.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import os
import resource
import socket
import ssl
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from hgm.llm.config import GatewayLimits

log = logging.getLogger(__name__)
Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]
_OUT_OF_DESCRIPTORS = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)
_BACKLOG = 256


def descriptor_budget() -> int:
    """Connections the gateway may hold: half the soft limit on open descriptors (the rest
    is for the database, sandboxes, git)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return max(16, soft // 2) if soft != resource.RLIM_INFINITY else 1 << 20


def unix_listener(path: Path) -> socket.socket:
    """A listening Unix socket at `path`, readable and writable by this user only."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(str(path))
        path.chmod(0o600)
    except OSError:
        listener.close()
        raise
    return listener


def tcp_listener(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
    except OSError:
        listener.close()
        raise
    return listener


class Incidents:
    """One warning when an incident starts; a count of what it refused or delayed. An
    incident that comes back within `quiet_s` of its end is the same incident."""

    def __init__(self, quiet_s: float = 10.0) -> None:
        self.counts: dict[str, int] = {}
        self._quiet_s = quiet_s
        self._open: set[str] = set()
        self._ended: dict[str, float] = {}

    def happen(self, incident: str, message: str) -> None:
        self.counts[incident] = self.counts.get(incident, 0) + 1
        if incident in self._open:
            return
        self._open.add(incident)
        ended = self._ended.pop(incident, None)
        if ended is None or time.monotonic() - ended > self._quiet_s:
            log.warning("LLM gateway: %s (logged once per incident)", message)

    def end(self, incident: str) -> None:
        if incident in self._open:
            self._open.discard(incident)
            self._ended[incident] = time.monotonic()


class Connections:
    """What every listener shares: the gateway-wide count and cap, and the incidents."""

    def __init__(self, limits: GatewayLimits) -> None:
        self.limits = limits
        self.cap = min(limits.connections, descriptor_budget())
        self.open = 0
        self.incidents = Incidents()
        self._closed: asyncio.Future[None] | None = None

    def closed_one(self) -> None:
        self.open -= 1
        if self._closed is not None:
            closed, self._closed = self._closed, None
            closed.set_result(None)

    def next_close(self) -> asyncio.Future[None]:
        """Done when any connection closes."""
        if self._closed is None:
            self._closed = asyncio.get_running_loop().create_future()
        return self._closed


class _Server(web.Server):
    """aiohttp's low-level server, telling its listener when a connection ends."""

    def __init__(
        self, handler: Handler, ended: Callable[[RequestHandler], None], **kwargs: Any
    ) -> None:
        super().__init__(handler, **kwargs)
        self._ended = ended

    def connection_lost(self, handler: RequestHandler, exc: BaseException | None = None) -> None:
        super().connection_lost(handler, exc)
        self._ended(handler)


def _refusal(message: str) -> bytes:
    body = json.dumps({"error": {"type": "too_many_connections", "message": message}}).encode()
    head = (
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
        f"Retry-After: 1\r\nConnection: close\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class Listener:
    """One listening socket serving `handler`: at most `cap` connections, and, when
    `per_host` is given (TCP), at most that many per remote host; `tls` serves TLS (each
    handshake in a task of its own, so a slow client never holds up accepting). Build and
    use inside the gateway's event loop."""

    def __init__(
        self,
        name: str,
        listener: socket.socket,
        handler: Handler,
        connections: Connections,
        cap: int,
        per_host: int | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.name = name
        self._tls = tls
        self._handshakes: set[asyncio.Task[None]] = set()
        self._socket = listener
        self._connections = connections
        self._cap = cap
        self._per_host = per_host
        # handler_cancellation: an agent that hangs up (killed at its time limit) cancels its
        # call, which is then recorded as `cancelled` instead of running on unobserved.
        self._server = _Server(
            handler,
            self._ended,
            handler_cancellation=True,
            keepalive_timeout=connections.limits.idle_timeout_s,
            access_log=None,
            lingering_time=1.0,
        )
        self._owner: dict[RequestHandler, str] = {}
        self._hosts: dict[str, int] = {}
        listener.listen(_BACKLOG)
        listener.setblocking(False)
        self._task = asyncio.ensure_future(self._accept_forever())

    @property
    def port(self) -> int:
        return int(self._socket.getsockname()[1])

    @property
    def open(self) -> int:
        return len(self._owner)

    async def close(self, timeout_s: float | None = 10.0) -> None:
        """Stop accepting; close idle connections; wait up to `timeout_s` for calls in
        flight (None: do not wait)."""
        self._task.cancel()
        for handshake in self._handshakes:
            handshake.cancel()
        await asyncio.gather(self._task, *self._handshakes, return_exceptions=True)
        self._socket.close()
        self._server.pre_shutdown()
        if timeout_s is not None:
            await self._server.shutdown(timeout_s)

    async def _wait_for_room(self) -> None:
        shared, incidents = self._connections, self._connections.incidents
        while self.open >= self._cap or shared.open >= shared.cap:
            if self.open >= self._cap:
                incidents.happen(
                    self.name,
                    f"{self.name} holds {self._cap} connections, its cap: it accepts more "
                    "only as they close",
                )
            else:
                incidents.happen(
                    "gateway full",
                    f"{shared.cap} connections open in all (limits.connections): listeners "
                    "accept more only as they close",
                )
            await asyncio.shield(shared.next_close())
        incidents.end(self.name)
        incidents.end("gateway full")

    async def _accept_forever(self) -> None:
        loop = asyncio.get_running_loop()
        incidents = self._connections.incidents
        while True:
            await self._wait_for_room()
            try:
                connection, address = await loop.sock_accept(self._socket)
            except OSError as error:
                if error.errno not in _OUT_OF_DESCRIPTORS:
                    raise
                incidents.happen(
                    "descriptors", f"cannot accept connections: {os.strerror(error.errno)}"
                )
                await asyncio.sleep(0.05)
                continue
            incidents.end("descriptors")
            host = f"{self.name} from {address[0]}" if self._per_host else self.name
            if self._per_host is not None and self._hosts.get(host, 0) >= self._per_host:
                message = f"{host} holds {self._per_host} connections"
                incidents.happen(host, f"{message} (limits.job_connections): refusing more")
                _refuse(connection, message)
                continue
            incidents.end(host)
            self._hosts[host] = self._hosts.get(host, 0) + 1
            self._connections.open += 1
            handler = self._server()
            self._owner[handler] = host
            if self._tls is None:
                await self._connect(handler, connection)
            else:
                task = asyncio.ensure_future(self._connect(handler, connection))
                self._handshakes.add(task)
                task.add_done_callback(self._handshakes.discard)

    async def _connect(self, handler: RequestHandler, connection: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.connect_accepted_socket(
                lambda bound=handler: bound,
                connection,
                ssl=self._tls,
                ssl_handshake_timeout=(
                    self._connections.limits.idle_timeout_s if self._tls is not None else None
                ),
            )
        except (TimeoutError, OSError):  # ssl.SSLError is an OSError
            connection.close()
            self._ended(handler)

    def _ended(self, handler: RequestHandler) -> None:
        host = self._owner.pop(handler, None)
        if host is None:
            return
        left = self._hosts.get(host, 1) - 1
        if left > 0:
            self._hosts[host] = left
        else:
            self._hosts.pop(host, None)
        self._connections.closed_one()


def _refuse(connection: socket.socket, message: str) -> None:
    try:
        connection.setblocking(False)
        connection.send(_refusal(message))
        connection.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    connection.close()
