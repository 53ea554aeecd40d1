"""Evaluation rows with their recorded details, and why each failure failed.

Failure categories come from what was recorded, never from log text: the evaluation's
details (the sandbox's kill reason, the agent's exit code and stop reason, the grade with
its tampering verdict) and the statuses of the gateway's `llm_calls` rows for the job.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from hgm.ui.source import has_table

CATEGORIES = (
    "tampered",
    "budget",
    "context length",
    "timeout",
    "agent crash",
    "wrong answer",
    "no details",
)
_CRASH_KILLS = ("memory", "cpu", "pids", "file_size")
_CRASH_STOPS = ("error", "crash", "exception", "model_error")
_CHUNK = 500


def job_key(agent: int, task: str, details: dict[str, Any]) -> str:
    """The gateway's job key of an evaluation (`eval-<agent>-<task>` in a real world)."""
    return str(details.get("job") or f"eval-{agent}-{task}")


def tamper_flags(details: dict[str, Any]) -> dict[str, Any]:
    """`tampered`, `tamper_evidence` and `suspicious` where grading recorded them."""
    grade = details.get("grade") if isinstance(details.get("grade"), dict) else {}
    flags: dict[str, Any] = {}
    for key in ("tampered", "tamper_evidence", "suspicious"):
        value = details.get(key, grade.get(key))
        if value:
            flags[key] = value
    return flags


def failure_category(details: dict[str, Any], statuses: Iterable[str] = ()) -> str:
    """Why a failed evaluation failed: one of CATEGORIES (first match in that order)."""
    if not details:
        return "no details"
    if tamper_flags(details).get("tampered"):
        return "tampered"
    found = set(statuses)
    stop = str(details.get("stop_reason") or "")
    if "budget_exceeded" in found or stop == "budget_exceeded":
        return "budget"
    if "context_length_exceeded" in found or stop == "context_length_exceeded":
        return "context length"
    kill = details.get("kill_reason")
    if kill == "timeout" or stop == "time_limit":
        return "timeout"
    exit_code = details.get("exit_code")
    if kill in _CRASH_KILLS or exit_code not in (0, None) or stop in _CRASH_STOPS:
        return "agent crash"
    return "wrong answer"


def call_statuses(db: sqlite3.Connection, jobs: list[str]) -> dict[str, set[str]]:
    """Job key -> the error statuses of its LLM calls ("ok" left out)."""
    found: dict[str, set[str]] = {}
    if not jobs or not has_table(db, "llm_calls"):
        return found
    for start in range(0, len(jobs), _CHUNK):
        chunk = jobs[start : start + _CHUNK]
        marks = ",".join("?" for _ in chunk)
        rows = db.execute(
            f"SELECT DISTINCT job, status FROM llm_calls WHERE status != 'ok' AND job IN ({marks})",
            chunk,
        )
        for job, status in rows:
            found.setdefault(job, set()).add(status)
    return found


def evaluation_rows(db: sqlite3.Connection, agents: list[int]) -> list[dict[str, Any]]:
    """Every finished evaluation of `agents`, in the order they finished, each with its job
    key, a failure category (failures only) and tampering flags where present."""
    rows: list[dict[str, Any]] = []
    for start in range(0, len(agents), _CHUNK):
        chunk = agents[start : start + _CHUNK]
        marks = ",".join("?" for _ in chunk)
        cursor = db.execute(
            "SELECT job, agent, task, success, cost_usd, started, finished, details "
            f"FROM evaluations WHERE agent IN ({marks})",
            chunk,
        )
        for row in cursor:
            details = json.loads(row["details"])
            rows.append(
                {
                    "job": row["job"],
                    "agent": row["agent"],
                    "task": row["task"],
                    "success": bool(row["success"]),
                    "cost_usd": row["cost_usd"],
                    "started": row["started"],
                    "finished": row["finished"],
                    "key": job_key(row["agent"], row["task"], details),
                    "details": details,
                    **tamper_flags(details),
                }
            )
    rows.sort(key=lambda row: (row["finished"], row["job"]))
    failed = [row["key"] for row in rows if not row["success"]]
    statuses = call_statuses(db, failed)
    for row in rows:
        if not row["success"]:
            row["category"] = failure_category(row["details"], statuses.get(row["key"], ()))
    return rows
