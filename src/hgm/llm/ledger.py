"""Per-job tokens and the accounting that budgets are checked against.

A call is admitted (not throttled), then its worst-case cost is reserved against
every budget before it is forwarded, and settled with the real usage after; so calls
in flight together can never pass a budget between them. Thread-safe: jobs are
opened and closed from the engine's threads, calls are handled on the gateway's
event loop, and the recorder reports what it wrote from its own thread.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from dataclasses import dataclass, field, replace

from hgm.llm.config import BudgetConfig, GatewayLimits, Role
from hgm.llm.gateway_errors import BudgetExceeded, InvalidToken, RateLimited
from hgm.llm.provider import Usage
from hgm.llm.reservations import Quote, Reservation, RunTotals, grant

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class JobLimits:
    """Per-job limits; None falls back to the gateway's `budgets` defaults."""

    usd: float | None = None
    tokens: int | None = None
    calls: int | None = None


@dataclass(frozen=True, slots=True)
class JobKey:
    """Who a call is attributed to."""

    run: str
    agent: str
    job: str
    role: Role


@dataclass(frozen=True, slots=True)
class JobUsage:
    """What a job used. `refused`: requests refused (invalid, too large, over a budget);
    `throttled`: requests answered 429 unread; `stored_bytes`: what its records take."""

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    refused: int = 0
    throttled: int = 0
    stored_bytes: int = 0

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(slots=True)
class _Bucket:
    """Refusals a job may still cause before it is throttled (a token bucket)."""

    capacity: float
    per_s: float
    level: float
    at: float

    def refill(self, now: float) -> None:
        self.level = min(self.capacity, self.level + (now - self.at) * self.per_s)
        self.at = now


@dataclass(slots=True)
class _Account:
    key: JobKey
    limits: JobLimits
    usage: JobUsage
    bucket: _Bucket
    reserved_tokens: int = 0
    reserved_usd: float = 0.0
    reservations: int = 0
    pending_bytes: int = 0
    in_flight: int = 0
    throttling: bool = False


@dataclass(frozen=True, slots=True, eq=False)
class Admission:
    """A call let in: it holds one of its job's concurrent-call slots until `leave`."""

    token: str
    key: JobKey
    account: _Account = field(repr=False)


