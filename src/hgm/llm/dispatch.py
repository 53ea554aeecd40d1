"""One chat-completions call through the gateway: authenticate, check the budget, call the
provider (with retries), repair tool calls, price, record, answer."""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass, field
from typing import Any

from hgm.llm.completions import completion
from hgm.llm.config import GatewayConfig
from hgm.llm.gateway_errors import BadRequest, GatewayError
from hgm.llm.ledger import JobKey, Ledger
from hgm.llm.prices import PriceBook
from hgm.llm.provider import Provider, ProviderRequest, Usage
from hgm.llm.recording import CallRecord, CallRecorder, fingerprint
from hgm.llm.retry import with_retries
from hgm.llm.tool_calls import repair_tool_calls

log = logging.getLogger(__name__)
_NOT_FORWARDED = ("model", "stream", "stream_options", "user")


@dataclass(frozen=True, slots=True)
class Answer:
    """What the server sends back: an HTTP status and a JSON body (a completion or an error)."""

    status: int
    body: dict[str, Any]


@dataclass(slots=True)
class _Outcome:
    status: int = 200
    body: dict[str, Any] | None = None
    usage: Usage = field(default_factory=Usage)
    cost_usd: float = 0.0
    attempts: int = 0
    repairs: int = 0
    model: str = ""
    provider: str = ""


class Dispatcher:
    def __init__(
        self,
        config: GatewayConfig,
        providers: dict[str, Provider],
        ledger: Ledger,
        recorder: CallRecorder,
        prices: PriceBook,
    ) -> None:
        self._config = config
        self._providers = providers
        self._ledger = ledger
        self._recorder = recorder
        self._prices = prices
        self._rng = random.Random()

    async def chat(self, token: str | None, body: Any) -> Answer:
        """Raises InvalidToken (not recorded: nobody to attribute it to); all else is recorded."""
        key = self._ledger.lookup(token)
        started, clock = time.time(), time.perf_counter()
        outcome = _Outcome()
        request = body if isinstance(body, dict) else {"invalid_body": body}
        fp = ""
        try:
            fp = self._validate(key, request)
            await self._forward(token or "", key, request, fp, outcome)
        except GatewayError as error:
            outcome.status, outcome.body = error.status, error.body()
        except Exception as error:  # a bug in a provider must not take the gateway down
            log.exception("gateway failure on a call for job %s", key.job)
            failure = GatewayError(f"internal gateway error: {type(error).__name__}: {error}")
            outcome.status, outcome.body = failure.status, failure.body()
        self._recorder.record(
            CallRecord(
                run=key.run,
                agent=key.agent,
                job=key.job,
                role=key.role,
                provider=outcome.provider,
                model=outcome.model,
                started_at=started,
                latency_s=time.perf_counter() - clock,
                status="ok" if outcome.status == 200 else outcome.body["error"]["type"],
                http_status=outcome.status,
                input_tokens=outcome.usage.input_tokens,
                output_tokens=outcome.usage.output_tokens,
                cost_usd=outcome.cost_usd,
                attempts=outcome.attempts,
                tool_call_repairs=outcome.repairs,
                fingerprint=fp,
                request=request,
                response=outcome.body if outcome.status == 200 else None,
                error=None if outcome.status == 200 else outcome.body["error"],
            )
        )
        return Answer(outcome.status, outcome.body)

    def _validate(self, key: JobKey, body: dict[str, Any]) -> str:
        if not isinstance(body.get("messages"), list) or not body["messages"]:
            raise BadRequest("the body needs a non-empty `messages` list")
        alias = body.get("model") or key.role
        if alias != key.role:
            raise BadRequest(
                f"model {alias!r} is not available to this job: use the alias {key.role!r} "
                "(given in $HGM_MODEL)"
            )
        if key.role not in self._config.roles:
            raise BadRequest(f"no model is configured for role {key.role!r}")
        return fingerprint(alias, body)

    async def _forward(
        self, token: str, key: JobKey, body: dict[str, Any], fp: str, outcome: _Outcome
    ) -> None:
        role = self._config.roles[key.role]
        outcome.provider, outcome.model = role.provider, role.model
        provider = self._providers[role.provider]
        params = role.params | {k: v for k, v in body.items() if k not in _NOT_FORWARDED}
        request = ProviderRequest(alias=key.role, model=role.model, body=params, fingerprint=fp)
        self._ledger.reserve(token)
        timeout = self._config.timeout_s
        try:
            reply, outcome.attempts = await with_retries(
                lambda: provider.complete(request, timeout), self._config.retry, self._rng
            )
        except GatewayError as error:
            outcome.attempts = int(error.details.get("attempts", 1))
            raise
        message, outcome.repairs = repair_tool_calls(reply.message)
        if outcome.repairs:
            log.warning("repaired %d malformed tool call(s) from %s", outcome.repairs, role.model)
        outcome.usage = reply.usage
        outcome.cost_usd = (
            reply.cost_usd
            if reply.cost_usd is not None
            else self._prices.cost(role.model, reply.usage, role.price)
        )
        self._ledger.settle(key.job, reply.usage, outcome.cost_usd)
        outcome.body = completion(message, reply.finish_reason, reply.usage, reply.model)
