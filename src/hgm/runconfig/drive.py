"""Driving a run for any caller, the `hgm` command and the Python API alike.

- `check_set_up(config)`: the pre-flight of a real world (models, sandbox, benchmark, root
  agent) before anything is created or spent; `check_resume_set_up` before a resume.
- `resumable(path)`: the run to continue; a UserError when nothing can (another process
  drives it, an edit of run.toml a resume cannot take, a finished run with no more budget).
- `driving(directory, models)`: takes the run's lock and opens its store (a new session);
  `Drive.run(observers)` builds the engine and runs it on the calling thread.
- `StopSwitch`: a stop asked for from any thread, or by a signal, even before the engine
  exists; the engine then starts nothing new and records the jobs in flight as interrupted.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from hgm.errors import UserError
from hgm.runconfig.changes import finished_blocker, reconcile_config
from hgm.runconfig.config import RunConfig, read_run_config
from hgm.runconfig.launch import PreparedRun, open_run
from hgm.runconfig.real_world import RealWorldSection
from hgm.runconfig.status import read_status
from hgm.store.run_dir import RunDir

if TYPE_CHECKING:
    from hgm.engine.engine import Engine, RunSummary
    from hgm.engine.events import Observer
    from hgm.llm.config import Role
    from hgm.llm.model_facts import ModelFacts

    Models = dict[Role, ModelFacts]


def check_set_up(config: RunConfig) -> Models | None:
    """A real world's pre-flight (one UserError listing every problem); None for a sim."""
    if not isinstance(config.world, RealWorldSection):
        return None
    from hgm.evolve.preflight import check_before_run

    return check_before_run(config.world)


def check_resume_set_up(config: RunConfig) -> Models | None:
    """Providers and sandbox again before a resume spends anything; None for a sim."""
    if not isinstance(config.world, RealWorldSection):
        return None
    from hgm.evolve.preflight import check_before_resume

    return check_before_resume(config.world)


def resumable(path: Path) -> tuple[RunDir, RunConfig]:
    """The run at `path` and its config, ready to continue.

    A UserError when another process drives it right now, when run.toml holds an edit a
    resume cannot take (naming it), or when it finished and the config gives it nothing
    more to do (an edit for more budget continues a finished run)."""
    current = read_status(path)
    if current.state == "running":
        raise UserError(f"{path}: the run is being driven by another process right now")
    directory = RunDir.open(path)
    config, text = read_run_config(directory.config_path)
    reconciled = reconcile_config(directory.db_path, config, text)  # refused edits stop here
    if current.state == "finished":
        blocker = finished_blocker(
            current.finish_reason,
            config,
            reconciled,
            current.task_evals_started,
            current.money_usd,
        )
        if blocker is not None:
            raise UserError(
                f"{path}: the run already finished ({current.finish_reason}); "
                f"nothing to do: {blocker}"
            )
    return directory, config


@dataclass
class StopSwitch:
    """A clean stop, asked for from any thread (or a signal handler) at any moment."""

    _asked: threading.Event = field(default_factory=threading.Event)
    _engine: Engine | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def attach(self, engine: Engine) -> None:
        with self._lock:
            self._engine = engine
            if self._asked.is_set():
                engine.request_stop()

    def request(self) -> None:
        with self._lock:
            self._asked.set()
            if self._engine is not None:
                self._engine.request_stop()

    @property
    def requested(self) -> bool:
        return self._asked.is_set()


@contextmanager
def stop_on_signals(switch: StopSwitch) -> Iterator[None]:
    """First Ctrl-C (or SIGTERM): a clean stop. A second Ctrl-C: KeyboardInterrupt at once.

    Only on the main thread (where Python delivers signals); elsewhere nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        if switch.requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        switch.request()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@dataclass
class Drive:
    """A run with its lock held and its store open, ready to run its engine once."""

    prepared: PreparedRun
    switch: StopSwitch

    @property
    def config(self) -> RunConfig:
        return self.prepared.config

    def cheaters(self) -> set[int]:
        """Agents with a tampered grade so far (never shipped; see hgm.store.tampering)."""
        from hgm.store.tampering import cheating_agents

        return cheating_agents(self.prepared.store.connection)

    def run(
        self,
        observers: Sequence[Observer] = (),
        on_engine: Callable[[Engine], None] | None = None,
    ) -> RunSummary:
        """Build the engine (the store first among its observers) and run it to its end."""
        engine = self.prepared.make_engine(observers=observers)
        if on_engine is not None:
            on_engine(engine)
        self.switch.attach(engine)
        return engine.run()


@contextmanager
def driving(
    directory: RunDir, models: Models | None = None, switch: StopSwitch | None = None
) -> Iterator[Drive]:
    """Lock the run and open its store for one session (see the module docstring)."""
    with open_run(directory, models) as prepared:
        yield Drive(prepared, switch or StopSwitch())
