"""One agent of a run, read from the run directory only: lineage, results, cost, origin.

Used by `hgm show` and `hgm export`. The store gives the tree, evaluations, expansions
and (when a gateway recorded them) LLM calls; the archive (`<run>/agents.git`, real
worlds only) gives the problem statement and entry each version was made from.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scipy.special import betaincinv

from hgm.archive import Archive
from hgm.errors import UserError
from hgm.runconfig.config import RunConfig
from hgm.search.tree import Tree
from hgm.store.run_dir import RunDir
from hgm.store.tampering import TamperedGrade, tampered_grades

ARCHIVE_DIR_NAME = "agents.git"


@dataclass(frozen=True, slots=True)
class Record:
    """Successes and failures with the mean and the posterior interval of Beta(1 + s, 1 + f)."""

    successes: int
    failures: int
    mean: float | None
    interval: tuple[float, float]

    @classmethod
    def of(cls, successes: int, failures: int, epsilon: float) -> Record:
        n = successes + failures
        low, high = betaincinv(1.0 + successes, 1.0 + failures, [epsilon, 1.0 - epsilon])
        mean = None if n == 0 else successes / n
        return cls(successes, failures, mean, (float(low), float(high)))


@dataclass(frozen=True, slots=True)
class AgentReport:
    """Everything `hgm show` prints about one agent (see `to_json` for the field names)."""

    agent: int
    parent: int | None
    lineage: list[int]
    children: list[int]
    own: Record
    clade: Record
    epsilon: float
    origin: dict[str, Any]
    cost: dict[str, Any]
    evaluations: list[dict[str, Any]]
    failed_expansions: list[dict[str, Any]]
    certifications: list[dict[str, Any]]
    tampered: list[TamperedGrade] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        def record(r: Record) -> dict[str, Any]:
            return {
                "successes": r.successes,
                "failures": r.failures,
                "mean": r.mean,
                "interval": list(r.interval),
            }

        return {
            "agent": self.agent,
            "parent": self.parent,
            "lineage": self.lineage,
            "children": self.children,
            "own": record(self.own),
            "clade": record(self.clade),
            "epsilon": self.epsilon,
            "origin": self.origin,
            "cost": self.cost,
            "evaluations": self.evaluations,
            "failed_expansions": self.failed_expansions,
            "certifications": self.certifications,
            "tampered": [grade.to_json() for grade in self.tampered],
        }


def require_agent(tree: Tree, agent: int, run_dir: Path) -> None:
    """A `UserError` naming the agents the run has when `agent` is not one of them."""
    if agent in tree:
        return
    ids = tree.agents()
    span = f"ids {min(ids)}..{max(ids)}" if ids else "none yet"
    raise UserError(f"{run_dir}: no agent {agent} in this run ({len(ids)} agents, {span})")


def open_archive(run_dir: RunDir, config: RunConfig, command: str) -> Archive:
    """The run's archive; a clear error for a simulated world, whose agents have no code."""
    if config.world.kind == "sim":
        raise UserError(
            f"{run_dir.path}: a simulated-world run: sim agents have no code, so "
            f"`hgm {command}` has nothing to show (use `hgm show` for their results)"
        )
    path = run_dir.path / ARCHIVE_DIR_NAME
    if not path.is_dir():
        raise UserError(f"{run_dir.path}: no agent archive ({ARCHIVE_DIR_NAME}) yet")
    return Archive.open(path)


def lineage_of(tree: Tree, agent: int) -> list[int]:
    """Agent ids from the root to `agent`, inclusive."""
    chain = [agent]
    while (parent := tree.parent(chain[-1])) is not None:
        chain.append(parent)
    return chain[::-1]


def evaluations_of(db: sqlite3.Connection, agent: int) -> list[dict[str, Any]]:
    """The agent's evaluations, oldest first; `tampered` with its evidence and the
    suspicious constructs of each grade (a real world records them)."""
    rows = db.execute(
        "SELECT job, task, success, cost_usd, started, finished, details FROM evaluations "
        "WHERE agent = ? ORDER BY finished, job",
        (agent,),
    )
    evaluations = []
    for row in rows:
        details = json.loads(row["details"])
        evaluations.append(
            {
                "job": row["job"],
                "task": row["task"],
                "success": bool(row["success"]),
                "cost_usd": row["cost_usd"],
                "started": row["started"],
                "finished": row["finished"],
                "tampered": details.get("tampered") is True,
                "tamper_evidence": details.get("tamper_evidence") or [],
                "suspicious": details.get("suspicious") or [],
            }
        )
    return evaluations


