"""A run's status, read from its directory only (works on live, finished and copied runs).

Read with SQL, `tomllib` and plain Python (`hgm.runconfig.facts`, `hgm.store.agent_counts`,
`hgm.store.shipped`), so `hgm status` starts fast; numpy and scipy load only for a
final-selection rule that `hgm.store.shipped` does not compute.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from hgm.errors import UserError
from hgm.runconfig.facts import RunFacts, parse_run_facts, read_run_facts
from hgm.store.agent_counts import read_agents
from hgm.store.configs import RecordedConfig, recorded_configs
from hgm.store.failures import database_errors
from hgm.store.queries import Counts, SessionRow
from hgm.store.run_dir import RunDir
from hgm.store.run_store import ABORTED_REASON, RunStore
from hgm.store.shipped import ship
from hgm.store.tampering import cheating_agents, tampered_grades

if TYPE_CHECKING:
    from hgm.runconfig.config import RunConfig

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
    node: str | None = None  # where a distributed executor placed it (its latest attempt)


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
    config_changes: tuple[str, ...] = ()  # edits of run.toml that resumes took, in order

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
    ).fetchall()
    nodes = job_nodes(store, [row["id"] for row in rows]) if rows else {}
    return tuple(
        RunningJob(
            row["id"],
            row["kind"],
            row["agent"],
            row["child"],
            row["task"],
            row["started"],
            nodes.get(row["id"]),
        )
        for row in rows
    )


def job_nodes(store: RunStore, jobs: list[int]) -> dict[int, str]:
    """The node each of `jobs` was last placed on (runs on a cluster: `JobPlaced` events)."""
    wanted = set(jobs)
    placed = store.connection.execute(
        "SELECT json_extract(payload, '$.job') AS job, json_extract(payload, '$.node') AS node "
        "FROM events WHERE type = 'JobPlaced' ORDER BY seq"
    )
    return {row["job"]: row["node"] for row in placed if row["job"] in wanted}


def shipped_agent(
    db: sqlite3.Connection, rule: str, epsilon: float, cheaters: Collection[int] | None = None
) -> BestAgent | None:
    """The agent the run ships under `rule` now (None before the root exists): never one
    with a tampered grade, in the search or in a certification (`cheaters`: those agents,
    when the caller has read them already)."""
    agents = read_agents(db)
    if not agents:
        return None
    if cheaters is None:
        cheaters = cheating_agents(db)
    found = ship(agents, rule, epsilon, cheaters)
    if found is None:  # a rule only hgm.search.selection computes
        from hgm.search.selection import select_final
        from hgm.store.queries import build_tree

        found = select_final(build_tree(db), rule, epsilon, cheaters)
    return BestAgent(
        agent=found.agent,
        mean=found.mean,
        interval=(found.low, found.high),
        evaluations=found.n,
        rule=rule,
        epsilon=epsilon,
    )


def tampered_agents(store: RunStore) -> tuple[TamperedAgent, ...]:
    """Agents whose grades were tampered, by agent id."""
    counts: dict[int, list[int]] = {}
    for grade in tampered_grades(store.connection):
        counts.setdefault(grade.agent, [0, 0])[grade.source == "certification"] += 1
    return tuple(TamperedAgent(agent, *counts[agent]) for agent in sorted(counts))


def facts_in_use(recorded: list[RecordedConfig], written: RunFacts, db_path: Path) -> RunFacts:
    """The facts of the config the run runs with: the last one it recorded (run.toml may
    hold an edit a resume has not taken yet), else run.toml's (`written`: runs made before
    configs were recorded)."""
    if recorded:
        try:
            return parse_run_facts(recorded[-1].config, f"{db_path} (recorded config)")
        except UserError:
            pass  # written by another hgm version: run.toml is the best there is
    return written


def best_agent(store: RunStore, config: RunConfig) -> BestAgent | None:
    """The agent the run ships under its [select] rule."""
    return shipped_agent(store.connection, config.select.rule, config.select.epsilon)


def read_status(path: Path) -> RunStatus:
    """The status of the run in directory `path`."""
    run_dir = RunDir.open(path)
    written = read_run_facts(run_dir.config_path)  # a broken run.toml is reported as such
    with database_errors(run_dir.db_path):
        return _read_status(run_dir, path, written)


def _read_status(run_dir: RunDir, path: Path, written: RunFacts) -> RunStatus:
    active = run_dir.is_active()
    with RunStore.open_for_reading(run_dir.db_path) as store:
        recorded = recorded_configs(store.connection)
        facts = facts_in_use(recorded, written, run_dir.db_path)
        counts: Counts = store.counts()
        session = store.last_session()
        tampered = tampered_agents(store)
        cheaters = {agent.agent for agent in tampered}
        best = shipped_agent(store.connection, facts.rule, facts.epsilon, cheaters)
        running = running_jobs(store) if active else ()
        edits = [line for record in recorded for line in record.changes]
        detail = store.connection.execute(
            "SELECT value FROM meta WHERE key = 'last_finish_detail'"
        ).fetchone()
    state = run_state(active, session)
    return RunStatus(
        name=facts.name,
        run_dir=str(path),
        state=state,
        finish_reason=None if session is None else session.end_reason,
        task_evals_started=counts.task_evals_started,
        task_evals_done=counts.task_evals_done,
        budget_task_evals=facts.task_evals,
        agents=counts.agents,
        expansions=counts.expansions_started,
        failed_expansions=counts.failed_expansions,
        jobs_unfinished=counts.jobs_unfinished,
        money_usd=counts.money_usd,
        best=best,
        workers=facts.workers,
        budget_money_usd=facts.money_usd,
        running=running,
        finish_detail=detail["value"] if detail is not None and state == "paused" else "",
        tampered_grades=sum(agent.search + agent.certification for agent in tampered),
        tampered_agents=tampered,
        config_changes=tuple(edits),
    )
