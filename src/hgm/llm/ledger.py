"""Per-job tokens and the money/token/call accounting that budgets are checked against.

Thread-safe: jobs are opened and closed from the engine's threads while the
gateway's event loop reserves and settles calls.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass

from hgm.llm.config import BudgetConfig, Role
from hgm.llm.gateway_errors import BudgetExceeded, InvalidToken
from hgm.llm.provider import Usage


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
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(slots=True)
class _Account:
    key: JobKey
    limits: JobLimits
    usage: JobUsage


class Ledger:
    def __init__(self, budgets: BudgetConfig, spent_before_usd: float = 0.0) -> None:
        self._budgets = budgets
        self._spent = spent_before_usd
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
                account = _Account(key, resolved, JobUsage())
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
            raise InvalidToken(
                "missing, unknown or closed job token: send "
                "`Authorization: Bearer $HGM_LLM_API_KEY` while the job runs"
            )
        return account.key

    def reserve(self, token: str) -> JobKey:
        """Count one call against the job, or raise BudgetExceeded (and count nothing)."""
        with self._lock:
            account = self._open.get(token)
            if account is None:
                raise InvalidToken("job token closed while the request was in flight")
            used, limits, run_limit = account.usage, account.limits, self._budgets.run_usd
            checks = (
                ("run_usd", self._spent, run_limit),
                ("job_usd", used.cost_usd, limits.usd),
                ("job_tokens", used.tokens, limits.tokens),
                ("job_calls", used.calls, limits.calls),
            )
            for name, spent, limit in checks:
                if limit is not None and spent >= limit:
                    raise BudgetExceeded(
                        f"budget {name} exhausted: used {spent:g} of {limit:g}; the provider was "
                        "not called",
                        budget=name,
                        used=spent,
                        limit=limit,
                    )
            account.usage = JobUsage(
                used.calls + 1, used.input_tokens, used.output_tokens, used.cost_usd
            )
            return account.key

    def settle(self, job: str, usage: Usage, cost_usd: float) -> None:
        with self._lock:
            account = self._by_job[job]
            used = account.usage
            account.usage = JobUsage(
                used.calls,
                used.input_tokens + usage.input_tokens,
                used.output_tokens + usage.output_tokens,
                used.cost_usd + cost_usd,
            )
            self._spent += cost_usd

    def spent_usd(self) -> float:
        with self._lock:
            return self._spent

    def job_usage(self, job: str) -> JobUsage:
        with self._lock:
            account = self._by_job.get(job)
            return account.usage if account else JobUsage()
