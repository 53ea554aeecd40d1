"""The rows of `hgm.Run`'s readers, from a run database opened read-only (plain SQL, no
numpy: reading a run from Python starts as fast as `hgm status`)."""

from __future__ import annotations

import json
import sqlite3

from hgm.api.records import (
    CertifiedTask,
    Costs,
    Evaluation,
    Expansion,
    Records,
    RoleUsage,
)
from hgm.store.queries import read_results


def has_table(db: sqlite3.Connection, name: str) -> bool:
    query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    return db.execute(query, (name,)).fetchone() is not None


def _lines(value: object) -> tuple[str, ...]:
    return tuple(str(line) for line in value) if isinstance(value, list) else ()


def read_evaluations(db: sqlite3.Connection) -> Records[Evaluation]:
    """Every finished evaluation, in the order they finished."""
    return Records(
        Evaluation,
        (
            Evaluation(
                job=row.job,
                agent=row.agent,
                task=row.task,
                success=row.result,
                started=row.started,
                finished=row.finished,
                cost_usd=row.cost_usd,
                tampered=row.details.get("tampered") is True,
                tamper_evidence=_lines(row.details.get("tamper_evidence")),
                suspicious=_lines(row.details.get("suspicious")),
                details=row.details,
            )
            for row in read_results(db)
        ),
    )


def read_expansions(db: sqlite3.Connection) -> Records[Expansion]:
    """Every finished expansion, admitted or failed, in job order."""
    rows = db.execute(
        "SELECT job, parent, child, ok, reason, cost_usd, started, finished, details "
        "FROM expansions ORDER BY job"
    )
    return Records(
        Expansion,
        (
            Expansion(
                job=row["job"],
                parent=row["parent"],
                child=row["child"],
                admitted=bool(row["ok"]),
                reason=row["reason"],
                cost_usd=row["cost_usd"],
                started=row["started"],
                finished=row["finished"],
                details=json.loads(row["details"]),
            )
            for row in rows
        ),
    )


def read_certified(db: sqlite3.Connection) -> Records[CertifiedTask]:
    """Every (agent, task) pair certification graded, in the order they finished."""
    if not has_table(db, "certifications"):
        return Records(CertifiedTask)
    rows = db.execute(
        "SELECT agent, task, success, cost_usd, duration, finished FROM certifications "
        "ORDER BY finished, agent, task"
    )
    return Records(
        CertifiedTask,
        (
            CertifiedTask(
                agent=row["agent"],
                task=row["task"],
                success=bool(row["success"]),
                cost_usd=row["cost_usd"],
                duration=row["duration"],
                finished=row["finished"],
            )
            for row in rows
        ),
    )


def read_costs(db: sqlite3.Connection) -> Costs:
    """Money by kind of job, and the gateway's calls, tokens and money per role."""
    evaluations, expansions = db.execute(
        "SELECT (SELECT coalesce(sum(cost_usd), 0.0) FROM evaluations), "
        "(SELECT coalesce(sum(cost_usd), 0.0) FROM expansions)"
    ).fetchone()
    certifications = 0.0
    if has_table(db, "certifications"):
        (certifications,) = db.execute(
            "SELECT coalesce(sum(cost_usd), 0.0) FROM certifications"
        ).fetchone()
    roles: list[RoleUsage] = []
    if has_table(db, "llm_calls"):
        roles = [
            RoleUsage(
                role=row["role"],
                calls=row["calls"],
                input_tokens=row["input_tokens"],
                output_tokens=row["output_tokens"],
                cost_usd=row["cost_usd"],
            )
            for row in db.execute(
                "SELECT role, count(*) AS calls, coalesce(sum(input_tokens), 0) AS input_tokens, "
                "coalesce(sum(output_tokens), 0) AS output_tokens, "
                "coalesce(sum(cost_usd), 0.0) AS cost_usd "
                "FROM llm_calls GROUP BY role ORDER BY role"
            )
        ]
    return Costs(
        money_usd=float(evaluations) + float(expansions),
        evaluations_usd=float(evaluations),
        expansions_usd=float(expansions),
        certifications_usd=float(certifications),
        by_role=Records(RoleUsage, roles),
    )
