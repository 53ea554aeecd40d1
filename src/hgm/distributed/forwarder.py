"""The node-local forwarder: the run's gateway, far away on the head, as a Unix socket here.

A job on a node gets a Unix socket (mode 0600, alone in a 0700 directory) that its sandbox
mounts where the gateway's socket would be, so the in-sandbox relay and the agent work
unchanged and the sandbox still has no network. Every connection to it is forwarded, byte
for byte, to the gateway's cluster listener on the head (TLS when the run serves TLS,
checked against the run's certificate). The forwarder adds nothing: each call still needs
its job's token, which only the head can open and revoke, and provider keys never leave
the head. It runs in the job's own worker process, on an event-loop thread, for as long
as the job.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import ssl
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

SOCKET_NAME = "llm.sock"
CHUNK = 65536
CONNECT_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class GatewayAddress:
    """Where a node reaches one of the head's gateways (picklable; no secret in it)."""

    host: str
    port: int
    tls_ca: str | None = None  # PEM text of the certificate(s) to trust; None: plain TCP
    server_name: str | None = None
    timeout_s: float = 300.0

    def client_context(self) -> ssl.SSLContext | None:
        if self.tls_ca is None:
            return None
        context = ssl.create_default_context(cadata=self.tls_ca)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context

    async def open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        context = self.client_context()
        return await asyncio.wait_for(
            asyncio.open_connection(
                self.host,
                self.port,
                ssl=context,
                server_hostname=(self.server_name or self.host) if context else None,
            ),
            CONNECT_TIMEOUT_S,
        )


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until EOF, then half-close (or close, where the transport cannot half-close)."""
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError, asyncio.IncompleteReadError, ssl.SSLError):
        pass
    finally:
        with contextlib.suppress(Exception):
            if writer.can_write_eof():
                writer.write_eof()
            else:
                writer.close()


class Forwarder:
    """`with Forwarder(address) as forwarder:` serves `forwarder.socket_path` until exit."""

    def __init__(self, address: GatewayAddress) -> None:
        self.address = address
        self.socket_dir = Path(tempfile.mkdtemp(prefix="hgm-fw-", dir="/tmp"))
        self.socket_dir.chmod(0o700)
        self.socket_path = self.socket_dir / SOCKET_NAME
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="hgm-forwarder", daemon=True
        )
        self._server: asyncio.AbstractServer | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self.unreachable: str | None = None  # why the last connection to the head failed

    def __enter__(self) -> Forwarder:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=30)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._loop.close()
        shutil.rmtree(self.socket_dir, ignore_errors=True)

    async def _start(self) -> None:
        self._server = await asyncio.start_unix_server(self._serve, path=str(self.socket_path))
        self.socket_path.chmod(0o600)

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)

    async def _serve(
        self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            try:
                head_in, head_out = await self.address.open()
            except (TimeoutError, OSError, ssl.SSLError) as error:
                address = self.address
                self.unreachable = (
                    f"the gateway at {address.host}:{address.port} is unreachable from here: "
                    f"{error or type(error).__name__}"
                )
                client_out.write(_unreachable(self.unreachable))
                await client_out.drain()
                return
            try:
                await asyncio.gather(_pump(client_in, head_out), _pump(head_in, client_out))
            finally:
                head_out.close()
        finally:
            client_out.close()
            self._connections.discard(task)


def _unreachable(reason: str) -> bytes:
    """A 502 in the OpenAI error shape, so that the agent sees why its call failed (typed as
    the gateway's own failures are: an infrastructure failure, not the agent's)."""
    message = f"hgm forwarder: {reason}"
    body = json.dumps({"error": {"type": "gateway_error", "message": message}}).encode()
    head = (
        "HTTP/1.1 502 Bad Gateway\r\nContent-Type: application/json\r\n"
        f"Connection: close\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head + body