class Ledger:
    def __init__(
        self, budgets: BudgetConfig, limits: GatewayLimits, before: RunTotals | None = None
    ) -> None:
        self._budgets = budgets
        self._limits = limits
        self._run = before or RunTotals()
        self._open: dict[str, _Account] = {}
        self._by_job: dict[str, _Account] = {}
        self._lock = threading.Lock()

    def open_job(self, key: JobKey, limits: JobLimits | None = None) -> str:
        defaults = self._budgets
        given = limits or JobLimits()
        resolved = JobLimits(
            usd=given.usd if given.usd is not None else defaults.job_usd,
            tokens=given.tokens if given.tokens is not None else defaults.job_tokens,
            calls=given.calls if given.calls is not None else defaults.job_calls,
        )
        token = "hgm-job-" + secrets.token_urlsafe(24)
        with self._lock:
            account = self._by_job.get(key.job)
            if account is None or account.key != key:
                burst = float(self._limits.refusals_burst)
                bucket = _Bucket(burst, self._limits.refusals_per_minute / 60, burst, _now())
                account = _Account(key, resolved, JobUsage(), bucket)
            else:
                account.limits = resolved
            self._by_job[key.job] = account
            self._open[token] = account
        return token

    def close_job(self, token: str) -> JobUsage:
        with self._lock:
            account = self._open.pop(token, None)
        if account is None:
            raise InvalidToken("unknown or already closed job token")
        return account.usage

    def lookup(self, token: str | None) -> JobKey:
        with self._lock:
            account = self._open.get(token or "")
        if account is None:
            raise _invalid_token()
        return account.key

    def admit(self, token: str | None, only_job: str | None = None) -> Admission:
        """Let a call in, or raise InvalidToken (also when `only_job` is given and the token
        is another job's), or RateLimited (429) when the job has too many calls in flight
        or has been refused too often lately (nothing is counted then but `throttled`)."""
        with self._lock:
            account = self._open.get(token or "")
            if account is None:
                raise _invalid_token()
            if only_job is not None and account.key.job != only_job:
                raise InvalidToken("this socket serves only the calls of its own job")
            bucket = account.bucket
            bucket.refill(_now())
            busy = account.in_flight >= self._limits.job_concurrent_calls
            if bucket.level < 1 or busy:
                account.usage = replace(account.usage, throttled=account.usage.throttled + 1)
                first = not account.throttling
                account.throttling = True
                wait = 1.0 if busy else (1 - bucket.level) / bucket.per_s
                reason = (
                    f"{account.in_flight} calls in flight (at most "
                    f"{self._limits.job_concurrent_calls})"
                    if busy
                    else f"more than {self._limits.refusals_burst} refused requests "
                    f"(refill {self._limits.refusals_per_minute:g} per minute)"
                )
            else:
                account.throttling = False
                account.in_flight += 1
                return Admission(token or "", account.key, account)
        if first:
            log.warning(
                "job %s throttled: %s; its further requests get 429", account.key.job, reason
            )
        raise RateLimited(
            f"slow down: this job has {reason}; retry after {wait:.1f} s",
            retry_after_s=round(wait, 3),
        )

    def leave(self, admission: Admission) -> None:
        with self._lock:
            admission.account.in_flight -= 1

    def refuse(self, admission: Admission, *, counts_as_call: bool) -> None:
        """A request refused before forwarding: counted, and it uses up the job's refusal
        allowance. An unreadable or invalid request (`counts_as_call`) also counts as one
        of the job's and the run's calls while any are left."""
        with self._lock:
            account = admission.account
            account.bucket.refill(_now())
            account.bucket.level = max(0.0, account.bucket.level - 1)
            usage = account.usage
            calls = usage.calls
            if counts_as_call and (account.limits.calls is None or calls < account.limits.calls):
                calls += 1
                self._run = replace(self._run, calls=self._run.calls + 1)
            account.usage = replace(usage, calls=calls, refused=usage.refused + 1)

    def reserve(self, admission: Admission, quote: Quote) -> Reservation:
        """Reserve the call's worst case against every budget (one call, its input, and at
        most the reply limit granted, which may be lower than asked), or raise
        BudgetExceeded (with `may_free` set when calls in flight hold part of that budget)
        and reserve nothing."""
        with self._lock:
            account = admission.account
            if self._open.get(admission.token) is not account:
                raise InvalidToken("job token closed while the request was in flight")
            used = account.usage
            try:
                reservation = grant(
                    quote,
                    self._budgets,
                    account.limits,
                    job=(used.calls, used.tokens, used.cost_usd),
                    job_reserved=(account.reserved_tokens, account.reserved_usd),
                    run=self._run,
                    stored=(used.stored_bytes + account.pending_bytes, self.record_limit_bytes),
                )
            except BudgetExceeded as error:
                holding = {
                    "job_tokens": account.reservations,
                    "job_usd": account.reservations,
                    "run_tokens": self._run.reservations,
                    "run_usd": self._run.reservations,
                }
                error.may_free = holding.get(error.details["budget"], 0) > 0
                raise
            account.usage = replace(used, calls=used.calls + 1)
            account.reserved_tokens += reservation.tokens
            account.reserved_usd += reservation.usd
            account.reservations += 1
            account.pending_bytes += reservation.held_bytes
            self._run = self._run.reserve(reservation)
            return reservation

    def settle(
        self, admission: Admission, reservation: Reservation, usage: Usage, cost: float
    ) -> None:
        """Replace the reservation by what the call really used (nothing for a failed call)."""
        with self._lock:
            account = admission.account
            account.reservations -= 1
            if account.reservations:
                account.reserved_tokens -= reservation.tokens
                account.reserved_usd -= reservation.usd
            else:  # nothing in flight: no rounding residue left behind
                account.reserved_tokens, account.reserved_usd = 0, 0.0
            used = account.usage
            account.usage = replace(
                used,
                input_tokens=used.input_tokens + usage.input_tokens,
                output_tokens=used.output_tokens + usage.output_tokens,
                cost_usd=used.cost_usd + cost,
            )
            self._run = self._run.settle(reservation, usage.total, cost)

    @property
    def record_limit_bytes(self) -> int:
        return int(self._limits.job_record_mb * 1024 * 1024)

    def hold_storage(self, job: str, size: int) -> bool:
        """Hold `size` bytes of the job's run.db allowance for a record; False (and nothing
        held) when that would pass `job_record_mb`."""
        with self._lock:
            account = self._by_job[job]
            total = account.usage.stored_bytes + account.pending_bytes + size
            if total > self.record_limit_bytes:
                return False
            account.pending_bytes += size
            return True

    def written(self, job: str, held: int, stored: int) -> None:
        """The recorder wrote a call of `job`: `held` bytes were held for it, `stored` used."""
        with self._lock:
            account = self._by_job[job]
            account.pending_bytes -= held
            used = account.usage
            account.usage = replace(used, stored_bytes=used.stored_bytes + stored)

    def spent_usd(self) -> float:
        with self._lock:
            return self._run.usd

    def run_totals(self) -> RunTotals:
        with self._lock:
            return self._run

    def job_usage(self, job: str) -> JobUsage:
        with self._lock:
            account = self._by_job.get(job)
            return account.usage if account else JobUsage()


def _now() -> float:
    return time.monotonic()


def _invalid_token() -> InvalidToken:
    return InvalidToken(
        "missing, unknown or closed job token: send "
        "`Authorization: Bearer $HGM_LLM_API_KEY` while the job runs"
    )
