"""A benchmark's self-test: every reference solution resolves, every untouched stub does not."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from hgm.bench.types import Benchmark, Grade, Task


@dataclass(frozen=True, slots=True)
class TaskCheck:
    task: Task
    reference: Grade
    stub: Grade

    @property
    def ok(self) -> bool:
        return self.reference.resolved and not self.stub.resolved

    @property
    def problem(self) -> str:
        problems = []
        if not self.reference.resolved:
            detail = self.reference.error or f"exit code {self.reference.exit_code}"
            problems.append(f"reference not resolved ({detail})")
        if self.stub.resolved:
            problems.append("untouched stub already passes")
        return "; ".join(problems)

    def as_json(self) -> dict[str, Any]:
        return {
            "task": self.task.id,
            "language": self.task.language,
            "ok": self.ok,
            "problem": self.problem,
            "reference_resolved": self.reference.resolved,
            "reference_tests": len(self.reference.tests),
            "reference_wall_s": round(self.reference.wall_s, 3),
            "stub_resolved": self.stub.resolved,
            "stub_wall_s": round(self.stub.wall_s, 3),
            "reference_log_tail": "" if self.ok else self.reference.log_tail[-1500:],
        }


def _safe_grade(benchmark: Benchmark, task: Task, diff_of: Callable[[Task], str]) -> Grade:
    try:
        return benchmark.grade(task, diff_of(task))
    except Exception as error:  # a crash in one task must not hide the others' results
        return Grade(task=task.id, resolved=False, empty_diff=False, error=f"crashed: {error!r}")


def check_benchmark(
    benchmark: Benchmark,
    tasks: list[Task],
    workers: int = 2,
    on_grade: Callable[[], None] | None = None,
) -> list[TaskCheck]:
    """Grade each task's reference diff and its empty diff on `workers` threads."""

    def run(task: Task, diff_of: Callable[[Task], str]) -> Grade:
        grade = _safe_grade(benchmark, task, diff_of)
        if on_grade is not None:
            on_grade()
        return grade

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        references = [pool.submit(run, task, benchmark.reference_diff) for task in tasks]
        stubs = [pool.submit(run, task, lambda _task: "") for task in tasks]
        return [
            TaskCheck(task, ref.result(), stub.result())
            for task, ref, stub in zip(tasks, references, stubs, strict=True)
        ]


def summarize(checks: list[TaskCheck]) -> dict[str, dict[str, int]]:
    """Per language: tasks, ok, failed."""
    table: dict[str, dict[str, int]] = {}
    for check in checks:
        row = table.setdefault(check.task.language, {"tasks": 0, "ok": 0, "failed": 0})
        row["tasks"] += 1
        row["ok" if check.ok else "failed"] += 1
    return dict(sorted(table.items()))
