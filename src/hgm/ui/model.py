"""A run's tree, counters and progress, kept up to date from its append-only event log.

`RunModel.refresh()` reads only the events written since the last call (`events.seq` is
the cursor), so a viewer of a live run pays for what changed, not for the whole run. The
numbers come from the same code the engine and the CLI use: the tree and its clade
counters are `hgm.search.tree.Tree`, the shipped agent is `hgm.search.selection.select_final`
under the run's `[select]` rule, and node colours are the posterior mean of the counts the
run's policy samples (`sampled_counts`).

Each node carries the sequence number of the last event that changed it, so `changes(v)`
answers "what is new since version v" without comparing trees. Progress is sampled at a
fixed grid of evaluations (about `CHECKPOINTS` points over the budget), so a live curve
only ever gains points.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hgm.search.config import GreedyPolicyConfig, HGMPolicyConfig
from hgm.search.selection import select_final
from hgm.search.tree import Tree
from hgm.ui.source import RunSource

CHECKPOINTS = 150
NODE_FIELDS = ("id", "parent", "own_s", "own_f", "clade_s", "clade_f", "clade_fx", "failed", "p")


@dataclass(frozen=True, slots=True)
class ProgressPoint:
    """The run after `evaluations` finished evaluations (engine clock `time`)."""

    evaluations: int
    time: float
    shipped: int
    shipped_mean: float
    shipped_low: float
    shipped_high: float
    best_own_mean: float
    agents: int
    failed_expansions: int
    money_usd: float
    busy: int


@dataclass(frozen=True, slots=True)
class FailedExpansion:
    """An expansion that made no admitted child, with the reason it gave."""

    job: int
    parent: int
    child: int
    reason: str
    cost_usd: float
    time: float


@dataclass(frozen=True, slots=True)
class Running:
    job: int
    kind: str
    agent: int
    child: int | None
    task: str | None
    since: float


def colour_rule(config: Any) -> str:
    """What a node's colour is: the posterior mean of the counts the policy samples."""
    if isinstance(config, GreedyPolicyConfig):
        return "own posterior mean (1 + s) / (2 + s + f): greedy samples own counts"
    if isinstance(config, HGMPolicyConfig) and config.failed_expansion_counts_in_clade:
        return (
            "clade posterior mean (1 + s) / (2 + s + f + failed expansions): the clade "
            "Thompson draw of HGM (failed expansions count as failures)"
        )
    if isinstance(config, HGMPolicyConfig):
        return "clade posterior mean (1 + s) / (2 + s + f): the clade Thompson draw of HGM"
    return (
        "clade posterior mean (1 + s) / (2 + s + f) (this policy does not sample clades; "
        "shown for comparison with HGM)"
    )


def sampled_counts(tree: Tree, config: Any) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Per dense index, the successes and failures the run's policy draws parents from."""
    if isinstance(config, GreedyPolicyConfig):
        return tree.own_s, tree.own_f
    failures = tree.clade_f
    if isinstance(config, HGMPolicyConfig) and config.failed_expansion_counts_in_clade:
        failures = failures + tree.clade_fx
    return tree.clade_s, failures


def posterior_means(tree: Tree, config: Any) -> NDArray[np.float64]:
    """The mean of Beta(1 + s, 1 + f) over the sampled counts (temperature does not move it)."""
    successes, failures = sampled_counts(tree, config)
    return (1.0 + successes) / (2.0 + successes + failures)


