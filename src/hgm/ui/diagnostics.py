"""Clade diagnostics: why a clade does what it does, on one screen.

For the clade rooted at an agent: its results per task next to its parent's and the
root's own results, its failures by category (see `hgm.ui.evaluations`), its failed
expansions grouped by reason, and a one-paragraph summary of the three.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from hgm.runconfig.agent_report import Record
from hgm.ui.evaluations import evaluation_rows
from hgm.ui.model import RunModel
from hgm.ui.source import RunSource

REASON_KEY_CHARS = 80


def _record(successes: int, failures: int, epsilon: float) -> dict[str, Any]:
    record = Record.of(successes, failures, epsilon)
    return {
        "successes": record.successes,
        "failures": record.failures,
        "mean": record.mean,
        "interval": list(record.interval),
    }


def _reason_key(reason: str) -> str:
    line = " ".join(reason.split())
    return line if len(line) <= REASON_KEY_CHARS else line[: REASON_KEY_CHARS - 3] + "..."


def _share(part: int, whole: int) -> str:
    return "no evaluations" if whole == 0 else f"{part}/{whole} ({part / whole:.0%})"


def clade_diagnostics(source: RunSource, model: RunModel, agent: int) -> dict[str, Any]:
    """See the module docstring; `agent` must be in the tree."""
    tree = model.tree
    epsilon = source.config.select.epsilon
    members = model.clade(agent)
    parent = tree.parent(agent)
    root = tree.agents()[0]
    others = [a for a in {parent, root} if a is not None and a != agent]
    rows = source.read(lambda db: evaluation_rows(db, members + others))
    inside = set(members)
    clade_rows = [row for row in rows if row["agent"] in inside]
    per_task: dict[str, dict[str, Any]] = {}
    for row in clade_rows:
        entry = per_task.setdefault(
            row["task"], {"task": row["task"], "solved": 0, "tried": 0, "agents_solving": []}
        )
        entry["tried"] += 1
        if row["success"]:
            entry["solved"] += 1
            entry["agents_solving"].append(row["agent"])
    own = {(row["agent"], row["task"]): row["success"] for row in rows}
    for entry in per_task.values():
        entry["parent"] = own.get((parent, entry["task"])) if parent is not None else None
        entry["root"] = own.get((root, entry["task"]))
    tasks = sorted(
        per_task.values(), key=lambda e: (e["solved"] / e["tried"], -e["tried"], e["task"])
    )
    categories = Counter(row["category"] for row in clade_rows if not row["success"])
    failed = [f for f in model.failed if f.parent in inside]
    reasons = Counter(_reason_key(f.reason) for f in failed)
    tampered = [row for row in clade_rows if row.get("tampered") or row.get("suspicious")]
    made = sum(1 for member in members if member != agent) + len(failed)
    clade_s, clade_f = tree.clade_successes(agent), tree.clade_failures(agent)
    summary = [
        f"The clade of agent {agent} has {len(members)} agents and resolves "
        f"{_share(clade_s, clade_s + clade_f)} of its evaluations."
    ]
    if parent is not None:
        parent_s, parent_f = tree.own_successes(parent), tree.own_failures(parent)
        summary.append(f"Its parent {parent} resolves {_share(parent_s, parent_s + parent_f)}.")
    if categories:
        top = ", ".join(f"{name} ({count})" for name, count in categories.most_common(3))
        summary.append(f"Failures: {top}.")
    if made:
        summary.append(f"{len(failed)} of {made} expansions inside it failed.")
    if reasons:
        summary.append(f"Most common reason: {reasons.most_common(1)[0][0]}.")
    regressions = [e["task"] for e in tasks if e["solved"] == 0 and e["parent"]]
    if regressions:
        summary.append(
            f"{len(regressions)} task(s) the parent solves are never solved in the clade."
        )
    return {
        "agent": agent,
        "parent": parent,
        "root": root,
        "members": members,
        "clade": _record(clade_s, clade_f, epsilon),
        "parent_own": None
        if parent is None
        else _record(tree.own_successes(parent), tree.own_failures(parent), epsilon),
        "root_own": _record(tree.own_successes(root), tree.own_failures(root), epsilon),
        "tasks": tasks,
        "categories": dict(categories.most_common()),
        "failed_expansions": [
            {
                "job": f.job,
                "parent": f.parent,
                "child": f.child,
                "reason": f.reason,
                "cost_usd": f.cost_usd,
            }
            for f in failed
        ],
        "failed_reasons": dict(reasons.most_common()),
        "tampering": [
            {
                key: row.get(key)
                for key in ("agent", "task", "key", "tampered", "tamper_evidence", "suspicious")
            }
            for row in tampered
        ],
        "summary": " ".join(summary),
    }
