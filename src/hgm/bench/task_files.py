"""Your own benchmark's tasks, graded by hgm's own honest-grading machinery.

`TaskFiles` describes one task on disk (its directory, the language, the files the agent may
change, the hidden test files); `Grader` grades an agent's diff on it exactly as hgm grades
its built-in exercises (`hgm.bench.grading.grade_exercise`): a fresh copy of the visible
files, the diff restricted to the solution files (edits to anything else are dropped and
reported), the hidden tests copied over last, the language's test runner in a fresh
sandbox with no network, and a verdict from the runner's own per-test report, never from
what the solution printed. A plugin benchmark (docs/api.md) that grades through `Grader`
gets every protection the built-in benchmarks get, now and as they grow.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hgm.bench.diffs import file_diff
from hgm.bench.exercism import Exercise, copy_visible
from hgm.bench.types import Grade
from hgm.errors import UserError
from hgm.sandbox.types import Limits, Sandbox


def _relative(root: Path, name: str, what: str) -> str:
    path = Path(name)
    if path.is_absolute() or ".." in path.parts or not name:
        raise UserError(f"{root}: {what} entry {name!r} must be a path inside the task directory")
    return path.as_posix()


@dataclass(frozen=True, slots=True)
class TaskFiles:
    """One task on disk (see the module docstring).

    - `root`: the task's directory; its name is the directory the tests run in.
    - `language`: python, rust, go, javascript, cpp or java (the test runner).
    - `solution`: files (relative to `root`) the agent may change; only its edits to
      these count.
    - `tests`: hidden test files: never in the agent's workspace, copied over its files
      before the tests run.
    - `hidden`: more files or directories the agent never sees (reference solutions,
      notes). The directories `.meta`, `.docs`, `.git`, `node_modules`, `target`, `build`
      and `.gradle` are never shown either.
    """

    root: Path
    language: str
    solution: tuple[str, ...]
    tests: tuple[str, ...]
    hidden: tuple[str, ...] = ()
    _exercise: Exercise = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        from hgm.bench.runners import LANGUAGES

        root = Path(self.root).resolve()
        if not root.is_dir():
            raise UserError(f"task directory {root} does not exist")
        if self.language not in LANGUAGES:
            raise UserError(
                f"{root}: language {self.language!r} has no test runner; "
                f"valid languages: {', '.join(LANGUAGES)}"
            )
        solution = tuple(_relative(root, name, "solution") for name in self.solution)
        tests = tuple(_relative(root, name, "tests") for name in self.tests)
        if not solution or not tests:
            raise UserError(f"{root}: a task needs at least one solution file and one test file")
        missing = [name for name in tests if not (root / name).is_file()]
        if missing:
            raise UserError(f"{root}: hidden test file(s) missing: {', '.join(missing)}")
        hidden_files: list[str] = []
        for name in (_relative(root, entry, "hidden") for entry in self.hidden):
            target = root / name
            if target.is_dir():
                hidden_files += [
                    p.relative_to(root).as_posix() for p in sorted(target.rglob("*")) if p.is_file()
                ]
            else:
                hidden_files.append(name)
        exercise = Exercise(
            root=root,
            language=self.language,
            slug=root.name,
            solution=solution,
            test=tests,
            example=tuple(hidden_files),
        )
        for name, value in (
            ("root", root),
            ("solution", solution),
            ("tests", tests),
            ("_exercise", exercise),
        ):
            object.__setattr__(self, name, value)

    def visible_files(self) -> list[str]:
        """The files an agent sees (relative paths): everything not hidden."""
        return self._exercise.visible_files()

    def workspace(self, dest: Path) -> None:
        """Copy the visible files into `dest` (a Benchmark's `workspace`)."""
        copy_visible(self._exercise, Path(dest))

    def diff_to(self, files: Mapping[str, str]) -> str:
        """The diff from the pristine workspace to the given file contents (path -> text):
        e.g. a Benchmark's `reference_diff` from its reference solution."""
        parts = []
        for name, text in files.items():
            relative = _relative(self.root, name, "diff_to")
            before = self.root / relative
            visible = before.is_file() and not self._exercise.is_hidden(relative)
            parts.append(file_diff(relative, before.read_text() if visible else None, text))
        return "".join(parts)


class Grader:
    """Grades diffs on `TaskFiles` (see the module docstring); safe from several threads.

    `sandbox`: the one the run gives a benchmark's factory (None: bubblewrap, made on the
    first grade). `limits`: the test run's limits, a mapping of `hgm.sandbox.types.Limits`
    fields (`wall_s`, `memory_mb`, `pids`, `file_size_mb`, ...) over the defaults (300 s,
    4 GiB, 512 processes).
    """

    def __init__(
        self, sandbox: Sandbox | None = None, limits: Limits | Mapping[str, Any] | None = None
    ) -> None:
        from hgm.bench.exercises import grading_limits

        self.limits = grading_limits(limits)
        self._sandbox = sandbox
        self._runners: dict[str, Any] = {}
        self._lock = threading.Lock()

    def sandbox(self) -> Sandbox:
        with self._lock:
            if self._sandbox is None:
                from hgm.sandbox import BubblewrapConfig, make_sandbox

                self._sandbox = make_sandbox(BubblewrapConfig())
            return self._sandbox

    def _runner(self, language: str) -> Any:
        from hgm.bench.runners import make_runner

        with self._lock:
            if language not in self._runners:
                self._runners[language] = make_runner(language)
            return self._runners[language]

    def grade(self, task: TaskFiles, diff: str, task_id: str | None = None) -> Grade:
        """The verdict on `diff` (against the workspace) for `task`, as `Grade.task`
        `task_id` (default `<language>/<directory name>`). A missing toolchain raises
        `hgm.InfrastructureFailure` (a run re-queues the job: not the agent's fault)."""
        from hgm.bench.grading import grade_exercise

        exercise = task._exercise
        grade = grade_exercise(
            exercise, diff, self.sandbox(), self._runner(exercise.language), self.limits
        )
        return grade if task_id is None else replace(grade, task=task_id)
