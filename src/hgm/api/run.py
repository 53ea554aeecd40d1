"""`hgm.Run`: one run directory, read while it runs or after, and driven from Python.

Reading opens the database read-only for each call (a WAL reader never blocks the engine),
so a `Run` works on live, finished and copied runs. Driving (`hgm.start`, `hgm.resume`)
goes through `hgm.runconfig.drive`, the same code as `hgm run`: the run's lock, the store
first among the engine's observers, a clean stop that records the jobs in flight.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from hgm.api.reading import (
    read_certified,
    read_costs,
    read_evaluations,
    read_expansions,
)
from hgm.api.records import (
    Agent,
    CertifiedTask,
    Costs,
    Evaluation,
    Expansion,
    Records,
    RunOutcome,
)
from hgm.errors import UserError
from hgm.runconfig.facts import RunFacts, read_run_facts
from hgm.store.agent_counts import read_agents
from hgm.store.run_dir import RunDir
from hgm.store.schema import check_schema, connect

if TYPE_CHECKING:
    from hgm.engine.engine import RunSummary
    from hgm.evolve.certify import Certification
    from hgm.runconfig.config import RunConfig
    from hgm.runconfig.drive import Models, StopSwitch
    from hgm.runconfig.status import BestAgent, RunStatus
    from hgm.ui.model import ProgressPoint

T = TypeVar("T")
POLL_S = 0.2


def outcome_of(summary: RunSummary) -> RunOutcome:
    return RunOutcome(
        reason=summary.reason,
        evaluations_started=summary.evaluations_started,
        evaluations_finished=summary.evaluations_finished,
        agents=summary.agents,
        expansions_started=summary.expansions_started,
        failed_expansions=summary.expansions_failed,
        money_usd=summary.money_usd,
        elapsed_s=summary.elapsed_s,
        interrupted_jobs=summary.interrupted_jobs,
        requeued_jobs=summary.requeued_jobs,
        pause=None if summary.pause is None else summary.pause.describe(),
    )


class Run:
    """A run directory (`run.toml`, `run.db`, ...): see the module docstring and docs/api.md.

    `Run(path)` opens an existing run; `hgm.start` and `hgm.resume` return one too.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._dir = RunDir.open(Path(path))
        self._facts: RunFacts = read_run_facts(self._dir.config_path)
        self._switch: StopSwitch | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._outcome: RunOutcome | None = None

    def __repr__(self) -> str:
        return f"Run({str(self.path)!r})"

    @property
    def path(self) -> Path:
        """The run directory (absolute)."""
        return self._dir.path

    @property
    def name(self) -> str:
        return self._facts.name

    @cached_property
    def config(self) -> RunConfig:
        """The run's config, validated (`hgm.RunConfig`)."""
        from hgm.runconfig.config import read_run_config

        return read_run_config(self._dir.config_path)[0]

    # ---- reading ------------------------------------------------------------------------

    def _read(self, query: Callable[[sqlite3.Connection], T]) -> T:
        db = connect(self._dir.db_path, readonly=True)
        try:
            check_schema(db, self._dir.db_path)
            return query(db)
        finally:
            db.close()

    @property
    def is_running(self) -> bool:
        """True while a process (this one or another) drives the run."""
        return self._dir.is_active()

    def status(self) -> RunStatus:
        """State, budget used, money, tree size, the agent it would ship, running jobs."""
        from hgm.runconfig.status import read_status

        return read_status(self.path)

    def agents(self) -> Records[Agent]:
        """Every agent (the root first) with own and clade counts: the tree."""
        return Records(Agent, self._read(read_agents))

    def lineage(self, agent: int) -> list[int]:
        """Agent ids from the root to `agent`."""
        parents = {row.agent: row.parent for row in self.agents()}
        if agent not in parents:
            raise UserError(f"{self.path}: no agent {agent} in this run ({len(parents)} agents)")
        chain = [agent]
        while (parent := parents[chain[-1]]) is not None:
            chain.append(parent)
        return chain[::-1]

    def evaluations(self) -> Records[Evaluation]:
        """Every finished evaluation, in the order they finished."""
        return self._read(read_evaluations)

    def expansions(self) -> Records[Expansion]:
        """Every finished expansion (self-modification), admitted or failed, in job order."""
        return self._read(read_expansions)

    def certifications(self) -> Records[CertifiedTask]:
        """Every (agent, task) pair `certify` has graded."""
        return self._read(read_certified)

    def costs(self) -> Costs:
        """Money by kind of job, and LLM calls, tokens and money per role."""
        return self._read(read_costs)

    def best(self, rule: str | None = None, epsilon: float | None = None) -> BestAgent:
        """The agent the run ships under `rule` (default: the run's [select] rule)."""
        from hgm.runconfig.status import shipped_agent

        found = self._read(
            lambda db: shipped_agent(
                db,
                rule or self._facts.rule,
                self._facts.epsilon if epsilon is None else epsilon,
            )
        )
        if found is None:
            raise UserError(f"{self.path}: the run has no agents yet")
        return found

    def progress(self) -> Records[ProgressPoint]:
        """The run after every 1/150 of its budget: the shipped agent, its interval, the best
        own mean, agents, failed expansions, money, busy workers (the dashboard's curve)."""
        from hgm.ui.model import ProgressPoint, RunModel
        from hgm.ui.source import opened

        with opened(self.path) as source:
            model = RunModel(source)
            model.refresh()
            return Records(ProgressPoint, model.points)

    def diff(self, agent: int, against: int | None = None) -> str:
        """The unified diff that made `agent` (against its parent, or agent `against`)."""
        from hgm.runconfig.agent_report import open_archive

        self.lineage(agent)  # a UserError for an agent the run does not have
        return open_archive(self._dir, self.config, "diff").diff(agent, against=against)

    # ---- certification ------------------------------------------------------------------

    def certify(
        self,
        agent: int | None = None,
        tasks: str | int = "held-out",
        workers: int | None = None,
        progress: bool = True,
    ) -> Certification:
        """Grade `agent` (default: the shipped one) and the root on held-out tasks ("held-out",
        "all", or the first N), recorded in run.db; the rates and their paired difference."""
        from hgm.evolve.certify_run import certify_run

        bar = _Bar("certifying") if progress else None
        try:
            return certify_run(
                self._dir,
                agent,
                str(tasks),
                workers,
                (lambda who, task, success: bar.advance()) if bar else (lambda *_: None),
                bar.begin if bar else None,
            )
        finally:
            if bar is not None:
                bar.stop()

    # ---- driving ------------------------------------------------------------------------

    @property
    def outcome(self) -> RunOutcome | None:
        """How this process's last drive of the run ended (None before it ends)."""
        return self._outcome

    def _drive(self, models: Models | None, background: bool, progress: bool) -> None:
        from hgm.runconfig.drive import StopSwitch, stop_on_signals

        if self._thread is not None and self._thread.is_alive():
            raise UserError(f"{self.path}: this Run is already driving the run")
        self._switch, self._error, self._outcome = StopSwitch(), None, None
        if not background:
            with stop_on_signals(self._switch):
                self._outcome = outcome_of(_drive_once(self._dir, models, self._switch, progress))
            return

        def work() -> None:
            try:
                assert self._switch is not None
                self._outcome = outcome_of(_drive_once(self._dir, models, self._switch, progress))
            except BaseException as error:  # handed to wait()
                self._error = error

        self._thread = threading.Thread(target=work, name=f"hgm-run-{self.name}")
        self._thread.start()

    def stop(self, wait: bool = True, timeout: float | None = None) -> RunStatus | None:
        """Stop the run cleanly (jobs in flight are recorded as interrupted; `hgm.resume`
        continues it), whether this process or another one drives it; with `wait`, wait
        for it to end and return its status. A run nothing drives is left as it is."""
        if self._thread is not None and self._thread.is_alive() and self._switch is not None:
            self._switch.request()
        elif self.is_running:
            pid = self._read(_driving_pid)
            if pid is None or pid == os.getpid():
                raise UserError(
                    f"{self.path}: driven by this process through another hgm.Run: call "
                    "stop() on the Run that hgm.start or hgm.resume returned"
                )
            os.kill(pid, signal.SIGTERM)  # what `hgm run` takes as a clean stop
        return self.wait(timeout) if wait else None

    def wait(self, timeout: float | None = None) -> RunStatus:
        """Wait until nothing drives the run (TimeoutError after `timeout` seconds); the
        status then. An error of a background drive is raised here."""
        deadline = None if timeout is None else time.monotonic() + timeout
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                raise TimeoutError(f"{self.path}: still running after {timeout} s")
            if self._error is not None:
                error, self._error = self._error, None
                raise error
        while self.is_running:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"{self.path}: still running after {timeout} s")
            time.sleep(POLL_S)
        return self.status()


