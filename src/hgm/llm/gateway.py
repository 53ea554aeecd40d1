"""The LLM gateway: an aiohttp server on its own event-loop thread inside the hgm process.

Provider keys are read here, from the environment variables the config names,
and never leave this process. Agents reach the server through a Unix socket in
a directory of its own (mode 0700), bind-mounted into their sandbox, and prove
who they are with a per-job token that is valid only while the job is open.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path
from types import TracebackType

from aiohttp import web

from hgm.errors import UserError
from hgm.llm.config import GatewayConfig, Role
from hgm.llm.dispatch import Dispatcher
from hgm.llm.ledger import JobKey, JobLimits, JobUsage, Ledger
from hgm.llm.prices import PriceBook
from hgm.llm.provider import Provider
from hgm.llm.providers import build_provider
from hgm.llm.recording import CallRecorder, spent_usd
from hgm.llm.server import build_app

SOCKET_NAME = "llm.sock"
_MAX_SOCKET_PATH = 107
CANCEL_WAIT_S = 30.0
log = logging.getLogger(__name__)


class Gateway:
    """Start with `start()` (or `with Gateway(...) as gateway:`); thread-safe job API."""

    def __init__(self, config: GatewayConfig, *, socket_dir: Path, db_path: Path, run: str) -> None:
        self.config = config
        self.run = run
        self.db_path = db_path
        self.socket_dir = socket_dir.absolute()
        self.socket_path = self.socket_dir / SOCKET_NAME
        if len(str(self.socket_path)) > _MAX_SOCKET_PATH:
            raise UserError(
                f"gateway socket path {self.socket_path} is longer than {_MAX_SOCKET_PATH} "
                "characters (the Unix socket limit): use a shorter run directory"
            )
        self.prices = PriceBook(config.prices)
        self._providers: dict[str, Provider] = {
            name: build_provider(name, provider) for name, provider in config.providers.items()
        }
        self._recorder = CallRecorder(db_path)
        self._ledger = Ledger(config.budgets, spent_before_usd=spent_usd(db_path, run))
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._dispatcher: Dispatcher | None = None
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
            asyncio.run_coroutine_threadsafe(self._serve(), loop).result(timeout=30)
        except OSError as error:
            self.stop()
            where = f"{self.socket_path}" + (f" and {self.config.tcp}" if self.config.tcp else "")
            raise UserError(f"the LLM gateway cannot listen on {where}: {error}") from error
        return self

    async def _serve(self) -> None:
        dispatcher = Dispatcher(
            self.config, self._providers, self._ledger, self._recorder, self.prices
        )
        self._dispatcher = dispatcher
        # handler_cancellation: an agent that hangs up (killed at its time limit) cancels its
        # call, which is then recorded as `cancelled` instead of running on unobserved.
        runner = web.AppRunner(
            build_app(dispatcher, self._ledger, self.aliases),
            access_log=None,
            handler_cancellation=True,
        )
        await runner.setup()
        self._runner = runner
        await web.UnixSite(runner, str(self.socket_path)).start()
        self.socket_path.chmod(0o600)
        if self.config.tcp is not None:
            await web.TCPSite(runner, self.config.tcp.host, self.config.tcp.port).start()
            ports = [address[1] for address in runner.addresses if isinstance(address, tuple)]
            self.tcp_port = ports[0]

    async def _shutdown(self) -> None:
        if self._dispatcher is not None:
            cancelled = await self._dispatcher.cancel_job(None)
            if cancelled:
                log.info("cancelled %d LLM calls in flight (recorded as cancelled)", cancelled)
        if self._runner is not None:
            await self._runner.cleanup()
        for provider in self._providers.values():
            await provider.aclose()

    def stop(self) -> None:
        """Cancel the calls in flight (each is recorded as `cancelled`), close the listeners
        and the providers, and write every record; never raises for a slow shutdown."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=30)
        except (TimeoutError, RuntimeError) as error:  # a stuck provider must not hang the exit
            log.warning("the LLM gateway did not shut down cleanly: %r", error)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)
        loop.close()
        self._loop = self._thread = None
        self._recorder.close()
        self.socket_path.unlink(missing_ok=True)

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
        """Revoke the token (later calls get 401) and return the job's usage; the job's
        calls are all in the run database when this returns, calls still in flight
        cancelled and recorded as `cancelled`."""
        job = self._ledger.lookup(token).job
        self._cancel_calls(job)
        usage = self._ledger.close_job(token)
        self._recorder.flush()
        return usage

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