class RunModel:
    """See the module docstring. Not thread-safe: the server refreshes it on one thread."""

    def __init__(self, source: RunSource, checkpoints: int = CHECKPOINTS) -> None:
        self.source = source
        self.config = source.config
        self.tree = Tree()
        self.seq = 0
        self.created: dict[int, float] = {}
        self.made_by: dict[int, int | None] = {}
        self.failed: list[FailedExpansion] = []
        self.failed_children: dict[int, int] = {}
        self.running: dict[int, Running] = {}
        self.points: list[ProgressPoint] = []
        self.evaluations_started: set[int] = set()
        self.expansions_started: set[int] = set()
        self.evaluations_done = 0
        self.money_usd = 0.0
        self.time = 0.0
        self.finish_reason: str | None = None
        self._versions: list[int] = []
        self._step = max(1, math.ceil(self.config.budget.task_evals / checkpoints))

    # ---- reading new events -----------------------------------------------------------

    def refresh(self) -> bool:
        """Apply every event written since the last refresh; True when there were any."""
        rows = self.source.read(
            lambda db: db.execute(
                "SELECT seq, type, time, payload FROM events WHERE seq > ? ORDER BY seq",
                (self.seq,),
            ).fetchall()
        )
        for seq, kind, time, payload in rows:
            self.seq = seq
            self.time = max(self.time, float(time))
            self._apply(kind, json.loads(payload))
        return bool(rows)

    def _touch(self, agent: int) -> None:
        """Mark `agent` and its ancestors (their clade counters moved) as changed now."""
        versions, tree = self._versions, self.tree
        node: int | None = agent
        while node is not None:
            versions[tree.index_of(node)] = self.seq
            node = tree.parent(node)

    def _add(self, agent: int, parent: int | None, time: float, job: int | None) -> None:
        if agent in self.tree or (parent is not None and parent not in self.tree):
            return
        self.tree.add_agent(agent, parent)
        self._versions.append(self.seq)
        self.created[agent] = time
        self.made_by[agent] = job

    def _apply(self, kind: str, event: dict[str, Any]) -> None:
        if kind == "AgentCreated":
            self._add(event["agent"], event["parent"], event["time"], event.get("job"))
        elif kind in ("ExpansionStarted", "EvaluationStarted"):
            expand = kind == "ExpansionStarted"
            (self.expansions_started if expand else self.evaluations_started).add(event["job"])
            self.running[event["job"]] = Running(
                event["job"],
                "expand" if expand else "evaluate",
                event["parent"] if expand else event["agent"],
                event.get("child"),
                event.get("task"),
                event["time"],
            )
        elif kind == "ExpansionFinished":
            self._expansion_finished(event)
        elif kind == "EvaluationFinished":
            self._evaluation_finished(event)
        elif kind in ("JobInterrupted", "JobRequeued"):  # not running: waits to run again
            self.running.pop(event["job"], None)
        elif kind == "RunFinished":
            self.running.clear()
            self.finish_reason = event["reason"]

    def _expansion_finished(self, event: dict[str, Any]) -> None:
        self.running.pop(event["job"], None)
        self.money_usd += event["cost_usd"]
        parent = event["parent"]
        if event["ok"]:
            self._add(event["child"], parent, event["finished"], event["job"])
            return
        if parent not in self.tree:
            return
        self.failed.append(
            FailedExpansion(
                event["job"],
                parent,
                event["child"],
                event["reason"],
                event["cost_usd"],
                event["finished"],
            )
        )
        self.failed_children[parent] = self.failed_children.get(parent, 0) + 1
        self.tree.record_failed_expansion(parent)
        self._touch(parent)

    def _evaluation_finished(self, event: dict[str, Any]) -> None:
        self.running.pop(event["job"], None)
        agent, task = event["agent"], event["task"]
        if agent not in self.tree or self.tree.is_evaluated(agent, task):
            return
        self.tree.record(agent, task, bool(event["success"]))
        self.evaluations_done += 1
        self.money_usd += event["cost_usd"]
        self._touch(agent)
        if self.evaluations_done % self._step == 0:
            self.points.append(self.point())

    # ---- answers ----------------------------------------------------------------------

    def point(self) -> ProgressPoint:
        """The run as it stands now, as one progress point."""
        tree = self.tree
        select = self.config.select
        shipped = select_final(tree, select.rule, select.epsilon)
        n = tree.own_n
        best_own = float((tree.own_s[n > 0] / n[n > 0]).max()) if (n > 0).any() else 0.0
        return ProgressPoint(
            evaluations=self.evaluations_done,
            time=self.time,
            shipped=shipped.agent,
            shipped_mean=shipped.mean,
            shipped_low=shipped.low,
            shipped_high=shipped.high,
            best_own_mean=best_own,
            agents=len(tree),
            failed_expansions=len(self.failed),
            money_usd=self.money_usd,
            busy=len(self.running),
        )

    def nodes(self, since: int = -1) -> list[list[Any]]:
        """Rows of NODE_FIELDS for every agent changed after version `since`, in id order."""
        tree = self.tree
        if len(tree) == 0:
            return []
        changed = np.flatnonzero(np.asarray(self._versions) > since)
        means = posterior_means(tree, self.config.policy)
        ids = tree.ids
        rows = []
        for index in changed.tolist():
            agent = int(ids[index])
            parent = tree.parent(agent)
            rows.append(
                [
                    agent,
                    parent,
                    int(tree.own_s[index]),
                    int(tree.own_f[index]),
                    int(tree.clade_s[index]),
                    int(tree.clade_f[index]),
                    int(tree.clade_fx[index]),
                    self.failed_children.get(agent, 0),
                    round(float(means[index]), 4),
                ]
            )
        return rows

    def running_jobs(self, active: bool) -> list[dict[str, Any]]:
        """Jobs in flight; only while a process drives the run (else they were cut short)."""
        return [asdict(job) for job in self.running.values()] if active else []

    def counts(self) -> dict[str, Any]:
        return {
            "evaluations_started": len(self.evaluations_started),
            "evaluations_done": self.evaluations_done,
            "budget": self.config.budget.task_evals,
            "money_budget_usd": self.config.budget.money_usd,
            "agents": len(self.tree),
            "expansions": len(self.expansions_started),
            "failed_expansions": len(self.failed),
            "money_usd": self.money_usd,
            "workers": self.config.run.workers,
            "time": self.time,
        }

    def lineage(self, agent: int) -> list[int]:
        chain = [agent]
        while (parent := self.tree.parent(chain[-1])) is not None:
            chain.append(parent)
        return chain[::-1]

    def clade(self, agent: int) -> list[int]:
        """`agent` and every descendant, parents before children."""
        members, stack = [], [agent]
        while stack:
            node = stack.pop()
            members.append(node)
            stack.extend(reversed(self.tree.children(node)))
        return members
