"""The benchmark seam: tasks, the workspace an agent sees, and grading it cannot fool."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol


@dataclass(frozen=True, slots=True)
class Task:
    id: str
    language: str
    instructions: str
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TestOutcome:
    __test__: ClassVar[bool] = False  # not a pytest test class

    name: str
    passed: bool
    skipped: bool = False  # reported as skipped by the runner: neither passed nor failed


@dataclass(frozen=True, slots=True)
class Grade:
    """The verdict on one diff for one task.

    `resolved` is decided by the harness from the test runner's exit code and the
    parsed per-test outcomes, never from text the agent's code printed alone.
    `timings` holds seconds per phase (e.g. "prepare", "tests", "total").
    `tampered` is True when grading found that the solution attacked the grading itself
    (a canary test passed, a runner integrity check failed, a forbidden file was dropped);
    a tampered grade is never resolved and `tamper_evidence` says what was found, one line
    per finding. `suspicious` lists constructs seen in the diff (reads of test files,
    test-framework internals, ...): evidence for a reader, not by themselves a verdict.
    `cause` says in one word why an unresolved grade failed (`hgm.bench.causes`), empty
    when resolved. `canaries` counts the canary tests the run held (each must fail).
    """

    task: str
    resolved: bool
    empty_diff: bool
    tests: tuple[TestOutcome, ...] = ()
    dropped_files: tuple[str, ...] = ()
    log_tail: str = ""
    wall_s: float = 0.0
    error: str = ""
    exit_code: int | None = None
    timings: dict[str, float] = field(default_factory=dict)
    tampered: bool = False
    tamper_evidence: tuple[str, ...] = ()
    suspicious: tuple[str, ...] = ()
    cause: str = ""
    canaries: int = 0


class Benchmark(Protocol):
    name: str

    def tasks(self) -> list[Task]: ...

    def workspace(self, task: Task, dest: Path) -> None:
        """Write what the agent may see (instructions, stubs, visible files) into `dest`."""
        ...

    def grade(self, task: Task, diff: str) -> Grade: ...

    def reference_diff(self, task: Task) -> str:
        """A diff against the workspace that applies the task's reference solution.

        `bench check` grades it (must resolve) and the empty diff (must not).
        """
        ...
