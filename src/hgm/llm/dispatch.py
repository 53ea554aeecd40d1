"""One chat-completions call through the gateway: authenticate, check the budget, call the
provider (with retries), repair tool calls, price, record, answer."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass, field
from typing import Any

from hgm.llm.completions import completion
from hgm.llm.config import GatewayConfig
from hgm.llm.gateway_errors import BadRequest, CallCancelled, GatewayError
from hgm.llm.ledger import JobKey, Ledger
from hgm.llm.prices import PriceBook
from hgm.llm.provider import Provider, ProviderRequest, Usage, estimate_usage
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
    sent: bool = False  # the provider was called (so a cancelled call may have cost tokens)


@dataclass(eq=False, slots=True)
class _InFlight:
    """One call being handled: its provider task, and a future done once it is recorded."""

    recorded: asyncio.Future[None]
    forward: asyncio.Future[None] | None = None


def cap_reply_tokens(params: dict[str, Any], cap: int) -> dict[str, Any]:
    """`params` with the reply length limited to `cap` tokens (the role's `max_tokens`):
    `max_completion_tokens` when the agent used it, `max_tokens` otherwise."""
    key = "max_completion_tokens" if "max_completion_tokens" in params else "max_tokens"
    given = params.get(key)
    limited = min(given, cap) if isinstance(given, int) and given > 0 else cap
    return params | {key: limited}


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
        self._in_flight: dict[str, set[_InFlight]] = {}

    async def chat(self, token: str | None, body: Any) -> Answer:
        """Raises InvalidToken (not recorded: nobody to attribute it to); all else is recorded.

        A call cancelled before the provider answered (its job was closed, the gateway
        stopped, or the agent hung up) is recorded as `cancelled` with the prompt tokens it
        had sent (estimated); the cancellation then propagates if it was this handler's own.
        """
        key = self._ledger.lookup(token)
        started, clock = time.time(), time.perf_counter()
        outcome = _Outcome()
        request = body if isinstance(body, dict) else {"invalid_body": body}
        fp = ""
        handler_cancelled = False
        call = _InFlight(asyncio.get_running_loop().create_future())
        self._in_flight.setdefault(key.job, set()).add(call)
        try:
            fp = self._validate(key, request)
            call.forward = asyncio.ensure_future(
                self._forward(token or "", key, request, fp, outcome)
            )
            await call.forward
        except GatewayError as error:
            outcome.status, outcome.body = error.status, error.body()
        except asyncio.CancelledError:
            current = asyncio.current_task()
            handler_cancelled = current is not None and current.cancelling() > 0
            self._settle_cancelled(key, request, outcome)
        except Exception as error:  # a bug in a provider must not take the gateway down
            log.exception("gateway failure on a call for job %s", key.job)
            failure = GatewayError(f"internal gateway error: {type(error).__name__}: {error}")
            outcome.status, outcome.body = failure.status, failure.body()
        finally:
            self._record(key, request, fp, outcome, started, clock)
            self._forget(key.job, call)
        if handler_cancelled:
            raise asyncio.CancelledError
        return Answer(outcome.status, outcome.body)

    async def cancel_job(self, job: str | None) -> int:
        """Cancel the calls in flight for `job` (every job when None) and wait until each is
        recorded; returns how many there were."""
        calls = [
            call
            for name, running in list(self._in_flight.items())
            if job is None or name == job
            for call in running
        ]
        for call in calls:
            if call.forward is not None:
                call.forward.cancel()
        if calls:
            await asyncio.wait([call.recorded for call in calls])
        return len(calls)

    def _forget(self, job: str, call: _InFlight) -> None:
        call.recorded.set_result(None)
        running = self._in_flight.get(job)
        if running is not None:
            running.discard(call)
            if not running:
                del self._in_flight[job]

    def _settle_cancelled(self, key: JobKey, request: dict[str, Any], outcome: _Outcome) -> None:
        """The prompt a cancelled call had sent counts (estimated: no answer, no usage)."""
        failure = CallCancelled(
            "the call was cancelled before the provider answered (its job ended, the agent "
            "hung up, or the gateway stopped)",
            tokens_estimated=outcome.sent,
        )
        outcome.status, outcome.body = failure.status, failure.body()
        if not outcome.sent:
            return
        outcome.usage = Usage(estimate_usage(request, {}).input_tokens, 0)
        role = self._config.roles[key.role]
        outcome.cost_usd = self._prices.cost(role.model, outcome.usage, role.price)
        self._ledger.settle(key.job, outcome.usage, outcome.cost_usd)

    def _record(
        self,
        key: JobKey,
        request: dict[str, Any],
        fp: str,
        outcome: _Outcome,
        started: float,
        clock: float,
    ) -> None:
        if outcome.body is None:  # cancelled before anything was decided
            outcome.status, outcome.body = CallCancelled.status, CallCancelled("cancelled").body()
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
        params = cap_reply_tokens(params, role.max_tokens)
        request = ProviderRequest(alias=key.role, model=role.model, body=params, fingerprint=fp)
        self._ledger.reserve(token)
        timeout = self._config.timeout_s
        outcome.sent = True
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
