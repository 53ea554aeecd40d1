"""Errors a user can act on. The CLI prints them without a traceback and exits with code 2."""

from __future__ import annotations

import types
from collections.abc import Iterator
from difflib import get_close_matches
from typing import TYPE_CHECKING, Annotated, Any, Union, get_args, get_origin

if TYPE_CHECKING:  # pydantic is imported only where a config is validated
    from pydantic import BaseModel, ValidationError

SHOWN_CHARS = 80
LISTED_KEYS = 12


class UserError(Exception):
    """Bad input: says what is wrong and what is allowed. Exit code 2, nothing lost."""


INFRASTRUCTURE_COMPONENTS = ("provider", "gateway", "sandbox", "toolchain", "cluster")


class InfrastructureFailure(UserError):
    """Work could not be done because something outside the agent failed.

    `component` is one of INFRASTRUCTURE_COMPONENTS: the LLM `provider` (unreachable, 5xx
    or timeouts after retries, 401/403/404), the `gateway` itself, the `sandbox`, a
    benchmark's `toolchain`, or the `cluster` (a Ray executor lost the job's node at every
    attempt). Raised by a world's `expand`/`evaluate`: the engine re-queues the job
    uncharged (it is not the agent's failure) and pauses the run after repeated failures.
    Elsewhere (`hgm solve`, `hgm certify`) it is a user error: fix it and retry.
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


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    """The pydantic models an annotation can hold (through Optional, unions, Annotated)."""
    from pydantic import BaseModel

    origin = get_origin(annotation)
    if origin is Annotated:
        yield from _models(get_args(annotation)[0])
    elif origin is Union or origin is types.UnionType:
        for member in get_args(annotation):
            yield from _models(member)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation


def _mapping_value(annotation: Any) -> Any | None:
    """The value type of a `dict[str, X]` annotation (through Optional and Annotated)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _mapping_value(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        found = [_mapping_value(member) for member in get_args(annotation)]
        return next((value for value in found if value is not None), None)
    if origin is dict:
        return get_args(annotation)[1]
    return None


def _pick(models: list[type[BaseModel]], node: Any) -> type[BaseModel] | None:
    """Of a union's models, the one the input chose by its `kind` (or the only one)."""
    if len(models) == 1:
        return models[0]
    kind = node.get("kind") if isinstance(node, dict) else None
    for model in models:
        field = model.model_fields.get("kind")
        if field is None:
            continue
        allowed = get_args(field.annotation)
        if kind in allowed or (kind is None and not field.is_required()):
            return model
    return None


def _annotation_at(root: Any, parts: list[str], data: Any) -> Any | None:
    """The annotation of the key at `parts` (as written) under the root annotation."""
    annotation, node = root, data
    for part in parts:
        models = list(_models(annotation))
        model = _pick(models, node) if models else None
        if model is not None and part in model.model_fields:
            annotation = model.model_fields[part].annotation
        elif (value := _mapping_value(annotation)) is not None:
            annotation = value
        else:
            return None
        node = node.get(part) if isinstance(node, dict) else None
    return annotation


def _missing(path: str, root: Any, data: Any) -> str:
    annotation = _annotation_at(root, path.split("."), data) if root is not None else None
    if annotation is not None and any(True for _ in _models(annotation)):
        return f"  [{path}] is missing (a required table)"
    return f"  {path} is missing (a required key)"


def _unknown(path: str, root: Any, data: Any) -> str:
    """What to say after `unknown key`: the nearest allowed key, or the allowed ones."""
    if root is None:
        return ""
    *parents, name = path.split(".")
    annotation = _annotation_at(root, parents, data) if parents else root
    node = data
    for part in parents:
        node = node.get(part) if isinstance(node, dict) else None
    model = _pick(list(_models(annotation)), node) if annotation is not None else None
    if model is None:
        return ""
    allowed = list(model.model_fields)
    close = get_close_matches(name, allowed, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    if len(allowed) <= LISTED_KEYS:
        return f"; allowed: {', '.join(allowed)}"
    return ""


def shown(value: Any) -> str:
    """A value as the user wrote it in TOML, cut to a readable length."""
    text = ("true" if value else "false") if isinstance(value, bool) else repr(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 3] + "..."


def describe_validation_error(
    error: ValidationError, source: str, data: Any = None, model: Any = None
) -> str:
    """One line per problem: the field path, the value given, and what is allowed.

    Pass the validated `data` to have union tags removed from the paths, and the `model`
    (or annotation) it was validated against to name missing tables and suggest the
    nearest key for a mistyped one.
    """
    lines = [f"{source}: invalid configuration"]
    for problem in error.errors():
        loc = problem["loc"]
        if data is not None and problem["type"] == "missing" and loc:
            parent = _key_path(loc[:-1], data)
            lines.append(_missing(".".join(p for p in (parent, str(loc[-1])) if p), model, data))
            continue
        path = (_key_path(loc, data) if data is not None else ".".join(map(str, loc))) or (
            "(top level)"
        )
        message = problem["msg"]
        given = problem.get("input")
        after = ""
        if problem["type"] == "extra_forbidden":
            message = "unknown key"
            after = _unknown(path, model, data) if data is not None else ""
        hidden = isinstance(given, dict) or given is None
        lines.append(f"  {path}: {message}{'' if hidden else f' (given: {shown(given)})'}{after}")
    return "\n".join(lines)
