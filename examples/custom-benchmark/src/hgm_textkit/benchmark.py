"""The textkit benchmark: the `hgm.Benchmark` protocol over task directories.

Each task is a directory under `tasks/`:

    initials/
      task.toml          instructions and which files are the solution and the tests
      initials.py        the stub the agent completes (visible)
      test_initials.py   the hidden tests (never in the agent's workspace)
      reference/         the reference solution (hidden; `hgm bench check` grades it)

Grading goes through `hgm.Grader`, hgm's own honest-grading machinery: a fresh copy of the
visible files, the agent's diff restricted to the solution files, the hidden tests copied
over last, pytest in a fresh sandbox with no network, and a verdict from pytest's own
per-test report (plus whatever protection hgm's graders add).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import hgm

TASKS_DIR = Path(__file__).resolve().parent / "tasks"
HIDDEN = ("task.toml", "reference")


class TextKit:
    """Tasks from a directory of task directories (default: the four shipped ones)."""

    name = "textkit"

    def __init__(self, root: Path, sandbox: object | None = None) -> None:
        self._grader = hgm.Grader(sandbox)  # type: ignore[arg-type]
        self._tasks: dict[str, tuple[hgm.Task, hgm.TaskFiles]] = {}
        for directory in sorted(p for p in root.iterdir() if (p / "task.toml").is_file()):
            spec = tomllib.loads((directory / "task.toml").read_text(encoding="utf-8"))
            files = hgm.TaskFiles(
                directory,
                language="python",
                solution=tuple(spec["solution"]),
                tests=tuple(spec["tests"]),
                hidden=HIDDEN,
            )
            task = hgm.Task(
                id=directory.name,
                language="python",
                instructions=spec["instructions"],
                metadata={"files": list(files.solution)},
            )
            self._tasks[task.id] = (task, files)
        if not self._tasks:
            raise hgm.UserError(f"textkit: no task directories (with task.toml) under {root}")

    def _files(self, task: hgm.Task) -> hgm.TaskFiles:
        if task.id not in self._tasks:
            raise hgm.UserError(f"textkit has no task {task.id!r}; tasks: {', '.join(self._tasks)}")
        return self._tasks[task.id][1]

    def tasks(self) -> list[hgm.Task]:
        return [task for task, _ in self._tasks.values()]

    def workspace(self, task: hgm.Task, dest: Path) -> None:
        self._files(task).workspace(dest)

    def grade(self, task: hgm.Task, diff: str) -> hgm.Grade:
        return self._grader.grade(self._files(task), diff, task_id=task.id)

    def reference_diff(self, task: hgm.Task) -> str:
        files = self._files(task)
        reference = files.root / "reference"
        return files.diff_to({name: (reference / name).read_text() for name in files.solution})


def make_benchmark(path: Path | None = None, sandbox: object | None = None) -> TextKit:
    """The factory the entry point names: hgm passes `path` ([world.bench] path, or
    `--path`) and the run's `sandbox`."""
    return TextKit(Path(path) if path is not None else TASKS_DIR, sandbox)
