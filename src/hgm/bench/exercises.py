"""The `exercises` benchmark: any directory of Exercism-layout tasks, or hgm's built-in set."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from hgm.bench.diffs import file_diff
from hgm.bench.exercism import Exercise, copy_visible, find_exercises, reference_files, to_task
from hgm.bench.grading import DEFAULT_LIMITS, grade_exercise
from hgm.bench.runners import LANGUAGES, TestRunner, make_runner
from hgm.bench.types import Grade, Task
from hgm.errors import UserError
from hgm.sandbox.types import Limits, Sandbox

BUILTIN_DIR = Path(__file__).resolve().parent / "data" / "exercises"


def parse_languages(languages: str | Iterable[str] | None) -> frozenset[str] | None:
    """`"python,rust"` or an iterable to a validated set; None means every language."""
    if languages is None:
        return None
    names = languages.split(",") if isinstance(languages, str) else list(languages)
    chosen = frozenset(name.strip().lower() for name in names if name.strip())
    unknown = sorted(chosen - set(LANGUAGES))
    if unknown or not chosen:
        raise UserError(
            f"unknown language(s) {', '.join(unknown) or '(none given)'}; "
            f"valid languages: {', '.join(LANGUAGES)}"
        )
    return chosen


class ExercismBenchmark:
    """Tasks from an Exercism-layout tree; graded in a fresh sandbox per evaluation."""

    def __init__(
        self,
        name: str,
        root: Path,
        sandbox: Sandbox | None = None,
        languages: str | Iterable[str] | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.name = name
        self.root = root
        self.limits = limits
        self._sandbox = sandbox
        self._exercises = {
            exercise.task_id: exercise
            for exercise in find_exercises(root, parse_languages(languages))
        }
        self._runners: dict[str, TestRunner] = {}
        self._lock = threading.Lock()

    def tasks(self) -> list[Task]:
        return [to_task(exercise) for exercise in self._exercises.values()]

    def exercise(self, task_id: str) -> Exercise:
        found = self._exercises.get(task_id)
        if found is None:
            known = ", ".join(list(self._exercises)[:10])
            raise UserError(f"{self.name}: unknown task {task_id!r} (tasks look like: {known})")
        return found

    def runner(self, language: str) -> TestRunner:
        with self._lock:
            if language not in self._runners:
                self._runners[language] = make_runner(language)
            return self._runners[language]

    def sandbox(self) -> Sandbox:
        with self._lock:
            if self._sandbox is None:
                from hgm.sandbox import BubblewrapConfig, make_sandbox

                self._sandbox = make_sandbox(BubblewrapConfig())
            return self._sandbox

    def workspace(self, task: Task, dest: Path) -> None:
        copy_visible(self.exercise(task.id), dest)

    def grade(self, task: Task, diff: str) -> Grade:
        exercise = self.exercise(task.id)
        runner = self.runner(exercise.language)
        return grade_exercise(exercise, diff, self.sandbox(), runner, self.limits)

    def reference_diff(self, task: Task) -> str:
        exercise = self.exercise(task.id)
        parts = []
        for relative, text in reference_files(exercise).items():
            stub = exercise.root / relative
            parts.append(file_diff(relative, stub.read_text() if stub.is_file() else None, text))
        return "".join(parts)


def grading_limits(limits: Limits | Mapping[str, Any] | None) -> Limits:
    """Limits for the test run: a Limits, a mapping of its fields (from a run config), or None."""
    if limits is None:
        return DEFAULT_LIMITS
    if isinstance(limits, Limits):
        return limits
    try:
        return replace(DEFAULT_LIMITS, **limits)
    except TypeError as error:
        fields = ", ".join(f.name for f in dataclasses.fields(Limits))
        raise UserError(f"grading limits: {error}; valid fields: {fields}") from None


def make_exercises(
    path: Path | None = None,
    sandbox: Sandbox | None = None,
    languages: str | Iterable[str] | None = None,
    limits: Limits | Mapping[str, Any] | None = None,
) -> ExercismBenchmark:
    """`exercises`: the tasks under `path` (Exercism layout), or the built-in set."""
    root = path or BUILTIN_DIR
    return ExercismBenchmark("exercises", root, sandbox, languages, grading_limits(limits))
