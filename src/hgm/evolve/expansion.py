"""Expansion: a parent agent improves itself into a child.

choose what to fix (entries.py) -> diagnose (one `diagnose` call, host side) -> run the
PARENT agent in the sandbox on a copy of its own source with "improve yourself: <problem
statement>" (role `self_improve`) -> its diff is the child -> validate the child
(validation.py) -> commit it to the archive. Any failure is an `ExpandOutcome(ok=False)`
whose reason says what failed; the money spent is the gateway's record for the job.
"""

from __future__ import annotations

import dataclasses
import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hgm.archive import Archive
from hgm.bench.diffs import DiffApplyError, apply_diff, diff_is_empty
from hgm.bench.types import Task
from hgm.engine.world import ExpandOutcome
from hgm.evolve.agent_dir import copy_agent
from hgm.evolve.agent_task import AgentLimits, AgentTask
from hgm.evolve.diagnosis import (
    Diagnosis,
    DiagnosisFailed,
    DiagnosisInput,
    agent_source,
    diagnose,
    evaluation_texts,
    trajectory_text,
)
from hgm.evolve.diagnosis_fit import DiagnosisPrompt, self_improve_task
from hgm.evolve.entries import Entry, choose_entry, read_evaluations, read_tried_tasks
from hgm.evolve.harness import Harness
from hgm.evolve.infrastructure import sandbox_failure
from hgm.evolve.records import AgentRun
from hgm.evolve.validation import ChildValidator
from hgm.evolve.versions import AgentVersions, fresh_job_dir, job_cost
from hgm.llm.config import DEFAULT_MAX_TOKENS, Role
from hgm.llm.model_facts import ModelFacts
from hgm.llm.recording import calls_for_job
from hgm.runconfig.real_world import ExpansionSection

OMITTED_DETAILS = 20  # files left out of a self-modification's diff, listed in its details


class ExpansionFailed(Exception):
    """A step of the expansion failed; the message is the recorded reason."""


@dataclass(frozen=True, slots=True)
class ExpansionContext:
    """What an expansion needs from the run (shared by all worker threads, read-only)."""

    run: str
    seed: int
    db_path: Path
    artifacts: Path
    archive: Archive
    versions: AgentVersions
    harness: Harness
    validator: ChildValidator
    tasks: dict[str, Task]
    search_tasks: list[str]
    config: ExpansionSection
    limits: AgentLimits
    models: dict[Role, ModelFacts] = field(default_factory=dict)


def _lineage_diffs(archive: Archive, lineage: list[int], limit: int) -> str:
    """Each step's diff and problem statement, newest first, within `limit` characters."""
    parts: list[str] = []
    used = 0
    for agent in reversed(lineage[1:]):
        statement = archive.record(agent).metadata.get("problem_statement", "")
        block = f"## agent {agent}\nProblem statement: {statement}\n{archive.diff(agent)}\n"
        if used + len(block) > limit:
            parts.append(f"## agent {agent} (older changes not shown: size cap)\n")
            break
        parts.append(block)
        used += len(block)
    return "".join(parts)


def _diagnosis_input(
    context: ExpansionContext, entry: Entry, parent_dir: Path, lineage: list[int]
) -> DiagnosisInput:
    config = context.config
    shown = entry.evaluation or (entry.examples[0] if entry.examples else None)
    trajectory = "(not evaluated yet)"
    if shown is not None and shown.job is not None:
        trajectory = trajectory_text(
            calls_for_job(context.db_path, shown.job), config.trajectory_chars
        )
    diff, tests = evaluation_texts(shown, config.trajectory_chars)
    task_id = entry.task or (shown.task if shown else None)
    task = context.tasks.get(task_id) if task_id else None
    return DiagnosisInput(
        entry=entry,
        source=agent_source(parent_dir, config.source_chars),
        lineage=_lineage_diffs(context.archive, lineage, config.lineage_chars),
        instructions=task.instructions if task else "",
        trajectory=trajectory,
        diff=diff,
        tests=tests,
    )


def _diagnose(
    context: ExpansionContext,
    parent: int,
    job: str,
    given: DiagnosisInput,
    details: dict[str, Any],
) -> Diagnosis:
    """The diagnosis, its prompt fit into the `diagnose` model's window (diagnosis_fit.py);
    `details["prompt_trimmed"]` lists what had to be cut."""
    facts = context.models.get("diagnose")
    budget = facts.prompt_budget() if facts is not None else None
    reply = facts.max_tokens if facts is not None else DEFAULT_MAX_TOKENS
    prompt = DiagnosisPrompt(given, budget, reply)

    def refit(error: dict[str, Any]) -> list[dict[str, str]]:
        messages = prompt.refit(error)
        details["prompt_trimmed"] = prompt.trimmed()
        return messages

    details["prompt_trimmed"] = prompt.trimmed()
    return diagnose(
        context.harness.gateway,
        context.run,
        str(parent),
        job,
        prompt.messages(),
        context.config.diagnosis_attempts,
        refit,
    )


