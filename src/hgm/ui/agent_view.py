"""One agent's page: its report, diffs, evaluations with categories, and one job's trajectory.

Plain functions over a `RunSource` and a `RunModel`, returning JSON-ready dicts; the HTTP
layer (`hgm.ui.server`) and the static report (`hgm.ui.bundle`) both call them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hgm.archive import Archive, ArchiveError
from hgm.errors import UserError
from hgm.evolve.ablation_store import read_ablation
from hgm.evolve.certify import certification_rows
from hgm.evolve.versions import job_dir_name
from hgm.runconfig.agent_report import agent_report
from hgm.ui.evaluations import evaluation_rows
from hgm.ui.model import RunModel, posterior_means
from hgm.ui.source import RunSource, has_table

DIFF_CHARS = 200_000
TEXT_CHARS = 20_000


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f"\n... ({len(text) - limit} more)"


def open_archive(source: RunSource) -> Archive | None:
    """The run's archive, or None (a simulated world, or a run without one yet)."""
    return Archive.open(source.archive_path) if (source.archive_path / "HEAD").is_file() else None


def agent_diffs(source: RunSource, model: RunModel, agent: int) -> dict[str, str] | None:
    """The agent's diff against its parent and against the root (None without an archive)."""
    archive = open_archive(source)
    if archive is None or not archive.has(agent):
        return None
    root = model.tree.agents()[0]
    try:
        parent = archive.diff(agent) if agent != root else ""
        from_root = archive.diff(agent, against=root) if agent != root else ""
    except ArchiveError as error:
        return {"parent": f"(no diff: {error})", "root": ""}
    return {"parent": _cut(parent, DIFF_CHARS), "root": _cut(from_root, DIFF_CHARS)}


def agent_page(source: RunSource, model: RunModel, agent: int) -> dict[str, Any]:
    """Everything the dashboard shows about `agent` (UserError when there is no such agent)."""
    tree = model.tree

    def read(db: Any) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any] | None]:
        report = agent_report(
            source.run_dir, source.config, db, tree, agent, certification_rows(db, agent)
        )
        return report.to_json(), evaluation_rows(db, [agent]), read_ablation(db, agent)

    report, evaluations, ablation = source.read(read)
    for row in evaluations:
        row.pop("details")
    index = tree.index_of(agent)
    report |= {
        "p": float(posterior_means(tree, source.config.policy)[index]),
        "created": model.created.get(agent),
        "evaluations": evaluations,
        "diffs": agent_diffs(source, model, agent),
        "ablation": ablation,
        "shipped": model.point().shipped == agent,
        "running": [job for job in model.running_jobs(source.is_active()) if job["agent"] == agent],
    }
    return report


def _messages(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The conversation of a job: the last call's request messages plus its answer."""
    if not calls:
        return []
    last = calls[-1]
    messages = list(last["request"].get("messages", []))
    response = last.get("response") or {}
    for choice in response.get("choices", [])[:1]:
        if isinstance(choice.get("message"), dict):
            messages.append(choice["message"])
    return [_trim_message(message) for message in messages]


def _trim_message(message: dict[str, Any]) -> dict[str, Any]:
    content = message.get("content")
    if isinstance(content, list):
        content = "\n".join(str(part.get("text", part)) for part in content)
    trimmed: dict[str, Any] = {"role": message.get("role", "?"), "content": content or ""}
    if isinstance(trimmed["content"], str):
        trimmed["content"] = _cut(trimmed["content"], TEXT_CHARS)
    calls = message.get("tool_calls") or []
    if calls:
        trimmed["tool_calls"] = [
            {
                "name": (call.get("function") or {}).get("name", "?"),
                "arguments": _cut(str((call.get("function") or {}).get("arguments", "")), 8000),
            }
            for call in calls
        ]
    if message.get("name"):
        trimmed["name"] = message["name"]
    return trimmed


def _grade_record(path: Path) -> dict[str, Any] | None:
    """The grade from a job's record.json (what the harness recorded), or None."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    grade = record.get("grade") or {}
    run = record.get("run") or {}
    return {
        "resolved": record.get("resolved"),
        "tests": grade.get("tests", []),
        "dropped_files": grade.get("dropped_files", []),
        "error": grade.get("error", ""),
        "log_tail": _cut(str(grade.get("log_tail", "")), TEXT_CHARS),
        "tampered": grade.get("tampered", False),
        "tamper_evidence": grade.get("tamper_evidence", []),
        "suspicious": grade.get("suspicious", []),
        "diff": _cut(str(run.get("diff", "")), DIFF_CHARS),
        "stop_reason": run.get("stop_reason"),
        "stop_detail": run.get("stop_detail"),
        "process": {
            key: (run.get("process") or {}).get(key)
            for key in ("exit_code", "killed", "wall_s", "stdout_tail", "stderr_tail")
        },
    }


def job_trajectory(source: RunSource, job: str) -> dict[str, Any]:
    """One job's LLM calls (the gateway's record: the authoritative trajectory), its
    conversation, and the harness's grade record when the job left one."""
    if not job or len(job) > 500:
        raise UserError(f"job {job!r} is not a job key")

    def read(db: Any) -> list[dict[str, Any]]:
        if not has_table(db, "llm_calls"):
            return []
        rows = db.execute(
            "SELECT role, model, status, started_at, latency_s, input_tokens, output_tokens, "
            "cost_usd, request_json, response_json, error_json FROM llm_calls "
            "WHERE job = ? ORDER BY id",
            (job,),
        )
        return [
            {
                "role": row["role"],
                "model": row["model"],
                "status": row["status"],
                "started_at": row["started_at"],
                "latency_s": row["latency_s"],
                "input_tokens": row["input_tokens"],
                "output_tokens": row["output_tokens"],
                "cost_usd": row["cost_usd"],
                "request": json.loads(row["request_json"]),
                "response": json.loads(row["response_json"]) if row["response_json"] else None,
                "error": json.loads(row["error_json"]) if row["error_json"] else None,
            }
            for row in rows
        ]

    calls = source.read(read)
    record = source.run_dir.artifacts / job_dir_name(job) / "record.json"
    return {
        "job": job,
        "calls": [
            {key: value for key, value in call.items() if key not in ("request", "response")}
            for call in calls
        ],
        "messages": _messages(calls),
        "grade": _grade_record(record),
    }
