"""The trusted side of HumanEval grading, run on the host: the task's `check` against a proxy.

    python -I -S checker.py LISTEN_FD PROBLEM_JSON

Reads the problem (prompt, test, entry point, wall clock) from a file on the host, accepts
the candidate's connection on the inherited listening socket, runs the prompt (for helpers
such as `poly`) and the test's `check(candidate)` here, where `candidate` sends its arguments to the
candidate's process and returns the plain-data result. Every comparison runs in this
process, which never imports solution code. Prints one JSON verdict on stdout.
"""

from __future__ import annotations

import builtins
import json
import os
import resource
import socket
import sys
import time
import traceback
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wire

MEMORY_BYTES = 2 * 1024**3
LOG_CHARS = 2000


class CandidateError(Exception):
    """The candidate's process failed to answer a call with plain data."""


class Candidate:
    """Stands in for the solution's entry point: each call is a round trip to the sandbox."""

    def __init__(self, conn: socket.socket, deadline: float) -> None:
        self.conn = conn
        self.deadline = deadline
        self.calls = 0
        self.tamper: list[str] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        request = {"args": wire.encode(list(args)), "kwargs": wire.encode(dict(kwargs))}
        self.conn.settimeout(max(0.01, self.deadline - time.monotonic()))
        try:
            wire.send(self.conn, request)
            reply = wire.receive(self.conn)
        except (OSError, EOFError, wire.WireError) as error:
            problem = f"call {self.calls}: no answer from the solution ({error})"
            raise CandidateError(problem) from None
        if "value" in reply:
            try:
                return wire.decode(reply["value"])
            except (wire.WireError, RecursionError) as error:
                raise CandidateError(f"call {self.calls}: {error}") from None
        if "raised" in reply:
            raise _raised(str(reply["raised"]), str(reply.get("message", "")))
        if "unsendable" in reply:
            kind = str(reply.get("type", "?"))
            overrides = [str(name) for name in reply.get("overrides", [])]
            if reply.get("from_solution") and overrides:
                self.tamper.append(
                    f"the solution returned an object of its own class {kind} that overrides "
                    f"{' and '.join(overrides)} instead of plain data (an always-equal object)"
                )
            problem = f"call {self.calls}: the solution returned a {kind}, not plain data"
            raise CandidateError(problem)
        raise CandidateError(f"call {self.calls}: an answer the checker does not understand")


def _raised(name: str, message: str) -> BaseException:
    """The solution's exception as a builtin exception class of the same name, if there is one."""
    kind = getattr(builtins, name, None)
    if isinstance(kind, type) and issubclass(kind, Exception) and kind.__module__ == "builtins":
        return kind(message)
    return CandidateError(f"the solution raised {name}: {message}")


def _failed_line(error: BaseException, test: str) -> str:
    lines = test.splitlines()
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == "<test>"]
    if frames and frames[-1].lineno and 0 < frames[-1].lineno <= len(lines):
        return f"line {frames[-1].lineno} of the test: {lines[frames[-1].lineno - 1].strip()}"
    return "the test"


def judge(conn: socket.socket, problem: dict[str, Any], deadline: float) -> dict[str, Any]:
    conn.settimeout(max(0.01, deadline - time.monotonic()))
    try:
        hello = wire.receive(conn)
    except (OSError, EOFError, wire.WireError) as error:
        return {"passed": False, "error": f"the solution's process never answered ({error})"}
    if "ready" not in hello:
        log = str(hello.get("failed", ""))[-LOG_CHARS:]
        return {"passed": False, "error": "the solution failed to import", "log": log}
    namespace: dict[str, Any] = {"__name__": "hgm_humaneval_check"}
    try:
        exec(compile(problem["prompt"], "<prompt>", "exec"), namespace)
        exec(compile(problem["test"], "<test>", "exec"), namespace)
    except Exception as error:
        return {"passed": False, "error": f"the task's own prompt or test does not run: {error!r}"}
    candidate = Candidate(conn, deadline)
    namespace[problem["entry_point"]] = candidate  # some tests call it by name
    verdict: dict[str, Any] = {"passed": False}
    try:
        namespace["check"](candidate)
        verdict = {"passed": candidate.calls > 0}
        if not candidate.calls:
            verdict["error"] = "check() never called the solution"
    except AssertionError as error:
        verdict["error"] = f"AssertionError at {_failed_line(error, problem['test'])}"
    except CandidateError as error:
        verdict["error"] = str(error)
    except Exception as error:
        where = _failed_line(error, problem["test"])
        verdict["error"] = f"{type(error).__name__} at {where}: {error}"
    verdict["calls"] = candidate.calls
    verdict["tamper"] = candidate.tamper
    return verdict


def main(argv: list[str]) -> int:
    with open(argv[1], encoding="utf-8") as handle:
        problem = json.load(handle)
    deadline = time.monotonic() + float(problem["wall_s"])
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    listener = socket.socket(fileno=int(argv[0]))
    listener.settimeout(float(problem["wall_s"]))
    try:
        conn, _ = listener.accept()
    except OSError as error:
        never = f"the solution never connected ({error})"
        verdict: dict[str, Any] = {"passed": False, "error": never}
    else:
        listener.close()
        with conn:
            verdict = judge(conn, problem, deadline)
    sys.stdout.write(json.dumps(verdict))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