def _driving_pid(db: sqlite3.Connection) -> int | None:
    row = db.execute(
        "SELECT pid FROM sessions WHERE ended_at IS NULL ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return None if row is None else int(row["pid"])


def _drive_once(
    directory: RunDir, models: Models | None, switch: StopSwitch, progress: bool
) -> RunSummary:
    """One session of the run's engine on this thread, with the CLI's live display."""
    from hgm.runconfig.drive import driving

    with driving(directory, models, switch) as drive:
        if not progress:
            return drive.run()
        from rich.console import Console
        from rich.live import Live

        from hgm.cli.progress import RunProgress

        with Live(console=Console(stderr=True), refresh_per_second=4) as live:
            display = RunProgress(drive.config, live)
            return drive.run(
                (display,),
                lambda engine: display.bind(engine.tree, drive.prepared.state, drive.cheaters()),
            )


class _Bar:
    """A rich progress bar on stderr, shown once its total is known."""

    def __init__(self, label: str) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self._progress = Progress(
            TextColumn(label), BarColumn(), MofNCompleteColumn(), console=Console(stderr=True)
        )
        self._task = self._progress.add_task(label, total=None)

    def begin(self, total: int) -> None:
        self._progress.update(self._task, total=total)
        self._progress.start()

    def advance(self) -> None:
        self._progress.advance(self._task)

    def stop(self) -> None:
        self._progress.stop()
