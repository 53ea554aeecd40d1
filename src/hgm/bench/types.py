"""The benchmark seam: tasks, the workspace an agent sees, and grading it cannot fool."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Task:
    id: str
    language: str
    instructions: str
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TestOutcome:
    name: str
    passed: bool


@dataclass(frozen=True, slots=True)
class Grade:
    task: str
    resolved: bool
    empty_diff: bool
    tests: tuple[TestOutcome, ...] = ()
    dropped_files: tuple[str, ...] = ()
    log_tail: str = ""
    wall_s: float = 0.0
    error: str = ""


class Benchmark(Protocol):
    name: str

    def tasks(self) -> list[Task]: ...

    def workspace(self, task: Task, dest: Path) -> None:
        """Write what the agent may see (instructions, stubs, visible files) into `dest`."""
        ...

    def grade(self, task: Task, diff: str) -> Grade: ...
