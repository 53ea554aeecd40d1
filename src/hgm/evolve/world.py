"""RealWorld: the engine's World made of real coding agents, a real benchmark and real LLMs.

`evaluate(agent, task)` runs that agent version (checked out of the archive once) on one
task in the sandbox through the gateway (role `task`) and grades its diff; `expand` is
`hgm.evolve.expansion.expand`. Job keys are stable across resumes (`eval-<agent>-<task>`,
`expand-<child>`); a job done again starts from an emptied `<run>/artifacts/<job>/`.
Money is what the gateway recorded for the job. Safe to call from several threads.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from hgm.bench.types import Benchmark, Task
from hgm.engine.world import EvalOutcome, ExpandOutcome
from hgm.errors import UserError
from hgm.evolve.expansion import ExpansionContext, expand
from hgm.evolve.failures import failure_category
from hgm.evolve.records import Evaluation
from hgm.evolve.versions import fresh_job_dir, job_cost

# How much tampering evidence an evaluation's details (run.db, events) carry; record.json
# in the job's artifacts has all of it.
EVIDENCE_LINES = 20
EVIDENCE_CHARS = 300


def _details(job: str, job_dir: Path, evaluation: Evaluation) -> dict[str, Any]:
    run, grade = evaluation.run, evaluation.grade
    return {
        "job": job,
        "artifacts": str(job_dir),
        "empty_diff": grade.empty_diff,
        "diff_stats": dataclasses.asdict(run.diff_stats),
        "diff_omitted": run.diff_omitted_count,
        "grade": {
            "resolved": grade.resolved,
            "tests_passed": sum(1 for test in grade.tests if test.passed),
            "tests": len(grade.tests),
            "error": grade.error[:500],
        },
        "tampered": grade.tampered,
        "tamper_evidence": [
            line[:EVIDENCE_CHARS] for line in grade.tamper_evidence[:EVIDENCE_LINES]
        ],
        "suspicious": [line[:EVIDENCE_CHARS] for line in grade.suspicious[:EVIDENCE_LINES]],
        "dropped_files": list(grade.dropped_files[:EVIDENCE_LINES]),
        "kill_reason": run.process.killed.value,
        "exit_code": run.process.exit_code,
        "stop_reason": run.stop_reason,
        "failure": failure_category(evaluation),
        "llm_last_status": run.llm_last_status,
        "tokens": run.usage.tokens,
        "wall_s": evaluation.wall_s,
        "test_s": evaluation.test_s,
    }


class RealWorld:
    """See the module docstring. `heldout` tasks are never searched on (see `certify`)."""

    def __init__(
        self,
        context: ExpansionContext,
        benchmark: Benchmark,
        search: list[Task],
        heldout: list[Task],
    ) -> None:
        self.context = context
        self.benchmark = benchmark
        self.search = search
        self.heldout = heldout
        self._tasks = {task.id: task for task in [*search, *heldout]}

    def tasks(self) -> list[str]:
        return [task.id for task in self.search]

    def heldout_tasks(self) -> list[str]:
        return [task.id for task in self.heldout]

    def expand(self, parent: int, child: int) -> ExpandOutcome:
        return expand(self.context, parent, child)

    def evaluate(self, agent: int, task: str) -> EvalOutcome:
        return self._run(agent, task, f"eval-{agent}-{task}")

    def certify(self, agent: int, task: str) -> EvalOutcome:
        """Evaluate `agent` on any task (held-out ones included) outside the search's record."""
        return self._run(agent, task, f"certify-{agent}-{task}")

    def _run(self, agent: int, task_id: str, job: str) -> EvalOutcome:
        return self.grade_directory(
            self.context.versions.directory(agent), str(agent), task_id, job
        )

    def grade_directory(self, agent_dir: Path, label: str, task_id: str, job: str) -> EvalOutcome:
        """Evaluate the agent version in `agent_dir` (named `label` in the gateway's records)
        on any task of the run, as job `job` (e.g. a variant built by `hgm ablate`)."""
        task = self._tasks.get(task_id)
        if task is None:
            raise UserError(f"task {task_id!r} is in neither the search nor the held-out tasks")
        context = self.context
        job_dir = fresh_job_dir(context.artifacts, job)
        evaluation = context.harness.evaluate(
            agent_dir,
            self.benchmark,
            task,
            job_dir,
            agent=label,
            job=job,
            limits=context.limits,
        )
        return EvalOutcome(
            success=evaluation.resolved and not evaluation.grade.tampered,
            cost_usd=job_cost(context.db_path, job),
            duration=evaluation.wall_s,
            details=_details(job, job_dir, evaluation),
        )
