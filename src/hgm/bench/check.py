"""A benchmark's self-test: every reference solution resolves, every untouched stub does not.

Each task ends in one status:
- `ok`: the reference resolves and the stub does not;
- `no-signal`: the task cannot tell solutions apart (the stub already passes, or the test
  files declare no tests); reported with the reason, never counted as broken;
- `missing-dependency`: this host lacks something the task needs (a crate, a jar, a Boost
  library, a toolchain); reported with the command that fixes it, never as a wrong verdict;
- `failed`: a real problem, with the cause (hgm.bench.causes, or `stub-passes`).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

from hgm.bench import causes
from hgm.bench.types import Benchmark, Grade, Task
from hgm.errors import InfrastructureFailure

Status = Literal["ok", "no-signal", "missing-dependency", "failed"]
STATUSES: tuple[Status, ...] = ("ok", "no-signal", "missing-dependency", "failed")
STUB_PASSES = "stub-passes"
LOG_CHARS = 1500


@dataclass(frozen=True, slots=True)
class TaskCheck:
    task: Task
    reference: Grade | None
    stub: Grade | None
    missing: tuple[str, ...] = ()
    listed_no_signal: str = ""  # the benchmark's own reason when it lists the task as such
    has_list: bool = False  # the benchmark keeps a no-signal list (out of default subsets)

    @property
    def status(self) -> Status:
        return self._verdict()[0]

    @property
    def cause(self) -> str:
        return self._verdict()[1]

    @property
    def reason(self) -> str:
        return self._verdict()[2]

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    def _verdict(self) -> tuple[Status, str, str]:
        if self.missing:
            return "missing-dependency", causes.MISSING_DEPENDENCY, "; ".join(self.missing)
        reference, stub = self.reference, self.stub
        assert reference is not None and stub is not None
        if not reference.resolved:
            detail = reference.error or f"exit code {reference.exit_code}"
            if reference.cause == causes.MISSING_DEPENDENCY:
                return "missing-dependency", reference.cause, detail
            if reference.cause == causes.NO_TESTS:
                return "no-signal", reference.cause, f"the test files declare no tests ({detail})"
            return "failed", reference.cause, f"reference not resolved: {detail}"
        if stub.tampered:  # an untouched stub never attacks the grading: a grading flaw
            detail = "; ".join(stub.tamper_evidence[:2])
            return "failed", causes.TAMPERED, f"the untouched stub was graded tampered: {detail}"
        if stub.resolved:
            ran = sum(1 for outcome in stub.tests if outcome.passed)
            return "no-signal", STUB_PASSES, f"the untouched stub passes all {ran} tests"
        return "ok", "", ""

    @property
    def problem(self) -> str:
        """One line for reports: the reason, plus where the benchmark's own list disagrees."""
        parts = [self.reason] if self.reason else []
        if self.status == "no-signal" and self.has_list and not self.listed_no_signal:
            parts.append("not in the benchmark's no-signal list, so default subsets keep it")
        if self.listed_no_signal and self.status == "ok":
            parts.append(f"listed as no-signal ({self.listed_no_signal}) but has signal")
        return "; ".join(parts)

    def as_json(self) -> dict[str, Any]:
        return {
            "task": self.task.id,
            "language": self.task.language,
            "status": self.status,
            "ok": self.ok,
            "cause": self.cause,
            "reason": self.problem,
            "missing": list(self.missing),
            "reference": _grade_json(self.reference),
            "stub": _grade_json(self.stub),
            "reference_log_tail": (
                self.reference.log_tail[-LOG_CHARS:]
                if self.reference is not None and self.status == "failed"
                else ""
            ),
        }


def _grade_json(grade: Grade | None) -> dict[str, Any] | None:
    if grade is None:
        return None
    return {
        "resolved": grade.resolved,
        "tampered": grade.tampered,
        "tamper_evidence": list(grade.tamper_evidence),
        "cause": grade.cause,
        "error": grade.error,
        "tests": len(grade.tests),
        "passed": sum(1 for outcome in grade.tests if outcome.passed),
        "canaries": grade.canaries,
        "wall_s": round(grade.wall_s, 3),
        "cpu_s": round(grade.timings["cpu"], 3) if "cpu" in grade.timings else None,
    }


def _safe_grade(benchmark: Benchmark, task: Task, diff_of: Callable[[Task], str]) -> Grade:
    try:
        return benchmark.grade(task, diff_of(task))
    except InfrastructureFailure as failure:  # the host lacks a toolchain or a dependency
        return Grade(
            task=task.id,
            resolved=False,
            empty_diff=False,
            error=failure.message,
            cause=causes.MISSING_DEPENDENCY,
        )
    except Exception as error:  # a crash in one task must not hide the others' results
        return Grade(
            task=task.id,
            resolved=False,
            empty_diff=False,
            error=f"crashed: {error!r}",
            cause=causes.CRASHED,
        )


def _missing(benchmark: Benchmark, task: Task) -> tuple[str, ...]:
    """What the reference needs that the host lacks (for benchmarks that can tell)."""
    probe = getattr(benchmark, "missing_dependencies", None)
    return tuple(str(m) for m in probe(task, reference=True)) if probe else ()


def check_benchmark(
    benchmark: Benchmark,
    tasks: list[Task],
    workers: int = 2,
    on_grade: Callable[[Task, str, Grade | None], None] | None = None,
) -> list[TaskCheck]:
    """Grade each task's reference diff and its empty diff on `workers` threads.

    References go first, so a stub's grade finds the tests its reference listed.
    `on_grade(task, "reference" | "stub", grade)` is called as each grade ends (grade None
    for a task skipped for a missing dependency, once per skipped grade).
    """
    missing = {task.id: _missing(benchmark, task) for task in tasks}
    listed = getattr(benchmark, "no_signal", {})

    def run(task: Task, kind: str, diff_of: Callable[[Task], str]) -> Grade | None:
        grade = None if missing[task.id] else _safe_grade(benchmark, task, diff_of)
        if on_grade is not None:
            on_grade(task, kind, grade)
        return grade

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        references = [pool.submit(run, t, "reference", benchmark.reference_diff) for t in tasks]
        stubs = [pool.submit(run, t, "stub", lambda _task: "") for t in tasks]
        return [
            TaskCheck(
                task,
                ref.result(),
                stub.result(),
                missing[task.id],
                listed.get(task.id, ""),
                bool(listed),
            )
            for task, ref, stub in zip(tasks, references, stubs, strict=True)
        ]


def summarize(checks: list[TaskCheck]) -> dict[str, dict[str, int]]:
    """Per language: tasks, a count per status, how many references ran with canaries
    and how many grades (reference or stub) came out tampered."""
    table: dict[str, dict[str, int]] = {}
    for check in checks:
        row = table.setdefault(
            check.task.language,
            {"tasks": 0, **dict.fromkeys(STATUSES, 0), "canaries": 0, "tampered": 0},
        )
        row["tasks"] += 1
        row[check.status] += 1
        row["canaries"] += int(check.reference is not None and check.reference.canaries > 0)
        grades = (check.reference, check.stub)
        row["tampered"] += sum(1 for grade in grades if grade is not None and grade.tampered)
    return dict(sorted(table.items()))
