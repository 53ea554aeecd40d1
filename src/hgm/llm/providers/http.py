"""JSON over HTTP for the HTTP providers, with errors classified as retryable or not."""

from __future__ import annotations

import json
import os
from typing import Any

import aiohttp

from hgm.errors import UserError
from hgm.llm.gateway_errors import ProviderFailed
from hgm.llm.provider_errors import is_context_overflow

NOT_TRANSIENT = (501, 505)  # "not implemented": retrying cannot help


def read_key(api_key_env: str | None, provider: str) -> str | None:
    """The provider key from the gateway process's environment (None when not configured)."""
    if api_key_env is None:
        return None
    key = os.environ.get(api_key_env)
    if not key:
        raise UserError(
            f"provider {provider!r}: environment variable {api_key_env} is not set; export it, "
            'or set api_key_env = "" in the provider config for a local server without keys'
        )
    return key


def _retry_after(headers: Any) -> float | None:
    value = headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class JsonClient:
    """One aiohttp session per provider, created in the gateway's event loop on first use."""

    def __init__(self, headers: dict[str, str]) -> None:
        self._headers = headers
        self._session: aiohttp.ClientSession | None = None

    async def post(self, url: str, body: dict[str, Any], timeout_s: float) -> tuple[int, Any]:
        """(status, parsed body) for any HTTP answer; raises ProviderFailed for transport faults
        and for 429/5xx answers (retryable), except a 5xx that reports a context overflow
        (some servers do), which the provider classifies."""
        if self._session is None:
            self._session = aiohttp.ClientSession(headers=self._headers)
        try:
            async with self._session.post(
                url, json=body, timeout=aiohttp.ClientTimeout(total=timeout_s)
            ) as response:
                text = await response.text()
                status = response.status
                retry_after = _retry_after(response.headers)
        except TimeoutError as error:
            raise ProviderFailed(
                f"no answer from {url} within {timeout_s:g} s", retryable=True
            ) from error
        except aiohttp.ClientError as error:
            raise ProviderFailed(f"cannot reach {url}: {error}", retryable=True) from error
        try:
            parsed: Any = json.loads(text) if text else None
        except json.JSONDecodeError:
            parsed = text
        if (status == 429 or status >= 500) and not is_context_overflow(parsed):
            raise ProviderFailed(
                f"{url} answered HTTP {status}: {' '.join(str(text).split())[:300]}",
                retryable=status not in NOT_TRANSIENT,
                retry_after_s=retry_after,
                upstream_status=status,
            )
        return status, parsed

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
