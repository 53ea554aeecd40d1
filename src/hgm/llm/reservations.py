"""The worst case of a call, and what the budgets still allow it (pure arithmetic).

Before a call is forwarded its worst case is reserved: one call; its input tokens,
estimated from the body; and its reply limit (`max_tokens`), lowered if need be to
what every token and money budget still affords after the calls already in flight.
The real usage replaces the reservation when the call ends. So calls in flight
together never pass a budget; what is recorded can pass it only by how much the
input estimate was short of the provider's count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from hgm.llm.config import BudgetConfig
from hgm.llm.gateway_errors import BudgetExceeded

if TYPE_CHECKING:
    from hgm.llm.ledger import JobLimits

BYTES_PER_INPUT_TOKEN = 3  # estimate: real tokenizers average 3-4 characters a token
_MB = 1024 * 1024


def estimate_input_tokens(body_bytes: int) -> int:
    """Input tokens estimated from the size of the request body (no tokenizer needed)."""
    return math.ceil(body_bytes / BYTES_PER_INPUT_TOKEN)


@dataclass(frozen=True, slots=True)
class Quote:
    """A call before it is sent: its estimated input, its prices (USD per token), the
    reply limit it asks for (at most the role's `max_tokens`), and the size of its body."""

    input_tokens: int
    input_usd: float
    output_usd: float
    max_output_tokens: int
    request_bytes: int


@dataclass(frozen=True, slots=True)
class Reservation:
    """What is held for a call in flight. `max_output_tokens` is the reply limit to send;
    `lowered` whether it is below what was asked."""

    tokens: int
    usd: float
    held_bytes: int
    max_output_tokens: int
    lowered: bool


@dataclass(frozen=True, slots=True)
class RunTotals:
    """The run's calls, tokens and money so far (earlier sessions included), and what calls
    in flight hold (`reservations` of them)."""

    calls: int = 0
    tokens: int = 0
    usd: float = 0.0
    reserved_tokens: int = 0
    reserved_usd: float = 0.0
    reservations: int = 0

    def reserve(self, held: Reservation) -> RunTotals:
        return replace(
            self,
            calls=self.calls + 1,
            reserved_tokens=self.reserved_tokens + held.tokens,
            reserved_usd=self.reserved_usd + held.usd,
            reservations=self.reservations + 1,
        )

    def settle(self, held: Reservation, tokens: int, usd: float) -> RunTotals:
        left = self.reservations - 1
        return replace(
            self,
            tokens=self.tokens + tokens,
            usd=self.usd + usd,
            reserved_tokens=self.reserved_tokens - held.tokens if left else 0,
            reserved_usd=self.reserved_usd - held.usd if left else 0.0,  # no rounding residue
            reservations=left,
        )


def _refuse(name: str, used: float, limit: float, needed: float, quote: Quote) -> BudgetExceeded:
    return BudgetExceeded(
        f"budget {name}: {used:g} of {limit:g} used or held by calls in flight, and this call "
        f"needs {needed:g} more at least (its input is estimated at {quote.input_tokens} "
        "tokens): the provider was not called",
        budget=name,
        used=used,
        limit=limit,
        needed=needed,
    )


def grant(
    quote: Quote,
    budgets: BudgetConfig,
    limits: JobLimits,
    *,
    job: tuple[int, int, float],
    job_reserved: tuple[int, float],
    run: RunTotals,
    stored: tuple[int, int],
) -> Reservation:
    """The reservation for `quote`, or BudgetExceeded naming the first budget it would pass.

    `job` is the job's (calls, tokens, money) so far, `job_reserved` what its calls in
    flight hold (tokens, money), `stored` its run.db bytes (written or held) and limit."""
    job_calls, job_tokens, job_usd = job
    for name, used, limit in (
        ("job_calls", job_calls, limits.calls),
        ("run_calls", run.calls, budgets.run_calls),
    ):
        if limit is not None and used >= limit:
            raise _refuse(name, used, limit, 1, quote)
    stored_bytes, stored_limit = stored
    if stored_bytes + quote.request_bytes > stored_limit:
        raise _refuse(
            "job_record_mb",
            stored_bytes / _MB,
            stored_limit / _MB,
            quote.request_bytes / _MB,
            quote,
        )
    input_usd = quote.input_tokens * quote.input_usd
    affordable: list[int] = []
    for name, used, limit in (
        ("job_tokens", job_tokens + job_reserved[0], limits.tokens),
        ("run_tokens", run.tokens + run.reserved_tokens, budgets.run_tokens),
    ):
        if limit is None:
            continue
        left = limit - used - quote.input_tokens
        if left < 1:
            raise _refuse(name, used, limit, quote.input_tokens + 1, quote)
        affordable.append(left)
    for name, spent, limit in (
        ("job_usd", job_usd + job_reserved[1], limits.usd),
        ("run_usd", run.usd + run.reserved_usd, budgets.run_usd),
    ):
        if limit is None:
            continue
        left_usd = limit - spent - input_usd
        if left_usd < quote.output_usd or left_usd < 0:
            raise _refuse(name, spent, limit, input_usd + quote.output_usd, quote)
        if quote.output_usd > 0:
            affordable.append(math.floor(left_usd / quote.output_usd))
    reply = min([quote.max_output_tokens, *affordable])
    return Reservation(
        tokens=quote.input_tokens + reply,
        usd=input_usd + reply * quote.output_usd,
        held_bytes=quote.request_bytes,
        max_output_tokens=reply,
        lowered=reply < quote.max_output_tokens,
    )
