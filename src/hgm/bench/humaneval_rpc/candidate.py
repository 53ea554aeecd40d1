"""The untrusted side of HumanEval grading, run in the sandbox with the solution's directory.

    python -I candidate.py SOLUTION_DIR ENTRY_POINT CALLS_JSON --answers FILE
    python -I candidate.py SOLUTION_DIR ENTRY_POINT CALLS_JSON --socket PATH

Imports `solution` and answers the calls listed in CALLS_JSON (those with literal arguments
in the hidden test, which are public anyway). With `--answers` it writes the answers (or
what went wrong at import) to FILE and exits. With `--socket` it connects to the checker,
sends them in one message, then answers each further call until the checker hangs up. It
decides nothing: the checker compares and judges.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wire

TRACE_CHARS = 2000


def _unsendable(result: Any, problem: str) -> dict[str, Any]:
    kind = type(result)
    overrides = [name for name in ("__eq__", "__ne__") if name in vars(kind)]
    return {
        "unsendable": problem,
        "type": f"{kind.__module__}.{kind.__qualname__}",
        "from_solution": kind.__module__ == "solution",
        "overrides": overrides,
    }


def _answer(function: Any, request: dict[str, Any]) -> dict[str, Any]:
    try:
        args = wire.decode(request.get("args", []))
        kwargs = wire.decode(request.get("kwargs", {"$": "dict", "v": []}))
        result = function(*args, **kwargs)
    except BaseException as error:  # the solution's exception is data for the checker
        return {"raised": type(error).__name__, "message": str(error)[:TRACE_CHARS]}
    try:
        return {"value": wire.encode(result)}
    except (wire.WireError, RecursionError) as error:
        return _unsendable(result, str(error))


def _first_message(solution_dir: str, entry_point: str, calls: list[Any]) -> tuple[Any, dict]:
    """(the entry point or None, the answers to `calls` or what went wrong at import)."""
    sys.path.insert(0, solution_dir)
    try:
        import solution

        function = getattr(solution, entry_point)
    except BaseException:  # anything the solution does at import is reported, not fatal here
        import traceback

        return None, {"failed": traceback.format_exc()[-TRACE_CHARS:]}
    replies = [_answer(function, call) for call in calls if isinstance(call, dict)]
    return function, {"ready": True, "replies": replies}


def main(argv: list[str]) -> int:
    solution_dir, entry_point, calls_path, mode, target = argv
    with open(calls_path, encoding="utf-8") as handle:
        calls = json.load(handle)
    function, message = _first_message(solution_dir, entry_point, calls)
    if mode == "--answers":
        with open(target, "w", encoding="utf-8") as handle:
            json.dump(message, handle, allow_nan=False)
        return 0
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(target)
    wire.send(conn, message)
    while function is not None:
        try:
            request = wire.receive(conn)
        except EOFError:
            return 0
        wire.send(conn, _answer(function, request))
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
