"""A run's status, read from its directory only (works on live, finished and copied runs)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from hgm.runconfig.config import RunConfig, read_run_config
from hgm.search.selection import Selection, select_final
from hgm.store.queries import Counts, SessionRow
from hgm.store.run_dir import RunDir
from hgm.store.run_store import ABORTED_REASON, RunStore
from hgm.store.tampering import tampered_grades

RunState = Literal["created", "running", "finished", "interrupted", "paused", "crashed", "failed"]
INTERRUPTED_REASONS = ("stopped", ABORTED_REASON)
PAUSED_REASON = "paused"


@dataclass(frozen=True, slots=True)
class BestAgent:
    """The agent the run would ship now, with its own posterior interval."""

    agent: int
    mean: float
    interval: tuple[float, float]
    evaluations: int
    rule: str
    epsilon: float


@dataclass(frozen=True, slots=True)
class RunningJob:
    """A job the driving process has started and not finished: what a busy worker is doing."""

    job: int
    kind: Literal["expand", "evaluate"]
    agent: int
    child: int | None
    task: str | None
    since: float


@dataclass(frozen=True, slots=True)
class TamperedAgent:
    """An agent with tampered grades: how many in the search and in certifications."""

    agent: int
    search: int
    certification: int


@dataclass(frozen=True, slots=True)
class RunStatus:
    name: str
    run_dir: str
    state: RunState
    finish_reason: str | None
    task_evals_started: int
    task_evals_done: int
    budget_task_evals: int
    agents: int
    expansions: int
    failed_expansions: int
    jobs_unfinished: int
    money_usd: float
    best: BestAgent | None
    workers: int = 0
    budget_money_usd: float | None = None
    running: tuple[RunningJob, ...] = ()
    finish_detail: str = ""
    tampered_grades: int = 0
    tampered_agents: tuple[TamperedAgent, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if self.best is not None:
            data["best"]["interval"] = list(self.best.interval)
        return data


def run_state(active: bool, session: SessionRow | None) -> RunState:
    """What the run is doing: the lock says whether a process drives it, the sessions how it ended.

    `crashed` means the last process died without recording an end (killed); `paused`
    means it stopped itself after repeated infrastructure failures (provider, sandbox...);
    like `interrupted`, such runs continue with `hgm resume`.
    """
    if active:
        return "running"
    if session is None:
        return "created"
    if session.ended_at is None:
        return "crashed"
    if session.end_reason in INTERRUPTED_REASONS:
        return "interrupted"
    if session.end_reason == PAUSED_REASON:
        return "paused"
    if session.end_reason is not None and session.end_reason.startswith("error"):
        return "failed"
    return "finished"


def running_jobs(store: RunStore) -> tuple[RunningJob, ...]:
    """The jobs marked running, oldest first (only meaningful while a process drives the run)."""
    rows = store.connection.execute(
        "SELECT id, kind, agent, child, task, started FROM jobs "
        "WHERE status = 'running' ORDER BY started, id"
    )
    return tuple(
        RunningJob(row["id"], row["kind"], row["agent"], row["child"], row["task"], row["started"])
        for row in rows
    )


def best_agent(store: RunStore, config: RunConfig) -> BestAgent | None:
    tree = store.tree()
    if len(tree) == 0:
        return None
    selection: Selection = select_final(tree, config.select.rule, config.select.epsilon)
    return BestAgent(
        agent=selection.agent,
        mean=selection.mean,
        interval=(selection.low, selection.high),
        evaluations=selection.n,
        rule=config.select.rule,
        epsilon=config.select.epsilon,
    )


def tampered_agents(store: RunStore) -> tuple[TamperedAgent, ...]:
    """Agents whose grades were tampered, by agent id."""
    counts: dict[int, list[int]] = {}
    for grade in tampered_grades(store.connection):
        counts.setdefault(grade.agent, [0, 0])[grade.source == "certification"] += 1
    return tuple(TamperedAgent(agent, *counts[agent]) for agent in sorted(counts))


def read_status(path: Path) -> RunStatus:
    """The status of the run in directory `path`."""
    run_dir = RunDir.open(path)
    config, _ = read_run_config(run_dir.config_path)
    active = run_dir.is_active()
    with RunStore.open_for_reading(run_dir.db_path) as store:
        counts: Counts = store.counts()
        session = store.last_session()
        best = best_agent(store, config)
        running = running_jobs(store) if active else ()
        tampered = tampered_agents(store)
        detail = store.connection.execute(
            "SELECT value FROM meta WHERE key = 'last_finish_detail'"
        ).fetchone()
    state = run_state(active, session)
    return RunStatus(
        name=config.run.name,
        run_dir=str(path),
        state=state,
        finish_reason=None if session is None else session.end_reason,
        task_evals_started=counts.task_evals_started,
        task_evals_done=counts.task_evals_done,
        budget_task_evals=config.budget.task_evals,
        agents=counts.agents,
        expansions=counts.expansions_started,
        failed_expansions=counts.failed_expansions,
        jobs_unfinished=counts.jobs_unfinished,
        money_usd=counts.money_usd,
        best=best,
        workers=config.run.workers,
        budget_money_usd=config.budget.money_usd,
        running=running,
        finish_detail=detail["value"] if detail is not None and state == "paused" else "",
        tampered_grades=sum(agent.search + agent.certification for agent in tampered),
        tampered_agents=tampered,
    )
