"""Bounded retries with exponential backoff and full jitter for retryable provider faults."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable

from hgm.llm.config import RetryConfig
from hgm.llm.gateway_errors import ProviderFailed
from hgm.llm.provider import ProviderReply


async def with_retries(
    call: Callable[[], Awaitable[ProviderReply]], retry: RetryConfig, rng: random.Random
) -> tuple[ProviderReply, int]:
    """(reply, attempts used). Re-raises the last ProviderFailed once attempts run out."""
    attempt = 1
    while True:
        try:
            return await call(), attempt
        except ProviderFailed as error:
            if not error.retryable or attempt >= retry.attempts:
                error.details["attempts"] = attempt
                raise
            ceiling = min(retry.max_delay_s, retry.base_delay_s * 2 ** (attempt - 1))
            delay = rng.uniform(0, ceiling)
            if error.retry_after_s is not None:
                delay = max(delay, min(error.retry_after_s, retry.max_delay_s))
            await asyncio.sleep(delay)
            attempt += 1
