"""Live progress of a run in the terminal: an engine observer that renders with rich.

Shows evaluations started against the budget, money, workers busy and on what,
tree size, failed expansions and the agent the run would ship now with its
posterior interval. Rendering happens at most a few times a second on the
engine's thread, so the display never reads the tree while it changes. Where the output
is not a terminal (a log file, a pipe), rich shows the display only at the end, so a line
of the same facts is printed every `log_every_s` seconds as well.
"""

from __future__ import annotations

import time
from collections.abc import Collection

from rich.console import Group
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from hgm.cli.counted_progress import duration
from hgm.engine.events import (
    AgentCreated,
    EvaluationFinished,
    EvaluationStarted,
    Event,
    ExpansionFinished,
    ExpansionStarted,
    JobInterrupted,
    JobPlaced,
    JobRequeued,
    RunFinished,
)
from hgm.engine.state import EngineState
from hgm.runconfig.config import RunConfig
from hgm.search.selection import Selection, select_final
from hgm.search.tree import Tree

REFRESH_S = 0.25
LOG_EVERY_S = 30.0
SHOWN_JOBS = 8


class RunProgress:
    """Observer that keeps a rich `Live` display of the run up to date."""

    def __init__(self, config: RunConfig, live: Live) -> None:
        self._config = config
        self._live = live
        self._tree: Tree | None = None
        self._in_flight: dict[int, str] = {}
        self._nodes: dict[int, str] = {}  # where a distributed executor placed each job
        self._charged: set[int] = set()
        self._cheaters: set[int] = set()  # agents with a tampered grade: never shipped
        self._failed_expansions = 0
        self._requeued = 0
        self._last_failure = ""
        self._money = 0.0
        self._last_render = 0.0
        self._started = time.monotonic()
        self._last_line = self._started
        self.log_every_s = 0.0 if live.console.is_terminal else LOG_EVERY_S
        self._bar = Progress(
            TextColumn("evaluations started"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        self._task = self._bar.add_task("evaluations", total=config.budget.task_evals)

    def bind(self, tree: Tree, resumed: EngineState | None, cheaters: Collection[int] = ()) -> None:
        """Watch `tree` (the engine's own), starting from the totals of a resumed run;
        `cheaters`: agents with a tampered grade so far (never shown as the one shipped)."""
        self._tree = tree
        self._cheaters.update(cheaters)
        if resumed is not None:
            self._bar.update(self._task, completed=resumed.evaluations_started)
            self._money = resumed.money_usd
            self._failed_expansions = resumed.expansions_failed
            self._charged = {job.id for job in resumed.requeue}
        self._render(force=True)

    def notify(self, event: Event) -> None:
        match event:
            case EvaluationStarted(job=job, agent=agent, task=task):
                if job not in self._charged:
                    self._charged.add(job)
                    self._bar.advance(self._task)
                self._in_flight[job] = f"evaluate agent {agent} on {task}"
            case ExpansionStarted(job=job, parent=parent, child=child):
                self._in_flight[job] = f"expand agent {parent} -> {child}"
            case (
                EvaluationFinished(job=job, cost_usd=cost)
                | ExpansionFinished(job=job, cost_usd=cost)
            ):
                self._in_flight.pop(job, None)
                self._nodes.pop(job, None)
                self._charged.discard(job)
                self._money += cost
                if isinstance(event, EvaluationFinished) and event.details.get("tampered"):
                    self._cheaters.add(event.agent)
                if isinstance(event, ExpansionFinished) and not event.ok:
                    self._failed_expansions += 1
            case JobInterrupted(job=job):
                self._in_flight.pop(job, None)
                self._nodes.pop(job, None)
                self._charged.discard(job)
            case JobPlaced(job=job, node=node) if job in self._in_flight:
                self._nodes[job] = node
            case JobRequeued(job=job, component=component, reason=reason):
                self._in_flight.pop(job, None)  # still charged: it runs again uncharged
                self._nodes.pop(job, None)
                self._requeued += 1
                self._last_failure = f"{component}: {reason}"
            case AgentCreated() | RunFinished():
                pass
        self._render(force=isinstance(event, RunFinished))

    def _render(self, *, force: bool) -> None:
        now = time.monotonic()
        if not force and now - self._last_render < REFRESH_S:
            return
        self._last_render = now
        self._live.update(Group(self._bar, self._facts()), refresh=force)
        if self.log_every_s and not force and now - self._last_line >= self.log_every_s:
            self._last_line = now
            self._live.console.print(self._line(now), highlight=False, markup=False, soft_wrap=True)

    def _line(self, now: float) -> str:
        """The facts on one line, for a log."""
        [task] = self._bar.tasks
        line = (
            f"run: {task.completed:.0f}/{task.total:.0f} evaluations started, "
            f"{len(self._in_flight)}/{self._config.run.workers} workers busy, "
            f"${self._money:.2f}, {duration(now - self._started)} so far"
        )
        if self._tree is not None and len(self._tree):
            best = self._best()
            line += (
                f", {len(self._tree)} agents ({self._failed_expansions} failed expansions), "
                f"best agent {best.agent}: {best.mean:.3f} over {best.n}"
            )
        if self._requeued:
            line += f", {self._requeued} re-queued"
        return line

    def _best(self) -> Selection:
        """The agent the run would ship now (never one with a tampered grade)."""
        assert self._tree is not None
        select = self._config.select
        return select_final(self._tree, select.rule, select.epsilon, self._cheaters)

    def _facts(self) -> Table:
        table = Table(show_header=False, box=None, padding=(0, 1))
        table.add_column(style="bold")
        table.add_column()
        money = f"${self._money:.2f}"
        if self._config.budget.money_usd is not None:
            money += f" / ${self._config.budget.money_usd:.2f}"
        table.add_row("money", money)
        table.add_row("workers busy", f"{len(self._in_flight)} / {self._config.run.workers}")
        for job, what in list(self._in_flight.items())[:SHOWN_JOBS]:
            where = f" on node {self._nodes[job]}" if job in self._nodes else ""
            table.add_row("", Text(f"job {job}: {what}{where}", style="dim"))
        if self._requeued:
            table.add_row(
                "re-queued",
                Text(f"{self._requeued} (infrastructure; last: {self._last_failure[:160]})"),
                style="red",
            )
        if self._tree is not None and len(self._tree):
            table.add_row(
                "tree", f"{len(self._tree)} agents, {self._failed_expansions} failed expansions"
            )
            best = self._best()
            table.add_row(
                f"best ({self._config.select.rule})",
                f"agent {best.agent}: {best.mean:.3f} over {best.n} evaluations, "
                f"interval [{best.low:.3f}, {best.high:.3f}]",
            )
        return table
