"""The `exercises` benchmark: any directory of Exercism-layout tasks, or hgm's built-in set."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from hgm.bench import causes
from hgm.bench.deps.needs import Missing, missing_for, needs_of
from hgm.bench.diffs import file_diff
from hgm.bench.exercism import Exercise, copy_visible, find_exercises, reference_files, to_task
from hgm.bench.expected import ExpectedTests, exercise_digest
from hgm.bench.grading import DEFAULT_LIMITS, grade_exercise
from hgm.bench.runners import LANGUAGES, TestRunner, make_runner
from hgm.bench.types import Grade, Task
from hgm.errors import InfrastructureFailure, UserError
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
    """Tasks from an Exercism-layout tree; graded in a fresh sandbox per evaluation.

    `all_tests` also enables the tests aider's harness leaves skipped (see make_runner).
    `no_signal` maps task ids to why they carry no signal (a stub that passes, no tests);
    `tasks()` leaves them out unless `include_no_signal`.
    """

    def __init__(
        self,
        name: str,
        root: Path,
        sandbox: Sandbox | None = None,
        languages: str | Iterable[str] | None = None,
        limits: Limits = DEFAULT_LIMITS,
        all_tests: bool = False,
        no_signal: Mapping[str, str] | None = None,
        include_no_signal: bool = False,
    ) -> None:
        self.name = name
        self.root = root
        self.limits = limits
        self.all_tests = all_tests
        self.no_signal = dict(no_signal or {})
        self.include_no_signal = include_no_signal
        self._sandbox = sandbox
        self._exercises = {
            exercise.task_id: exercise
            for exercise in find_exercises(root, parse_languages(languages))
        }
        self._runners: dict[str, TestRunner] = {}
        self._lock = threading.Lock()
        self._listing_locks: dict[str, threading.Lock] = {}
        self._unlisted: set[str] = set()  # digests whose reference run listed nothing usable
        self._expected = ExpectedTests()

    def tasks(self) -> list[Task]:
        return [
            to_task(exercise)
            for task_id, exercise in self._exercises.items()
            if self.include_no_signal or task_id not in self.no_signal
        ]

    def exercise(self, task_id: str) -> Exercise:
        found = self._exercises.get(task_id)
        if found is None:
            known = ", ".join(list(self._exercises)[:10])
            raise UserError(f"{self.name}: unknown task {task_id!r} (tasks look like: {known})")
        return found

    def runner(self, language: str) -> TestRunner:
        with self._lock:
            if language not in self._runners:
                self._runners[language] = make_runner(language, self.all_tests)
            return self._runners[language]

    def sandbox(self) -> Sandbox:
        with self._lock:
            if self._sandbox is None:
                from hgm.sandbox import BubblewrapConfig, make_sandbox

                self._sandbox = make_sandbox(BubblewrapConfig())
            return self._sandbox

    def workspace(self, task: Task, dest: Path) -> None:
        copy_visible(self.exercise(task.id), dest)

    def missing_dependencies(self, task: Task, reference: bool = False) -> list[Missing]:
        """What grading `task` needs that this host lacks (`reference`: for its reference
        solution, which may name more crates), each with the command that fixes it."""
        exercise = self.exercise(task.id)
        return missing_for(needs_of(exercise, reference), f"hgm bench setup {self.name}")

    def grade(self, task: Task, diff: str) -> Grade:
        """Raises `InfrastructureFailure` when the host lacks the language's toolchain or
        something the task needs (not the solution's fault: a run re-queues the job)."""
        exercise = self.exercise(task.id)
        runner = self.runner(exercise.language)
        missing = self.missing_dependencies(task)
        if missing:
            needed = "; ".join(str(m) for m in missing)
            raise InfrastructureFailure("toolchain", f"{task.id} needs {needed}")
        expected, reference = self._listed(task, exercise, runner, diff)
        if reference is not None:
            return reference
        return grade_exercise(exercise, diff, self.sandbox(), runner, self.limits, expected)

    def _listed(
        self, task: Task, exercise: Exercise, runner: TestRunner, diff: str
    ) -> tuple[list[str] | None, Grade | None]:
        """(expected tests, the reference's grade when `diff` is the reference itself).

        The first grade of an exercise runs its reference solution to list them (once per
        exercise content, kept on disk); None when that run lists nothing usable (the tests
        are then read from the sources).
        """
        digest = exercise_digest(exercise, "all" if self.all_tests else "aider")
        with self._lock:
            lock = self._listing_locks.setdefault(digest, threading.Lock())
        with lock:
            names = self._expected.load(digest)
            if names is not None or digest in self._unlisted:
                return names, None
            if self.missing_dependencies(task, reference=True):
                return None, None
            reference_diff = self.reference_diff(task)
            sandbox = self.sandbox()
            grade = grade_exercise(exercise, reference_diff, sandbox, runner, self.limits, [])
            names = runner.expected_from(list(grade.tests), exercise.test) if grade.resolved else []
            if names:
                self._expected.store(digest, task.id, names)
            else:
                self._unlisted.add(digest)
                if grade.resolved:
                    why = "the hidden test files contributed no test to the reference's run"
                    grade = replace(grade, resolved=False, error=why, cause=causes.NO_TESTS)
            return names or None, grade if diff == reference_diff else None

    def reference_diff(self, task: Task) -> str:
        """The whole reference solution as a diff against the workspace (new files too)."""
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
    all_tests: bool = False,
) -> ExercismBenchmark:
    """`exercises`: the tasks under `path` (Exercism layout), or the built-in set.

    `all_tests` also runs the tests aider's harness leaves skipped (see make_runner)."""
    root = path or BUILTIN_DIR
    return ExercismBenchmark(
        "exercises", root, sandbox, languages, grading_limits(limits), all_tests=all_tests
    )
