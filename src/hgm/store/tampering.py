"""Tampered grades in a run database: which evaluations attacked their grading, and by whom.

A real world records each grade's `tampered`, `tamper_evidence` and `suspicious` in the
evaluation's details (`evaluations.details`, and `certifications.details` for
`hgm certify`); these readers find them for `hgm status`, `show`, `results`, `tree` and
`certify`. Runs recorded before these fields existed simply have none.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any, Literal

TAMPERED = "json_extract(details, '$.tampered') = 1"


@dataclass(frozen=True, slots=True)
class TamperedGrade:
    """One tampered grade: of the search (`job` set) or of a certification."""

    source: Literal["search", "certification"]
    agent: int
    task: str
    job: int | None
    evidence: tuple[str, ...]

    def describe(self) -> str:
        where = f"evaluation job {self.job}" if self.source == "search" else "certification"
        evidence = "; ".join(self.evidence[:2]) or "no evidence recorded"
        return f"agent {self.agent}, task {self.task} ({where}): {evidence}"

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "agent": self.agent,
            "task": self.task,
            "job": self.job,
            "evidence": list(self.evidence),
        }


def _has_table(db: sqlite3.Connection, name: str) -> bool:
    query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    return db.execute(query, (name,)).fetchone() is not None


def _evidence(details: str) -> tuple[str, ...]:
    value = json.loads(details).get("tamper_evidence") or []
    return tuple(str(line) for line in value) if isinstance(value, list) else (str(value),)


def tampered_grades(db: sqlite3.Connection, agents: list[int] | None = None) -> list[TamperedGrade]:
    """Every tampered grade (of `agents` only, when given): search ones, then certifications."""
    where, arguments = TAMPERED, []
    if agents is not None:
        where += f" AND agent IN ({', '.join('?' for _ in agents)})"
        arguments = list(agents)
    found = [
        TamperedGrade("search", row[0], row[1], row[2], _evidence(row[3]))
        for row in db.execute(
            f"SELECT agent, task, job, details FROM evaluations WHERE {where} ORDER BY job",
            arguments,
        )
    ]
    if _has_table(db, "certifications"):
        found += [
            TamperedGrade("certification", row[0], row[1], None, _evidence(row[2]))
            for row in db.execute(
                f"SELECT agent, task, details FROM certifications WHERE {where} "
                "ORDER BY finished, task",
                arguments,
            )
        ]
    return found


def tampered_by_agent(db: sqlite3.Connection) -> dict[int, int]:
    """Agent -> how many of its search evaluations were tampered (agents with none left out)."""
    rows = db.execute(
        f"SELECT agent, count(*) FROM evaluations WHERE {TAMPERED} GROUP BY agent ORDER BY agent"
    )
    return {agent: count for agent, count in rows}
