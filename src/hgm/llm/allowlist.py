"""The request fields an agent may set, per provider kind, and what their values may be.

A field that could change what a call costs or which model answers (`service_tier`,
`store`, `metadata`, `reasoning_effort`, `web_search_options`, `modalities`, `audio`,
`prediction`, routing lists such as `models` or `provider`, a different `model`) is
refused with a 400 naming it and the fields allowed; so is any field not listed here,
and a listed field with a value the gateway does not accept (`n` other than 1, a
non-function tool, ...). The model is always the role's; `stream` and
`stream_options` are served by the gateway itself; `user` (and, for Anthropic,
`seed`) are accepted and dropped. A role's `params` (the operator's own) are merged
under the agent's fields and are not checked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hgm.llm.gateway_errors import BadRequest

Check = Callable[[str, Any], None]
_ROLES = ("system", "developer", "user", "assistant", "tool")
_PART_TYPES = ("text", "image_url")
_TOOL_CHOICES = ("none", "auto", "required")
_FORMATS = ("text", "json_object", "json_schema")
GATEWAY_FIELDS = ("model", "stream", "stream_options")


def _fail(field: str, problem: str) -> BadRequest:
    return BadRequest(f"`{field}` {problem}", param=field)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number(low: float, high: float) -> Check:
    def check(field: str, value: Any) -> None:
        if not _is_number(value) or not low <= value <= high:
            raise _fail(field, f"must be a number from {low:g} to {high:g}")

    return check


def _integer(low: int, high: int) -> Check:
    def check(field: str, value: Any) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise _fail(field, f"must be a whole number from {low} to {high}")

    return check


def _boolean(field: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise _fail(field, "must be true or false")


def _one(field: str, value: Any) -> None:
    if value != 1 or isinstance(value, bool):
        raise _fail(field, "must be 1: the gateway returns one choice per call")


def _stop(field: str, value: Any) -> None:
    if value is None:
        return
    texts = [value] if isinstance(value, str) else value
    if not isinstance(texts, list) or not 1 <= len(texts) <= 4:
        raise _fail(field, "must be a string or a list of 1 to 4 strings")
    if not all(isinstance(text, str) for text in texts):
        raise _fail(field, "must be a string or a list of 1 to 4 strings")


def _stream_options(field: str, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, dict) or set(value) - {"include_usage"}:
        raise _fail(field, 'may hold only `include_usage`, e.g. {"include_usage": true}')
    _boolean(f"{field}.include_usage", value.get("include_usage", False))


def _content(field: str, content: Any) -> None:
    if content is None or isinstance(content, str):
        return
    if not isinstance(content, list):
        raise _fail(field, "must be a string, a list of content parts, or null")
    for index, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind not in _PART_TYPES:
            raise _fail(f"{field}[{index}]", f"must be a content part of type {_PART_TYPES}")


def _messages(field: str, value: Any) -> None:
    if not isinstance(value, list) or not value:
        raise _fail(field, "must be a non-empty list of messages")
    for index, message in enumerate(value):
        where = f"{field}[{index}]"
        if not isinstance(message, dict):
            raise _fail(where, "must be an object with `role` and `content`")
        if message.get("role") not in _ROLES:
            raise _fail(f"{where}.role", f"must be one of {', '.join(_ROLES)}")
        _content(f"{where}.content", message.get("content"))


def _tools(field: str, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, list) or len(value) > 128:
        raise _fail(field, "must be a list of at most 128 tools")
    for index, tool in enumerate(value):
        kind, function = (
            (tool.get("type", "function"), tool.get("function"))
            if isinstance(tool, dict)
            else (None, None)
        )
        if (
            kind != "function"
            or not isinstance(function, dict)
            or not isinstance(function.get("name"), str)
        ):
            raise _fail(
                f"{field}[{index}]",
                'must be {"type": "function", "function": {"name": ..., "parameters": ...}} '
                "(other tool types, such as web search, are not served)",
            )


def _tool_choice(field: str, value: Any) -> None:
    if value is None or value in _TOOL_CHOICES:
        return
    function = value.get("function") if isinstance(value, dict) else None
    if not isinstance(function, dict) or not isinstance(function.get("name"), str):
        raise _fail(
            field,
            f"must be one of {', '.join(_TOOL_CHOICES)} or "
            '{"type": "function", "function": {"name": ...}}',
        )


def _response_format(field: str, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, dict) or value.get("type") not in _FORMATS:
        raise _fail(field, f"must be an object whose `type` is one of {', '.join(_FORMATS)}")


def _logit_bias(field: str, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, dict) or len(value) > 300:
        raise _fail(field, "must map at most 300 token ids to numbers from -100 to 100")
    for bias in value.values():
        if not _is_number(bias) or not -100 <= bias <= 100:
            raise _fail(field, "must map at most 300 token ids to numbers from -100 to 100")


def _anything(field: str, value: Any) -> None:
    """Accepted and dropped."""


_REPLY = _integer(1, 10_000_000)
_COMMON: dict[str, Check] = {
    "messages": _messages,
    "model": _anything,
    "stream": _boolean,
    "stream_options": _stream_options,
    "user": _anything,
    "max_tokens": _REPLY,
    "max_completion_tokens": _REPLY,
    "n": _one,
    "temperature": _number(0, 2),
    "top_p": _number(0, 1),
    "stop": _stop,
    "tools": _tools,
    "tool_choice": _tool_choice,
    "parallel_tool_calls": _boolean,
}
_OPENAI: dict[str, Check] = _COMMON | {
    "seed": _integer(-(2**63), 2**63 - 1),
    "response_format": _response_format,
    "presence_penalty": _number(-2, 2),
    "frequency_penalty": _number(-2, 2),
    "logit_bias": _logit_bias,
    # sampling parameters of OpenAI-compatible servers (vLLM, llama.cpp, Ollama)
    "top_k": _integer(-1, 1_000_000),
    "min_p": _number(0, 1),
    "repetition_penalty": _number(0, 10),
}
_ANTHROPIC: dict[str, Check] = _COMMON | {"top_k": _integer(1, 1_000_000), "seed": _anything}
ALLOWED: dict[str, dict[str, Check]] = {
    "openai": _OPENAI,
    "anthropic": _ANTHROPIC,
    "scripted": _OPENAI,
    "replay": _OPENAI,
}
DROPPED: dict[str, frozenset[str]] = {
    "openai": frozenset({"user"}),
    "anthropic": frozenset({"user", "seed"}),
    "scripted": frozenset({"user"}),
    "replay": frozenset({"user"}),
}


@dataclass(frozen=True, slots=True)
class CheckedRequest:
    """A request that passed: what to forward, and the reply limit it asks for (None:
    none; the smaller of `max_tokens` and `max_completion_tokens` when both are set)."""

    params: dict[str, Any]
    max_output_tokens: int | None
    stream: bool
    include_usage: bool


def check_request(
    body: Any, alias: str, provider_kind: str, role_params: dict[str, Any]
) -> CheckedRequest:
    """The checked request, or BadRequest naming the first field refused and what is allowed."""
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object (a chat completions request)")
    allowed = ALLOWED[provider_kind]
    for field in body:
        if field not in allowed:
            raise BadRequest(
                f"`{field}` is not accepted by the hgm gateway (for a {provider_kind} "
                "provider): a field that could change what a call costs or which model "
                f"answers is never forwarded; fields allowed: {', '.join(sorted(allowed))}",
                param=field,
            )
    if "messages" not in body:
        raise _fail("messages", "is missing: the body needs a non-empty `messages` list")
    for field, value in body.items():
        allowed[field](field, value)
    given = body.get("model") or alias
    if given != alias:
        raise BadRequest(
            f"model {given!r} is not available to this job: use the alias {alias!r} "
            "(given in $HGM_MODEL)",
            param="model",
        )
    dropped = DROPPED[provider_kind]
    params = role_params | {
        key: value
        for key, value in body.items()
        if key not in GATEWAY_FIELDS and key not in dropped
    }
    limits = [params[key] for key in ("max_tokens", "max_completion_tokens") if params.get(key)]
    options = body.get("stream_options") or {}
    return CheckedRequest(
        params=params,
        max_output_tokens=min(limits) if limits else None,
        stream=body.get("stream") is True,
        include_usage=bool(options.get("include_usage")),
    )


def with_reply_limit(params: dict[str, Any], limit: int) -> dict[str, Any]:
    """`params` with the reply limit set to `limit`: in each of `max_tokens` and
    `max_completion_tokens` the request uses, else in `max_tokens`."""
    keys = [key for key in ("max_tokens", "max_completion_tokens") if key in params]
    return params | {key: limit for key in keys or ["max_tokens"]}
