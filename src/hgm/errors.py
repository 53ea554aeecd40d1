"""Errors a user can act on. The CLI prints them without a traceback and exits with code 2."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError


class UserError(Exception):
    """Bad input: says what is wrong and what is allowed. Exit code 2, nothing lost."""


INFRASTRUCTURE_COMPONENTS = ("provider", "gateway", "sandbox", "toolchain")


class InfrastructureFailure(UserError):
    """Work could not be done because something outside the agent failed.

    `component` is one of INFRASTRUCTURE_COMPONENTS: the LLM `provider` (unreachable, 5xx
    or timeouts after retries, 401/403/404), the `gateway` itself, the `sandbox`, or a
    benchmark's `toolchain`. Raised by a world's `expand`/`evaluate`: the engine re-queues
    the job uncharged (it is not the agent's failure) and pauses the run after repeated
    failures. Elsewhere (`hgm solve`, `hgm certify`) it is a user error: fix it and retry.
    """

    def __init__(self, component: str, message: str) -> None:
        super().__init__(f"{component} failed: {message}")
        self.component = component
        self.message = message


def _key_path(loc: tuple[int | str, ...], data: Any) -> str:
    """The path of keys as the user wrote them: union tags that pydantic adds are dropped.

    A tagged union puts the tag into the error location (`world.sim.drift.n_tasks` for
    `[world.sim] kind = "drift"`); walking the input keeps only segments that are keys.
    """
    parts: list[str] = []
    node = data
    for part in loc:
        if isinstance(node, dict):
            if part not in node:
                continue
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
        parts.append(str(part))
    return ".".join(parts)


def describe_validation_error(error: ValidationError, source: str, data: Any = None) -> str:
    """One line per problem: the field path, the value given, and what is allowed.

    Pass the validated `data` to have union tags removed from the paths.
    """
    lines = [f"{source}: invalid configuration"]
    for problem in error.errors():
        loc = problem["loc"]
        path = (_key_path(loc, data) if data is not None else ".".join(map(str, loc))) or (
            "(top level)"
        )
        message = problem["msg"]
        if problem["type"] == "extra_forbidden":
            message = "unknown key"
        given = problem.get("input")
        shown = "" if isinstance(given, dict) or given is None else f" (given: {given!r})"
        lines.append(f"  {path}: {message}{shown}")
    return "\n".join(lines)
