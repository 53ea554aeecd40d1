"""Where the gateway accepts connections: any number of listening sockets sharing one HTTP
handler, with connection caps and timeouts.

Every accepted connection is attributed to a peer: for the Unix socket, the sandbox the
connecting process runs in (its PID namespace; one job per sandbox), or the process
itself when it shares the gateway's namespace (the hgm process, an `unsafe-local` job);
for TCP, the remote address. A peer may hold `peer_connections` connections and
everyone together `connections` (never more than half the process's descriptor limit);
beyond that a connection gets a short 503 and is closed at once. A connection that has
not sent a complete request head within `idle_timeout_s` of opening (or of its previous
answer) is closed. Each incident (a peer over its cap, the gateway full, descriptors
exhausted) is logged once when it starts, not once per refused connection.

A second listener (say a token-authenticated TCP one for remote workers) is one more
`await listeners.tcp(host, port)`.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import os
import resource
import socket
import struct
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from hgm.llm.config import GatewayLimits

log = logging.getLogger(__name__)
Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]
PeerOf = Callable[[socket.socket, Any], str]
_CREDENTIALS = struct.Struct("3i")
_OUT_OF_DESCRIPTORS = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)
_BACKLOG = 1024


def _refusal(message: str) -> bytes:
    body = json.dumps({"error": {"type": "too_many_connections", "message": message}}).encode()
    head = (
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
        f"Retry-After: 1\r\nConnection: close\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def descriptor_budget() -> int:
    """Connections the gateway may hold: half the soft limit on open descriptors (the rest
    is for the database, sandboxes, git)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return max(16, soft // 2) if soft != resource.RLIM_INFINITY else 1 << 20


def unix_peer(connection: socket.socket, address: Any) -> str:
    """The sandbox (PID namespace) or the process at the other end of a Unix socket."""
    raw = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _CREDENTIALS.size)
    pid = _CREDENTIALS.unpack(raw)[0]
    try:
        namespace = os.readlink(f"/proc/{pid}/ns/pid")
        own = os.readlink("/proc/self/ns/pid")
    except OSError:  # the process is gone, or its namespace cannot be read
        return f"process {pid}"
    return f"process {pid}" if namespace == own else f"sandbox {namespace}"


def tcp_peer(connection: socket.socket, address: Any) -> str:
    return f"host {address[0]}"


class _Incidents:
    """One log line when an incident starts; counts for the rest of it."""

    def __init__(self) -> None:
        self.refused: dict[str, int] = {}
        self._open: set[str] = set()

    def refuse(self, incident: str, message: str) -> None:
        self.refused[incident] = self.refused.get(incident, 0) + 1
        if incident not in self._open:
            self._open.add(incident)
            log.warning("LLM gateway: %s (logged once per incident)", message)

    def end(self, incident: str) -> None:
        if incident in self._open:
            self._open.discard(incident)
            log.debug(
                "LLM gateway: incident over (%s), %d connections refused in all",
                incident,
                self.refused[incident],
            )


class _Server(web.Server):
    """aiohttp's low-level server, telling the listeners when a connection ends."""

    def __init__(
        self, handler: Handler, ended: Callable[[RequestHandler], None], **kwargs: Any
    ) -> None:
        super().__init__(handler, **kwargs)
        self._ended = ended

    def connection_lost(self, handler: RequestHandler, exc: BaseException | None = None) -> None:
        super().connection_lost(handler, exc)
        self._ended(handler)


class Listeners:
    """Build inside the gateway's event loop; `close()` stops accepting and ends connections."""

    def __init__(self, handler: Handler, limits: GatewayLimits) -> None:
        self._server = _Server(
            handler,
            self._ended,
            keepalive_timeout=limits.idle_timeout_s,
            access_log=None,
            lingering_time=1.0,
        )
        self._per_peer = limits.peer_connections
        self._total_cap = min(limits.connections, descriptor_budget())
        self._counts: dict[str, int] = {}
        self._owner: dict[RequestHandler, str] = {}
        self._sockets: list[socket.socket] = []
        self._tasks: list[asyncio.Task[None]] = []
        self.incidents = _Incidents()

    @property
    def open_connections(self) -> int:
        return len(self._owner)

    async def unix(self, path: Path) -> None:
        """Listen on a Unix socket, readable and writable by this user only."""
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(str(path))
            path.chmod(0o600)
        except OSError:
            listener.close()
            raise
        self._start(listener, unix_peer)

    async def tcp(self, host: str, port: int) -> int:
        """Listen on TCP; returns the port (useful when `port` is 0)."""
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((host, port))
        except OSError:
            listener.close()
            raise
        self._start(listener, tcp_peer)
        return int(listener.getsockname()[1])

    def _start(self, listener: socket.socket, peer_of: PeerOf) -> None:
        listener.listen(_BACKLOG)
        listener.setblocking(False)
        self._sockets.append(listener)
        self._tasks.append(asyncio.ensure_future(self._accept_forever(listener, peer_of)))

    async def close(self, timeout_s: float = 10.0) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for listener in self._sockets:
            listener.close()
        self._server.pre_shutdown()
        await self._server.shutdown(timeout_s)

    async def _accept_forever(self, listener: socket.socket, peer_of: PeerOf) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                connection, address = await loop.sock_accept(listener)
            except OSError as error:
                if error.errno not in _OUT_OF_DESCRIPTORS:
                    raise
                self.incidents.refuse(
                    "descriptors", f"cannot accept connections: {os.strerror(error.errno)}"
                )
                await asyncio.sleep(0.05)
                continue
            self.incidents.end("descriptors")
            try:
                peer = peer_of(connection, address)
            except OSError:
                connection.close()
                continue
            problem = self._over_cap(peer)
            if problem is not None:
                self._refuse(connection, problem)
                continue
            self._counts[peer] = self._counts.get(peer, 0) + 1
            handler = self._server()
            self._owner[handler] = peer
            try:
                await loop.connect_accepted_socket(lambda bound=handler: bound, connection)
            except OSError:
                connection.close()
                self._ended(handler)

    def _over_cap(self, peer: str) -> str | None:
        if len(self._owner) >= self._total_cap:
            message = f"{self._total_cap} connections open (limits.connections): refusing more"
            self.incidents.refuse("gateway full", message)
            return message
        self.incidents.end("gateway full")
        if self._counts.get(peer, 0) >= self._per_peer:
            message = (
                f"{peer} holds {self._per_peer} connections (limits.peer_connections): "
                "refusing more from it"
            )
            self.incidents.refuse(peer, message)
            return message
        self.incidents.end(peer)
        return None

    @staticmethod
    def _refuse(connection: socket.socket, message: str) -> None:
        try:
            connection.setblocking(False)
            connection.send(_refusal(message))
            connection.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        connection.close()

    def _ended(self, handler: RequestHandler) -> None:
        peer = self._owner.pop(handler, None)
        if peer is not None:
            self._release(peer)

    def _release(self, peer: str) -> None:
        left = self._counts.get(peer, 1) - 1
        if left > 0:
            self._counts[peer] = left
        else:
            self._counts.pop(peer, None)
