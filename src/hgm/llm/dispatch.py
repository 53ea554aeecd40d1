"""One chat-completions call through the gateway: parse and check the request, reserve its
worst case against the budgets, call the provider (with retries), repair tool calls, price,
settle, record, answer.

A call cancelled before the provider answered (its job was closed, the gateway stopped,
or the agent hung up) is recorded as `cancelled`, with the prompt tokens it had sent
(estimated) when the provider was called; the cancellation then propagates if it was the
handler's own.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass, field, replace
from typing import Any

from hgm.llm.allowlist import check_request, with_reply_limit
from hgm.llm.completions import completion
from hgm.llm.config import GatewayConfig, RoleModel
from hgm.llm.gateway_errors import BadRequest, BudgetExceeded, CallCancelled, GatewayError
from hgm.llm.ledger import Admission, JobKey, Ledger
from hgm.llm.prices import PriceBook
from hgm.llm.provider import Provider, ProviderRequest, Usage, estimate_usage
from hgm.llm.recording import CallRecord, CallRecorder, fingerprint
from hgm.llm.request_body import parse_json
from hgm.llm.reservations import Quote, Reservation, estimate_input_tokens
from hgm.llm.retry import with_retries
from hgm.llm.tool_calls import repair_tool_calls

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Answer:
    """What the server sends back: an HTTP status and a JSON body (a completion or an error),
    and whether the agent asked for it as a stream."""

    status: int
    body: dict[str, Any]
    stream: bool = False
    include_usage: bool = False


@dataclass(slots=True)
class _Outcome:
    provider: str
    model: str
    status: int = 200
    body: dict[str, Any] | None = None
    usage: Usage = field(default_factory=Usage)
    cost_usd: float = 0.0
    attempts: int = 0
    repairs: int = 0
    max_output_tokens: int | None = None  # the reply limit sent, once a reservation is made
    sent: bool = False  # the provider was called (so a cancelled call may have cost tokens)

    def fail(self, error: GatewayError) -> None:
        self.status, self.body = error.status, error.body()


@dataclass(eq=False, slots=True)
class _InFlight:
    """One call being handled: its provider task, and a future done once it is recorded."""

    recorded: asyncio.Future[None]
    forward: asyncio.Future[None] | None = None


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
        self._over_record_limit: set[str] = set()
        self._settlement: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._in_flight: dict[str, set[_InFlight]] = {}

    async def chat(self, admission: Admission, raw: bytes) -> Answer:
        """Answer one admitted call whose body is `raw`; every outcome is recorded."""
        key = admission.key
        started, clock = time.time(), time.perf_counter()
        role = self._config.roles[key.role]
        provider = self._providers[role.provider]
        try:
            body = parse_json(raw, self._config.limits.max_json_depth)
            checked = check_request(body, key.role, provider.kind, role.params)
        except BadRequest as error:
            self.refuse(admission, error, raw, len(raw), started)
            return Answer(error.status, error.body())
        fp = fingerprint(key.role, body)
        outcome = _Outcome(role.provider, role.model)
        price = provider.price or role.price or self._prices.price(role.model)
        quote = Quote(
            input_tokens=estimate_input_tokens(len(raw)),
            input_usd=price.input_per_m / 1e6 if price else 0.0,
            output_usd=price.output_per_m / 1e6 if price else 0.0,
            max_output_tokens=min(
                checked.max_output_tokens or provider.default_max_tokens or role.max_tokens,
                role.max_tokens,
            ),
            request_bytes=len(raw),
        )
        held: int | None = None
        flight = _InFlight(asyncio.get_running_loop().create_future())
        self._in_flight.setdefault(key.job, set()).add(flight)
        handler_cancelled = False
        try:
            try:
                reservation = await self._reserve(admission, quote)
            except GatewayError as error:
                if isinstance(error, BudgetExceeded):
                    self._ledger.refuse(admission, counts_as_call=False)
                outcome.fail(error)
            else:
                held = reservation.held_bytes
                outcome.max_output_tokens = reservation.max_output_tokens
                params = with_reply_limit(checked.params, reservation.max_output_tokens)
                try:
                    flight.forward = asyncio.ensure_future(
                        self._forward(key, role, provider, params, fp, outcome)
                    )
                    await flight.forward
                except GatewayError as error:
                    outcome.attempts = int(error.details.get("attempts", outcome.attempts or 1))
                    outcome.fail(error)
                except asyncio.CancelledError:
                    self._cancelled(role, body, outcome)
                    raise
                except Exception as error:  # a bug in a provider must not take the gateway down
                    log.exception("gateway failure on a call for job %s", key.job)
                    outcome.fail(
                        GatewayError(f"internal gateway error: {type(error).__name__}: {error}")
                    )
                finally:
                    self._ledger.settle(admission, reservation, outcome.usage, outcome.cost_usd)
                    self._settled()
        except asyncio.CancelledError:
            current = asyncio.current_task()
            handler_cancelled = current is not None and current.cancelling() > 0
            if outcome.body is None:  # cancelled while waiting for a reservation
                self._cancelled(role, body, outcome)
        finally:
            self._record(key, body, raw, fp, outcome, held, started, clock)
            self._forget(key.job, flight)
        if handler_cancelled:
            raise asyncio.CancelledError
        return Answer(outcome.status, outcome.body, checked.stream, checked.include_usage)

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

    def _cancelled(self, role: RoleModel, body: dict[str, Any], outcome: _Outcome) -> None:
        """The prompt a cancelled call had sent counts (estimated: no answer, no usage)."""
        outcome.fail(
            CallCancelled(
                "the call was cancelled before the provider answered (its job ended, the agent "
                "hung up, or the gateway stopped)",
                tokens_estimated=outcome.sent,
            )
        )
        if outcome.sent:
            outcome.usage = Usage(estimate_usage(body, {}).input_tokens, 0)
            outcome.cost_usd = self._prices.cost(role.model, outcome.usage, role.price)

    def _record(
        self,
        key: JobKey,
        body: dict[str, Any],
        raw: bytes,
        fp: str,
        outcome: _Outcome,
        held: int | None,
        started: float,
        clock: float,
    ) -> None:
        """Record a call that was read as a chat request: in full while the job's run.db
        allowance holds it, else as an excerpt."""
        assert outcome.body is not None
        call = CallRecord(
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
            request=body,
            response=outcome.body if outcome.status == 200 else None,
            error=None if outcome.status == 200 else outcome.body["error"],
            request_bytes=len(raw),
            max_output_tokens=outcome.max_output_tokens,
        )
        if held is not None:
            self._recorder.record(call, held)
        elif self._ledger.hold_storage(key.job, len(raw)):
            self._recorder.record(call, len(raw))
        else:
            self._record_excerpt(call, raw)

    async def _reserve(self, admission: Admission, quote: Quote) -> Reservation:
        """The reservation; when a budget is short only because calls in flight hold part of
        it, wait for them to settle and try again (refuse once nothing is in flight)."""
        while True:
            settlement = self._settlement  # taken before trying: no settlement can be missed
            try:
                return self._ledger.reserve(admission, quote)
            except BudgetExceeded as error:
                if not error.may_free:
                    raise
            await asyncio.shield(settlement)

    def _settled(self) -> None:
        """Wake the calls waiting for a reservation to be settled."""
        settlement, self._settlement = self._settlement, asyncio.get_running_loop().create_future()
        settlement.set_result(None)

    def refuse(
        self, admission: Admission, error: GatewayError, raw: bytes, size: int, started: float
    ) -> None:
        """Count and record a request refused before it could be read as a chat request
        (unreadable, invalid, too large, too slow): a bounded excerpt of it is stored."""
        self._ledger.refuse(admission, counts_as_call=True)
        key = admission.key
        role = self._config.roles[key.role]
        body = error.body()
        call = CallRecord(
            run=key.run,
            agent=key.agent,
            job=key.job,
            role=key.role,
            provider=role.provider,
            model=role.model,
            started_at=started,
            latency_s=time.time() - started,
            status=body["error"]["type"],
            http_status=error.status,
            input_tokens=0,
            output_tokens=0,
            cost_usd=0.0,
            attempts=0,
            tool_call_repairs=0,
            fingerprint="",
            request={},
            response=None,
            error=body["error"],
            request_bytes=size,
        )
        self._record_excerpt(call, raw)

    def _record_excerpt(self, call: CallRecord, raw: bytes) -> None:
        """Record `call` with only the start of its body, if the job's run.db allowance
        holds it; otherwise count it only (logged once per job)."""
        excerpt = raw[: self._config.limits.excerpt_chars].decode("utf-8", "replace")
        size = len(excerpt.encode("utf-8", "replace"))
        if not self._ledger.hold_storage(call.job, size):
            if call.job not in self._over_record_limit:
                self._over_record_limit.add(call.job)
                log.warning(
                    "job %s reached limits.job_record_mb: its further refused requests are "
                    "counted, not recorded",
                    call.job,
                )
            return
        self._recorder.record(replace(call, request={}, request_excerpt=excerpt), size)

    async def _forward(
        self,
        key: JobKey,
        role: RoleModel,
        provider: Provider,
        params: dict[str, Any],
        fp: str,
        outcome: _Outcome,
    ) -> None:
        request = ProviderRequest(alias=key.role, model=role.model, body=params, fingerprint=fp)
        timeout = self._config.timeout_s
        outcome.sent = True
        reply, outcome.attempts = await with_retries(
            lambda: provider.complete(request, timeout), self._config.retry, self._rng
        )
        message, outcome.repairs = repair_tool_calls(reply.message)
        if outcome.repairs:
            log.warning("repaired %d malformed tool call(s) from %s", outcome.repairs, role.model)
        outcome.usage = reply.usage
        outcome.cost_usd = (
            reply.cost_usd
            if reply.cost_usd is not None
            else self._prices.cost(role.model, reply.usage, role.price)
        )
        outcome.body = completion(message, reply.finish_reason, reply.usage, reply.model)