def expansion_of(db: sqlite3.Connection, agent: int) -> dict[str, Any] | None:
    """The expansion that made `agent` (None for the root)."""
    row = db.execute(
        "SELECT job, parent, ok, reason, cost_usd, details FROM expansions WHERE child = ?",
        (agent,),
    ).fetchone()
    if row is None:
        return None
    return {
        "job": row["job"],
        "parent": row["parent"],
        "admitted": bool(row["ok"]),
        "reason": row["reason"],
        "cost_usd": row["cost_usd"],
        "details": json.loads(row["details"]),
    }


def failed_expansions_of(db: sqlite3.Connection, agent: int) -> list[dict[str, Any]]:
    rows = db.execute(
        "SELECT job, child, reason, cost_usd FROM expansions "
        "WHERE parent = ? AND ok = 0 ORDER BY job",
        (agent,),
    )
    return [
        {"job": r["job"], "child": r["child"], "reason": r["reason"], "cost_usd": r["cost_usd"]}
        for r in rows
    ]


def _has_table(db: sqlite3.Connection, name: str) -> bool:
    query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    return db.execute(query, (name,)).fetchone() is not None


def llm_usage_of(db: sqlite3.Connection, agent: int) -> dict[str, Any] | None:
    """The gateway's record of the agent's own jobs (its making, evaluations, certifications),
    per role; None when no gateway recorded anything in this database."""
    if not _has_table(db, "llm_calls"):
        return None
    rows = db.execute(
        "SELECT role, count(*) AS calls, sum(input_tokens + output_tokens) AS tokens, "
        "sum(cost_usd) AS cost FROM llm_calls "
        "WHERE job = ? OR job LIKE ? OR job LIKE ? GROUP BY role ORDER BY role",
        (f"expand-{agent}", f"eval-{agent}-%", f"certify-{agent}-%"),
    )
    return {
        row["role"]: {"calls": row["calls"], "tokens": row["tokens"], "cost_usd": row["cost"]}
        for row in rows
    }


def cost_of(db: sqlite3.Connection, agent: int, expansion: dict[str, Any] | None) -> dict[str, Any]:
    evaluations = db.execute(
        "SELECT coalesce(sum(cost_usd), 0.0) FROM evaluations WHERE agent = ?", (agent,)
    ).fetchone()[0]
    made = 0.0 if expansion is None else float(expansion["cost_usd"])
    return {
        "expansion_usd": made,
        "evaluations_usd": float(evaluations),
        "total_usd": made + float(evaluations),
        "llm_by_role": llm_usage_of(db, agent),
    }


def origin_of(
    archive: Archive | None, agent: int, expansion: dict[str, Any] | None
) -> dict[str, Any]:
    """What the agent was made from: the archive's metadata, else the store's expansion."""
    origin: dict[str, Any] = {}
    if expansion is not None:
        details = expansion["details"]
        keys = ("problem_statement", "entry", "diagnosis_summary", "true_skill")
        origin = {key: details[key] for key in keys if key in details}
    if archive is not None and archive.has(agent):
        recorded = archive.record(agent)
        origin |= {"message": recorded.message, "commit": recorded.commit, **recorded.metadata}
    return origin


def agent_report(
    run_dir: RunDir,
    config: RunConfig,
    db: sqlite3.Connection,
    tree: Tree,
    agent: int,
    certifications: list[dict[str, Any]],
) -> AgentReport:
    """The report on `agent` of the run in `run_dir` (its store open as `db`, its `tree`)."""
    require_agent(tree, agent, run_dir.path)
    archive_path = run_dir.path / ARCHIVE_DIR_NAME
    archive = Archive.open(archive_path) if archive_path.is_dir() else None
    expansion = expansion_of(db, agent)
    epsilon = config.select.epsilon
    return AgentReport(
        agent=agent,
        parent=tree.parent(agent),
        lineage=lineage_of(tree, agent),
        children=sorted(tree.children(agent)),
        own=Record.of(tree.own_successes(agent), tree.own_failures(agent), epsilon),
        clade=Record.of(tree.clade_successes(agent), tree.clade_failures(agent), epsilon),
        epsilon=epsilon,
        origin=origin_of(archive, agent, expansion),
        cost=cost_of(db, agent, expansion),
        evaluations=evaluations_of(db, agent),
        failed_expansions=failed_expansions_of(db, agent),
        certifications=certifications,
        tampered=tampered_grades(db, [agent]),
    )
