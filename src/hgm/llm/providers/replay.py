"""Serves answers recorded in a run database, matched by request fingerprint.

The n-th identical request gets the n-th recorded answer (the last one once they
run out), so a deterministic run replays exactly. A request never recorded is a
`replay_miss` error for the agent, counted like any other call.
"""

from __future__ import annotations

from collections import defaultdict

from hgm.errors import UserError
from hgm.llm.config import ReplayProviderConfig
from hgm.llm.gateway_errors import ContextLengthExceeded, ReplayMiss
from hgm.llm.provider import ProviderReply, ProviderRequest, Usage
from hgm.llm.recording import CallRecord, replayable_calls


class ReplayProvider:
    kind = "replay"
    price = None
    default_max_tokens = None

    def __init__(self, config: ReplayProviderConfig) -> None:
        if not config.source.is_file():
            raise UserError(f"replay source {config.source}: no such run database")
        self._calls: dict[str, list[CallRecord]] = defaultdict(list)
        for call in replayable_calls(config.source):
            self._calls[call.fingerprint].append(call)
        if not self._calls:
            raise UserError(f"replay source {config.source}: it holds no recorded LLM calls")
        self._served: dict[str, int] = defaultdict(int)
        self._source = config.source

    async def complete(self, request: ProviderRequest, timeout_s: float) -> ProviderReply:
        recorded = self._calls.get(request.fingerprint)
        if not recorded:
            raise ReplayMiss(
                f"this request (fingerprint {request.fingerprint[:16]}) was never recorded in "
                f"{self._source}: replay serves only requests seen in the recorded run"
            )
        index = min(self._served[request.fingerprint], len(recorded) - 1)
        self._served[request.fingerprint] += 1
        call = recorded[index]
        if call.status == "context_length_exceeded":
            raise ContextLengthExceeded((call.error or {}).get("message", "recorded context error"))
        completion = call.response or {}
        choice = completion["choices"][0]
        return ProviderReply(
            message=choice["message"],
            finish_reason=choice.get("finish_reason") or "stop",
            usage=Usage(call.input_tokens, call.output_tokens),
            model=call.model,
            cost_usd=call.cost_usd,
        )

    async def aclose(self) -> None:
        return None
