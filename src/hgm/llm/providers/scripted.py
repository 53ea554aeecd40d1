"""A deterministic rule-based model for tests, offline demos and the quick start.

Rules are tried in order; the first whose conditions all hold answers. Regexes
(`re.search`, DOTALL) may capture groups that the reply interpolates as `${1}`
(numbered groups of the first matching regex, in the order last_message,
last_user, last_tool, system, any_message) or `${name}` (named groups of any).
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hgm.errors import UserError, describe_validation_error
from hgm.llm.config import ModelPrice, ScriptedProviderConfig, ScriptReply, ScriptRule
from hgm.llm.gateway_errors import ScriptNoMatch
from hgm.llm.provider import ProviderReply, ProviderRequest, estimate_usage

_REFERENCE = re.compile(r"\$\{(\w+)\}")
_REGEX_FIELDS = ("last_message", "last_user", "last_tool", "system", "any_message")


class _ScriptFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[ScriptRule] = Field(default_factory=list)
    default_reply: ScriptReply | None = None


def load_script(path: Path) -> tuple[list[ScriptRule], ScriptReply | None]:
    """Rules (and an optional default reply) from a TOML or JSON file.

    TOML: `[[rules]]` tables and an optional `[default_reply]`. JSON: a list of
    rules, or an object with `rules` and `default_reply`.
    """
    if not path.is_file():
        raise UserError(f"script {path}: no such file")
    try:
        text = path.read_text()
        data: Any = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
        raise UserError(f"script {path}: cannot parse ({error}); use .toml or .json") from error
    if isinstance(data, list):
        data = {"rules": data}
    try:
        script = _ScriptFile.model_validate(data)
    except ValidationError as error:
        raise UserError(describe_validation_error(error, f"script {path}")) from error
    return script.rules, script.default_reply


@dataclass(frozen=True, slots=True)
class _Compiled:
    rule: ScriptRule
    patterns: dict[str, re.Pattern[str]]


def _references(reply: ScriptReply) -> set[str]:
    texts = [reply.content or ""]
    for call in reply.tool_calls:
        args = call.arguments
        texts.append(args if isinstance(args, str) else json.dumps(args))
    return {name for text in texts for name in _REFERENCE.findall(text)}


def _compile(index: int, rule: ScriptRule) -> _Compiled:
    label = f"rule {rule.name or index}"
    patterns: dict[str, re.Pattern[str]] = {}
    for field in _REGEX_FIELDS:
        source = getattr(rule.when, field)
        if source is None:
            continue
        try:
            patterns[field] = re.compile(source, re.DOTALL)
        except re.error as error:
            raise UserError(f"{label}: when.{field} is not a valid regex: {error}") from error
    names = {name for pattern in patterns.values() for name in pattern.groupindex}
    numbered = next(iter(patterns.values())).groups if patterns else -1
    allowed = {"turn", *names, *(str(i) for i in range(numbered + 1))}
    for ref in _references(rule.reply):
        if ref not in allowed:
            raise UserError(
                f"{label}: reply uses ${{{ref}}}; allowed here: {', '.join(sorted(allowed))} "
                "(numbered groups come from the first regex in the order "
                f"{', '.join(_REGEX_FIELDS)})"
            )
    return _Compiled(rule, patterns)


def _text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content or ""


def _last(messages: list[dict[str, Any]], roles: tuple[str, ...]) -> str | None:
    for message in reversed(messages):
        if message.get("role") in roles:
            return _text(message)
    return None


def _interpolate(value: Any, groups: dict[str, str]) -> Any:
    if isinstance(value, str):
        return _REFERENCE.sub(lambda found: groups.get(found.group(1)) or "", value)
    if isinstance(value, list):
        return [_interpolate(item, groups) for item in value]
    if isinstance(value, dict):
        return {key: _interpolate(item, groups) for key, item in value.items()}
    return value


def _reply_limit(body: dict[str, Any]) -> int | None:
    limits = [body[key] for key in ("max_tokens", "max_completion_tokens") if body.get(key)]
    return min(limits) if limits else None


@dataclass(frozen=True, slots=True)
class _Conversation:
    """What rules look at, computed once per request."""

    turn: int
    tools: set[str]
    subjects: dict[str, list[str | None]]

    @classmethod
    def of(cls, body: dict[str, Any]) -> _Conversation:
        messages: list[dict[str, Any]] = body.get("messages", [])
        system = "\n\n".join(_text(m) for m in messages if m.get("role") == "system")
        return cls(
            turn=sum(1 for message in messages if message.get("role") == "assistant"),
            tools={tool.get("function", {}).get("name", "") for tool in body.get("tools") or []},
            subjects={
                "last_message": [_last(messages, ("user", "tool"))],
                "last_user": [_last(messages, ("user",))],
                "last_tool": [_last(messages, ("tool",))],
                "system": [system],
                "any_message": [_text(message) for message in messages],
            },
        )


class ScriptedProvider:
    kind = "scripted"
    default_max_tokens = None

    def __init__(
        self,
        rules: list[ScriptRule],
        default_reply: ScriptReply | None = None,
        price: ModelPrice | None = None,
    ) -> None:
        self._rules = [_compile(index, rule) for index, rule in enumerate(rules)]
        self._default = (
            _compile(len(rules), ScriptRule(reply=default_reply)) if default_reply else None
        )
        self.price = price or ModelPrice(input_per_m=0, output_per_m=0)

    @classmethod
    def from_config(cls, config: ScriptedProviderConfig) -> ScriptedProvider:
        rules, default = load_script(config.script) if config.script else ([], None)
        return cls(rules + config.rules, config.default_reply or default, config.price)

    def _match(self, compiled: _Compiled, seen: _Conversation) -> dict[str, str] | None:
        when, turn = compiled.rule.when, seen.turn
        if when.turn is not None and turn != when.turn:
            return None
        if (when.min_turn is not None and turn < when.min_turn) or (
            when.max_turn is not None and turn > when.max_turn
        ):
            return None
        if not set(when.tools) <= seen.tools:
            return None
        subjects = seen.subjects
        groups: dict[str, str] = {}
        numbered_taken = False
        for field, pattern in compiled.patterns.items():
            found = next(
                (
                    hit
                    for text in subjects[field]
                    if text is not None
                    for hit in [pattern.search(text)]
                    if hit
                ),
                None,
            )
            if found is None:
                return None
            groups |= {name: value for name, value in found.groupdict().items() if value}
            if not numbered_taken:
                numbered_taken = True
                groups |= {str(i): found.group(i) or "" for i in range(pattern.groups + 1)}
        groups["turn"] = str(turn)
        return groups

    async def complete(self, request: ProviderRequest, timeout_s: float) -> ProviderReply:
        body = request.body
        seen = _Conversation.of(body)
        candidates = self._rules + ([self._default] if self._default else [])
        for compiled in candidates:
            groups = self._match(compiled, seen)
            if groups is not None:
                return self._reply(compiled.rule.reply, groups, body, request.model)
        last = _last(body.get("messages", []), ("user", "tool")) or ""
        raise ScriptNoMatch(
            f"no script rule matches this conversation (last user/tool message starts "
            f"{last[:120]!r}) and the script has no default_reply"
        )

    def _reply(
        self, reply: ScriptReply, groups: dict[str, str], body: dict[str, Any], model: str
    ) -> ProviderReply:
        turn = groups["turn"]
        message: dict[str, Any] = {
            "role": "assistant",
            "content": _interpolate(reply.content, groups),
        }
        calls = []
        for index, call in enumerate(reply.tool_calls):
            arguments = _interpolate(call.arguments, groups)
            calls.append(
                {
                    "id": f"call_{turn}_{index}",
                    "type": "function",
                    "function": {
                        "name": call.name,
                        "arguments": arguments
                        if isinstance(arguments, str)
                        else json.dumps(arguments, ensure_ascii=False),
                    },
                }
            )
        if calls:
            message["tool_calls"] = calls
        usage = estimate_usage(body, message)
        finish = reply.finish_reason or ("tool_calls" if calls else "stop")
        limit = _reply_limit(body)
        if limit is not None and usage.output_tokens > limit:  # cut, as a real model would
            message = {"role": "assistant", "content": (message["content"] or "")[: limit * 4]}
            usage, finish = estimate_usage(body, message), "length"
        cost = (
            usage.input_tokens * self.price.input_per_m
            + usage.output_tokens * self.price.output_per_m
        ) / 1_000_000
        return ProviderReply(message, finish, usage, model, cost_usd=cost)

    async def aclose(self) -> None:
        return None
