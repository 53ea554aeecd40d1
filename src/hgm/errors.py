"""Errors a user can act on. The CLI prints them without a traceback and exits with code 2."""

from __future__ import annotations

from pydantic import ValidationError


class UserError(Exception):
    """Bad input: says what is wrong and what is allowed. Exit code 2, nothing lost."""


def describe_validation_error(error: ValidationError, source: str) -> str:
    """One line per problem: the field path, the value given, and what is allowed."""
    lines = [f"{source}: invalid configuration"]
    for problem in error.errors():
        path = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        message = problem["msg"]
        if problem["type"] == "extra_forbidden":
            message = "unknown key"
        given = problem.get("input")
        shown = "" if isinstance(given, dict) or given is None else f" (given: {given!r})"
        lines.append(f"  {path}: {message}{shown}")
    return "\n".join(lines)
