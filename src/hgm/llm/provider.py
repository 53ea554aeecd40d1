"""The provider seam: what the gateway asks of a provider and what it gets back."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from hgm.llm.config import ModelPrice


@dataclass(frozen=True, slots=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def total(self) -> int:
        return self.input_tokens + self.output_tokens


def estimate_tokens(text: str) -> int:
    """A deterministic stand-in for a tokenizer: one token per four characters."""
    return math.ceil(len(text) / 4)


def estimate_usage(body: dict[str, Any], message: dict[str, Any]) -> Usage:
    """Usage estimated from the characters of the prompt (messages and tools) and the answer."""
    prompt = json.dumps([body.get("messages", []), body.get("tools") or []], ensure_ascii=False)
    calls = message.get("tool_calls") or []
    answer = (message.get("content") or "") + "".join(
        str(call.get("function", {}).get("arguments", "")) for call in calls
    )
    return Usage(estimate_tokens(prompt), estimate_tokens(answer))


@dataclass(frozen=True, slots=True)
class ProviderRequest:
    """An OpenAI chat-completions body (non-streamed, `model` set to the real model)."""

    alias: str
    model: str
    body: dict[str, Any]
    fingerprint: str


@dataclass(frozen=True, slots=True)
class ProviderReply:
    """One assistant message in OpenAI form. `cost_usd` overrides the price table when set."""

    message: dict[str, Any]
    finish_reason: str
    usage: Usage
    model: str
    cost_usd: float | None = None


class Provider(Protocol):
    """`kind` picks the request allowlist; `price` is the provider's own price (the scripted
    model), which overrides the role's; `default_max_tokens` the reply limit the provider
    sends when a call asks for none (Anthropic needs one), or None."""

    kind: str
    price: ModelPrice | None
    default_max_tokens: int | None

    async def complete(self, request: ProviderRequest, timeout_s: float) -> ProviderReply: ...

    async def aclose(self) -> None: ...
