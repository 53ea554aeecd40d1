"""The provider seam: what the gateway asks of a provider and what it gets back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def total(self) -> int:
        return self.input_tokens + self.output_tokens


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
    kind: str

    async def complete(self, request: ProviderRequest, timeout_s: float) -> ProviderReply: ...

    async def aclose(self) -> None: ...
