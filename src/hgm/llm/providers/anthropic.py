"""The Anthropic messages API over plain HTTP; the agent still speaks OpenAI chat completions."""

from __future__ import annotations

from typing import Any

from hgm.llm.config import AnthropicProviderConfig
from hgm.llm.gateway_errors import ContextLengthExceeded, ProviderFailed
from hgm.llm.provider import ProviderReply, ProviderRequest, Usage
from hgm.llm.provider_errors import error_message, is_context_overflow, overflow_sizes
from hgm.llm.providers.anthropic_translation import from_anthropic, to_anthropic
from hgm.llm.providers.http import JsonClient, read_key


class AnthropicProvider:
    kind = "anthropic"

    def __init__(self, name: str, config: AnthropicProviderConfig) -> None:
        key = read_key(config.api_key_env, name)
        headers = {"anthropic-version": config.anthropic_version}
        if key is not None:
            headers["x-api-key"] = key
        self._url = config.base_url.rstrip("/") + "/v1/messages"
        self._default_max_tokens = config.default_max_tokens
        self._client = JsonClient(headers)

    async def complete(self, request: ProviderRequest, timeout_s: float) -> ProviderReply:
        body = to_anthropic(request.body, request.model, self._default_max_tokens)
        status, parsed = await self._client.post(self._url, body, timeout_s)
        if status >= 400:
            message = error_message(parsed)
            if is_context_overflow(parsed):
                raise ContextLengthExceeded(message, **overflow_sizes(parsed))
            raise ProviderFailed(
                f"HTTP {status}: {message}", retryable=False, upstream_status=status
            )
        if not isinstance(parsed, dict) or parsed.get("type") == "error":
            raise ProviderFailed(f"malformed answer: {str(parsed)[:300]}", retryable=False)
        message_out, finish, input_tokens, output_tokens = from_anthropic(parsed)
        model: Any = parsed.get("model") or request.model
        return ProviderReply(
            message=message_out,
            finish_reason=finish,
            usage=Usage(input_tokens, output_tokens),
            model=str(model),
        )

    async def aclose(self) -> None:
        await self._client.aclose()
