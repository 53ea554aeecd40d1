"""The untrusted side of HumanEval grading, run in the sandbox with the solution's directory.

    python -I candidate.py SOCKET SOLUTION_DIR ENTRY_POINT

Connects to the checker's socket, imports `solution`, says whether that worked, then answers
each call of the entry point with its result as plain data (or the exception it raised)
until the checker hangs up. It decides nothing: the checker compares and judges.
"""

from __future__ import annotations

import os
import socket
import sys
import traceback
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


def main(argv: list[str]) -> int:
    socket_path, solution_dir, entry_point = argv
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(socket_path)
    sys.path.insert(0, solution_dir)
    try:
        import solution

        function = getattr(solution, entry_point)
    except BaseException:  # anything the solution does at import is reported, not fatal here
        wire.send(conn, {"failed": traceback.format_exc()[-TRACE_CHARS:]})
        return 1
    wire.send(conn, {"ready": True})
    while True:
        try:
            request = wire.receive(conn)
        except EOFError:
            return 0
        wire.send(conn, _answer(function, request))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
