"""The LLM gateway: an aiohttp server on its own event-loop thread inside the hgm process.

Provider keys are read here, from the environment variables the config names,
and never leave this process. Each job's agent reaches the server through a Unix
socket of that job's own, alone in a directory (mode 0700) bind-mounted into its
sandbox, and proves who it is with a per-job token that is valid only while the job
is open. Host-side callers use the main socket, `socket_path`.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import threading
from collections.abc import Coroutine
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from hgm.errors import UserError
from hgm.llm.call_store import run_totals
from hgm.llm.config import GatewayConfig, Role
from hgm.llm.dispatch import Dispatcher
from hgm.llm.ledger import JobKey, JobLimits, JobUsage, Ledger
from hgm.llm.listeners import Connections, Listener, tcp_listener, unix_listener
from hgm.llm.prices import PriceBook
from hgm.llm.provider import Provider
from hgm.llm.providers import build_provider
from hgm.llm.recording import CallRecord, CallRecorder
from hgm.llm.reservations import RunTotals
from hgm.llm.server import build_handler

SOCKET_NAME = "llm.sock"
Result = TypeVar("Result")
log = logging.getLogger(__name__)
_MAX_SOCKET_PATH = 107
_JOB_DIR_CHARS = 10  # "/jXXXXXXXX", a job's own socket directory (tempfile.mkdtemp)
CANCEL_WAIT_S = 30.0


class Gateway:
    """Start with `start()` (or `with Gateway(...) as gateway:`); thread-safe job API."""

    def __init__(self, config: GatewayConfig, *, socket_dir: Path, db_path: Path, run: str) -> None:
        self.config = config
        self.run = run
        self.db_path = db_path
        self.socket_dir = socket_dir.absolute()
        self.socket_path = self.socket_dir / SOCKET_NAME
        if len(str(self.socket_path)) + _JOB_DIR_CHARS > _MAX_SOCKET_PATH:
            raise UserError(
                f"gateway socket path {self.socket_path} is longer than "
                f"{_MAX_SOCKET_PATH - _JOB_DIR_CHARS} characters (the Unix socket limit, "
                "less room for jobs' own sockets): use a shorter run directory"
            )
        self.prices = PriceBook(config.prices)
        self._providers: dict[str, Provider] = {
            name: build_provider(name, provider) for name, provider in config.providers.items()
        }
        calls, tokens, money = run_totals(db_path, run)
        self._ledger = Ledger(config.budgets, config.limits, RunTotals(calls, tokens, money))
        self._recorder = CallRecorder(db_path, on_written=self._written)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._dispatcher: Dispatcher | None = None
        self._connections: Connections | None = None
        self._listeners: list[Listener] = []
        self._job_sockets: dict[str, tuple[Listener, Path]] = {}  # by token
        self.tcp_port: int | None = None

    @property
    def aliases(self) -> list[str]:
        return sorted(self.config.roles)

    @property
    def serving(self) -> bool:
        """Whether the gateway's event loop is up and answering (False once it died)."""
        loop, thread = self._loop, self._thread
        return (
            loop is not None
            and thread is not None
            and thread.is_alive()
            and loop.is_running()
            and self._dispatcher is not None
            and self.socket_path.exists()
        )

    @property
    def open_connections(self) -> int:
        """Connections the gateway holds now, over all its sockets."""
        return self._connections.open if self._connections is not None else 0

    def start(self) -> Gateway:
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        self.socket_dir.chmod(0o700)
        self.socket_path.unlink(missing_ok=True)
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(
            target=loop.run_forever, name="hgm-llm-gateway", daemon=True
        )
        self._thread.start()
        try:
            self._in_loop(self._serve())
        except OSError as error:
            self.stop()
            where = f"{self.socket_path}" + (f" and {self.config.tcp}" if self.config.tcp else "")
            raise UserError(f"the LLM gateway cannot listen on {where}: {error}") from error
        return self

    def _in_loop(self, work: Coroutine[Any, Any, Result]) -> Result:
        assert self._loop is not None, "the gateway is not started"
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout=30)

    async def _serve(self) -> None:
        limits = self.config.limits
        self._dispatcher = Dispatcher(
            self.config, self._providers, self._ledger, self._recorder, self.prices
        )
        self._connections = Connections(limits)
        handler = build_handler(self._dispatcher, self._ledger, self.aliases, limits)
        main = unix_listener(self.socket_path)
        self._listeners.append(
            Listener("the gateway socket", main, handler, self._connections, limits.connections)
        )
        if self.config.tcp is not None:
            tcp = tcp_listener(self.config.tcp.host, self.config.tcp.port)
            listener = Listener(
                "the TCP listener",
                tcp,
                handler,
                self._connections,
                limits.connections,
                per_host=limits.job_connections,
                tls=self.config.tcp.ssl_context(),
            )
            self._listeners.append(listener)
            self.tcp_port = listener.port

    async def _shutdown(self) -> None:
        if self._dispatcher is not None:
            cancelled = await self._dispatcher.cancel_job(None)
            if cancelled:
                log.info("cancelled %d LLM calls in flight (recorded as cancelled)", cancelled)
        for token in list(self._job_sockets):
            await self._close_job_socket(token)
        for listener in self._listeners:
            await listener.close()
        for provider in self._providers.values():
            await provider.aclose()
        left = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in left:  # connections still open: end their handlers before the loop goes
            task.cancel()
        await asyncio.gather(*left, return_exceptions=True)

    def _written(self, call: CallRecord, held: int, stored: int) -> None:
        self._ledger.written(call.job, held, stored)

    def stop(self) -> None:
        """Cancel the calls in flight (each is recorded as `cancelled`), close the listeners
        and the providers, and write every record; never raises for a slow shutdown."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            self._in_loop(self._shutdown())
        except (TimeoutError, RuntimeError) as error:  # a stuck provider must not hang the exit
            log.warning("the LLM gateway did not shut down cleanly: %r", error)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)
        loop.close()
        self._loop = self._thread = None
        self._recorder.close()
        self.socket_path.unlink(missing_ok=True)

    def job_socket(self, token: str) -> Path:
        """A Unix socket that serves this job's calls only, alone in a directory of its own
        (mode 0700; mount that directory into the job's sandbox). Made on first use,
        removed by `close_job`."""
        return self._in_loop(self._open_job_socket(token))

    async def _open_job_socket(self, token: str) -> Path:
        if token in self._job_sockets:
            return self._job_sockets[token][1]
        key = self._ledger.lookup(token)
        assert self._dispatcher is not None and self._connections is not None
        directory = Path(tempfile.mkdtemp(prefix="j", dir=self.socket_dir))  # mode 0700
        path = directory / SOCKET_NAME
        limits = self.config.limits
        handler = build_handler(self._dispatcher, self._ledger, self.aliases, limits, key.job)
        listener = Listener(
            f"job {key.job}",
            unix_listener(path),
            handler,
            self._connections,
            limits.job_connections,
        )
        self._job_sockets[token] = (listener, path)
        return path

    async def _close_job_socket(self, token: str) -> None:
        found = self._job_sockets.pop(token, None)
        if found is not None:
            listener, path = found
            await listener.close(timeout_s=None)
            shutil.rmtree(path.parent, ignore_errors=True)

    def __enter__(self) -> Gateway:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def open_job(
        self, run: str, agent: str, job: str, role: Role, limits: JobLimits | None = None
    ) -> str:
        """A fresh token that attributes calls to (run, agent, job, role) until `close_job`."""
        if role not in self.config.roles:
            configured = ", ".join(self.aliases) or "(none)"
            raise UserError(
                f"no model configured for role {role!r}; configured roles: {configured}"
            )
        return self._ledger.open_job(JobKey(run, agent, job, role), limits)

    def close_job(self, token: str) -> JobUsage:
        """Revoke the token (later calls get 401), close the job's own socket, and return
        the job's usage; the job's calls are all in the run database when this returns,
        calls still in flight cancelled and recorded as `cancelled`."""
        job = self._ledger.lookup(token).job
        self._cancel_calls(job)
        self._ledger.close_job(token)
        if self._loop is not None:
            try:
                self._in_loop(self._close_job_socket(token))
            except (TimeoutError, RuntimeError) as error:  # a stuck loop must not lose usage
                log.warning("the socket of job %s could not be closed: %r", job, error)
        self._recorder.flush()
        return self._ledger.job_usage(job)

    def _cancel_calls(self, job: str) -> None:
        loop, dispatcher = self._loop, self._dispatcher
        if loop is None or dispatcher is None or not loop.is_running():
            return
        try:
            future = asyncio.run_coroutine_threadsafe(dispatcher.cancel_job(job), loop)
            future.result(timeout=CANCEL_WAIT_S)
        except (TimeoutError, RuntimeError) as error:
            log.warning("calls of job %s could not be cancelled: %r", job, error)

    def flush(self) -> None:
        """Wait until every call so far is in the run database."""
        self._recorder.flush()

    def spent_usd(self) -> float:
        """Money spent by the whole run, recorded calls from earlier sessions included."""
        return self._ledger.spent_usd()

    def job_usage(self, job: str) -> JobUsage:
        return self._ledger.job_usage(job)
