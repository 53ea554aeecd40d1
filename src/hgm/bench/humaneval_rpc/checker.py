"""The trusted side of HumanEval grading: the task's `check` against a proxy of the solution.

Runs in hgm's own process, which never imports solution code: it executes the problem's own
prompt (for helpers such as `poly`) and test, and calls `check(candidate)` where `candidate`
returns the answers the candidate's process in the sandbox gave, as plain data. Every
comparison runs here; the verdict is a dict.

The calls whose arguments are literals in the test (most of HumanEval's) are given to the
candidate up front, and it answers them all at once (entry points are pure functions of
plain data): when those are all the calls `check` makes, the candidate writes its answers
to a file and exits, with no exchange at all. Otherwise it connects to a Unix socket after
answering them, and each further call is a round trip (`serve`, in a thread).
"""

from __future__ import annotations

import ast
import builtins
import json
import socket
import time
import traceback
from typing import Any

from hgm.bench.humaneval_rpc import wire

LOG_CHARS = 2000


class CandidateError(Exception):
    """The candidate's process failed to answer a call with plain data."""


def _key(request: dict[str, Any]) -> str:
    return json.dumps(request, sort_keys=True)


def plan_calls(test: str, names: set[str]) -> tuple[list[dict[str, Any]], bool]:
    """The requests of the calls of `names` in `test` with literal arguments, and whether
    they are all the test can make (no computed arguments, no other use of the names)."""
    requests: dict[str, dict[str, Any]] = {}
    calls: set[int] = set()
    complete = True
    tree = ast.parse(test)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        if node.func.id not in names:
            continue
        calls.add(id(node.func))
        try:
            if any(k.arg is None for k in node.keywords):
                raise ValueError("**kwargs")
            args = [ast.literal_eval(arg) for arg in node.args]
            kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg}
            request = {"args": wire.encode(args), "kwargs": wire.encode(kwargs)}
        except (ValueError, TypeError, SyntaxError, wire.WireError, RecursionError):
            complete = False
            continue
        requests.setdefault(_key(request), request)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in names and id(node) not in calls:
            complete = False  # passed around as a value: calls unknown
    return list(requests.values()), complete


class Candidate:
    """Stands in for the solution's entry point: answers come from those given up front, or
    from a round trip to the candidate's process when there is a connection."""

    def __init__(self, conn: socket.socket | None, deadline: float) -> None:
        self.conn = conn
        self.deadline = deadline
        self.calls = 0
        self.tamper: list[str] = []
        self.answers: dict[str, dict[str, Any]] = {}

    def keep(self, requests: list[dict[str, Any]], replies: Any) -> None:
        """The answers to the calls given up front, matched to them by position."""
        if not isinstance(replies, list) or len(replies) != len(requests):
            raise CandidateError("the solution's process answered the calls it was given wrongly")
        for request, reply in zip(requests, replies, strict=True):
            if isinstance(reply, dict):
                self.answers[_key(request)] = reply

    def exchange(self, request: dict[str, Any]) -> dict[str, Any]:
        if self.conn is None:
            raise CandidateError(f"call {self.calls} was not among the calls given up front")
        self.conn.settimeout(max(0.01, self.deadline - time.monotonic()))
        try:
            wire.send(self.conn, request)
            return wire.receive(self.conn)
        except (OSError, EOFError, wire.WireError) as error:
            problem = f"call {self.calls}: no answer from the solution ({error})"
            raise CandidateError(problem) from None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        request = {"args": wire.encode(list(args)), "kwargs": wire.encode(dict(kwargs))}
        reply = self.answers.get(_key(request)) or self.exchange(request)
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


def judge(
    hello: dict[str, Any],
    problem: dict[str, Any],
    calls: list[dict[str, Any]],
    conn: socket.socket | None,
    deadline: float,
) -> dict[str, Any]:
    """Run `check` on the candidate's first message (`hello`: its answers to `calls`, or
    what went wrong at import), asking `conn` for any further call; the verdict."""
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
        candidate.keep(calls, hello.get("replies"))
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


def serve(
    listener: socket.socket,
    problem: dict[str, Any],
    calls: list[dict[str, Any]],
    deadline: float,
) -> dict[str, Any]:
    """Accept the candidate on `listener` (until `deadline`, or until it is shut down), read
    its answers to `calls` and judge it, asking it for any further call."""
    listener.settimeout(max(0.01, deadline - time.monotonic()))
    try:
        conn, _ = listener.accept()
    except OSError as error:
        return {"passed": False, "error": f"the solution never connected ({error})"}
    with conn:
        conn.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            hello = wire.receive(conn)
        except (OSError, EOFError, wire.WireError) as error:
            return {"passed": False, "error": f"the solution's process never answered ({error})"}
        return judge(hello, problem, calls, conn, deadline)