def _self_modify(
    context: ExpansionContext,
    parent: int,
    child: int,
    parent_dir: Path,
    diagnosis: Diagnosis,
    job_dir: Path,
    details: dict[str, Any],
) -> tuple[Path, AgentRun]:
    """Run the parent on its own source; return the child's directory and the run. The
    task is fit into the `self_improve` model's window (`details["task_trimmed"]`)."""
    facts = context.models.get("self_improve")
    budget = facts.prompt_budget() if facts is not None else None
    instructions, details["task_trimmed"] = self_improve_task(diagnosis, budget)
    run = context.harness.run_agent(
        parent_dir,
        AgentTask(id=f"self-improve-{child}", instructions=instructions, language="python"),
        job_dir / "self_improve",
        repo=parent_dir,
        role="self_improve",
        agent=str(parent),
        job=f"expand-{child}",
        limits=context.limits,
    )
    if run.diff_error:
        raise ExpansionFailed(f"self-modification diff failed: {run.diff_error}")
    if diff_is_empty(run.diff):
        stop = run.stop_reason or f"exit code {run.process.exit_code}"
        raise ExpansionFailed(f"empty self-modification (the agent stopped: {stop})")
    child_dir = job_dir / "child"
    copy_agent(parent_dir, child_dir)
    try:
        apply_diff(child_dir, run.diff)
    except DiffApplyError as error:
        raise ExpansionFailed(f"the self-modification does not apply: {error}") from None
    return child_dir, run


def expand(context: ExpansionContext, parent: int, child: int) -> ExpandOutcome:
    """Make agent `child` from agent `parent` (see the module docstring)."""
    job = f"expand-{child}"
    started = time.perf_counter()
    if context.archive.has(child):  # committed just before an interruption: keep it
        record = context.archive.record(child)
        details = {"job": job, "recovered": True, **record.metadata}
        return ExpandOutcome(True, "", job_cost(context.db_path, job), 0.0, details)
    job_dir = fresh_job_dir(context.artifacts, job)
    details: dict[str, Any] = {"job": job, "artifacts": str(job_dir)}
    try:
        parent_dir = context.versions.directory(parent)
        lineage = context.archive.lineage(parent)
        history = read_evaluations(context.db_path, lineage)
        rng = random.Random(f"hgm-expand:{context.seed}:{child}")
        tried = read_tried_tasks(context.db_path, parent)
        entry = choose_entry(
            parent, history, context.search_tasks, context.config.entries, rng, tried
        )
        details["entry"] = entry.summary()
        given = _diagnosis_input(context, entry, parent_dir, lineage)
        diagnosis = _diagnose(context, parent, job, given, details)
        (job_dir / "diagnosis.json").write_text(diagnosis.model_dump_json(indent=2) + "\n")
        details["problem_statement"] = diagnosis.problem_description
        details["diagnosis_summary"] = diagnosis.improvement_proposal
        child_dir, run = _self_modify(
            context, parent, child, parent_dir, diagnosis, job_dir, details
        )
        details["diff_stats"] = dataclasses.asdict(run.diff_stats)
        if run.diff_omitted_count:
            details["diff_omitted"] = [
                dataclasses.asdict(omitted) for omitted in run.diff_omitted[:OMITTED_DETAILS]
            ]
            details["diff_omitted_count"] = run.diff_omitted_count
        admission = context.validator.validate(
            child_dir, job_dir / "validation", str(child), parent_dir
        )
        details["validation_s"] = admission.timings
        if admission.tampered:
            details["tampered"] = True
        if not admission.ok:
            broken = sandbox_failure(context.harness.sandbox)
            if broken is not None:  # the child was not to blame: the sandbox broke
                raise broken
            raise ExpansionFailed(f"rejected: {admission.reason}")
        metadata = {
            "problem_statement": diagnosis.problem_description,
            "entry": entry.summary(),
            "diagnosis_summary": diagnosis.improvement_proposal,
            "job": job,
        }
        context.archive.commit_child(
            parent, child, child_dir, diagnosis.improvement_proposal[:200], metadata
        )
    except (ExpansionFailed, DiagnosisFailed) as error:
        details["reason"] = str(error)
        (job_dir / "failure.json").write_text(json.dumps(details, indent=2) + "\n")
        return ExpandOutcome(
            False,
            str(error),
            job_cost(context.db_path, job),
            time.perf_counter() - started,
            details,
        )
    return ExpandOutcome(
        True, "", job_cost(context.db_path, job), time.perf_counter() - started, details
    )
