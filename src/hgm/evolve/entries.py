"""What an expansion sets out to fix: one of the parent's failed tasks, or a general entry.

As in the published DGM/HGM code: usually one failed task of the parent, sometimes a
general problem (many empty patches, results that vary, context-length errors), each
with its own probability and only when its condition holds on the parent's evaluations.
A parent without any failed evaluation yet (the root during warm-up) gets a task it has
not solved, shown without a trajectory.
"""

from __future__ import annotations

import json
import random
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from hgm.runconfig.real_world import EntriesSection
from hgm.store.schema import connect

EntryKind = Literal[
    "failed_task", "sample_task", "empty_patches", "stochasticity", "context_length"
]
CONTEXT_LENGTH_REASON = "context_length_exceeded"


@dataclass(frozen=True, slots=True)
class PastEvaluation:
    """One finished evaluation as the run store holds it (details written by RealWorld)."""

    agent: int
    task: str
    success: bool
    details: dict[str, Any]

    @property
    def job(self) -> str | None:
        job = self.details.get("job")
        return job if isinstance(job, str) else None

    @property
    def empty_diff(self) -> bool:
        return bool(self.details.get("empty_diff", False))

    @property
    def stop_reason(self) -> str | None:
        reason = self.details.get("stop_reason")
        return reason if isinstance(reason, str) else None


@dataclass(frozen=True, slots=True)
class Entry:
    """The chosen thing to fix; `evaluation` is the one to show the diagnosis (if any)."""

    kind: EntryKind
    reason: str
    task: str | None = None
    evaluation: PastEvaluation | None = None
    examples: tuple[PastEvaluation, ...] = ()

    def summary(self) -> dict[str, Any]:
        return {"kind": self.kind, "task": self.task, "reason": self.reason}


def read_evaluations(db_path: Path, agents: list[int]) -> list[PastEvaluation]:
    """Finished evaluations of `agents`, oldest first, from the run database (read-only)."""
    if not agents:
        return []
    marks = ",".join("?" * len(agents))
    db = connect(db_path, readonly=True)
    try:
        rows = db.execute(
            f"SELECT agent, task, success, details FROM evaluations WHERE agent IN ({marks}) "
            "ORDER BY job",
            agents,
        ).fetchall()
    except sqlite3.Error:
        rows = []
    finally:
        db.close()
    return [
        PastEvaluation(int(row[0]), str(row[1]), bool(row[2]), json.loads(row[3] or "{}"))
        for row in rows
    ]


def _general_entries(
    own: list[PastEvaluation], ancestors_solved: set[str], config: EntriesSection
) -> list[tuple[float, Entry]]:
    """(probability, entry) for each general entry whose condition holds."""
    if len(own) < config.min_evaluations:
        return []
    found: list[tuple[float, Entry]] = []
    empty = [evaluation for evaluation in own if evaluation.empty_diff]
    if empty and len(empty) / len(own) >= config.empty_patches_share:
        reason = f"{len(empty)} of {len(own)} evaluations left an empty diff"
        found.append((config.empty_patches, Entry("empty_patches", reason, examples=tuple(empty))))
    regressed = [e for e in own if not e.success and e.task in ancestors_solved]
    if regressed:
        reason = f"{len(regressed)} failed tasks were solved by an ancestor: results vary"
        found.append(
            (config.stochasticity, Entry("stochasticity", reason, examples=tuple(regressed)))
        )
    overflowed = [e for e in own if e.stop_reason == CONTEXT_LENGTH_REASON]
    if overflowed:
        reason = f"{len(overflowed)} evaluations stopped on the context length"
        found.append(
            (config.context_length, Entry("context_length", reason, examples=tuple(overflowed)))
        )
    return found


def read_tried_tasks(db_path: Path, parent: int) -> set[str]:
    """Tasks that earlier (finished) expansions of `parent` set out to fix."""
    db = connect(db_path, readonly=True)
    try:
        rows = db.execute("SELECT details FROM expansions WHERE parent = ?", (parent,)).fetchall()
    except sqlite3.Error:
        rows = []
    finally:
        db.close()
    tasks = (json.loads(row[0] or "{}").get("entry", {}).get("task") for row in rows)
    return {task for task in tasks if isinstance(task, str)}


def choose_entry(
    parent: int,
    history: list[PastEvaluation],
    search_tasks: list[str],
    config: EntriesSection,
    rng: random.Random,
    tried: set[str] | None = None,
) -> Entry:
    """The entry for an expansion of `parent`; `history` holds the evaluations of its
    lineage (root .. parent), `tried` the tasks its earlier expansions were about.
    Deterministic for a given `rng` state."""
    tried = tried if tried is not None and config.avoid_repeats else set()
    own = [evaluation for evaluation in history if evaluation.agent == parent]
    ancestors_solved = {e.task for e in history if e.agent != parent and e.success}
    draw = rng.random()
    for probability, entry in _general_entries(own, ancestors_solved, config):
        if draw < probability:
            return entry
        draw -= probability
    failed = [evaluation for evaluation in own if not evaluation.success]
    fresh_failed = [evaluation for evaluation in failed if evaluation.task not in tried]
    evaluated = {evaluation.task for evaluation in own}
    fresh_unseen = [task for task in search_tasks if task not in evaluated | tried]
    if fresh_failed or (failed and not fresh_unseen):
        chosen = rng.choice(fresh_failed or failed)
        return Entry(
            "failed_task",
            f"agent {parent} failed task {chosen.task}",
            task=chosen.task,
            evaluation=chosen,
        )
    solved = {evaluation.task for evaluation in own if evaluation.success}
    unsolved = [task for task in search_tasks if task not in solved] or list(search_tasks)
    task = rng.choice(fresh_unseen or unsolved)
    why = "every failed task was tried already" if failed else "no failed evaluation yet"
    return Entry("sample_task", f"agent {parent}: {why}; a task it has not solved", task=task)
