"""OpenAI and OpenAI-compatible servers (vLLM, Ollama, llama.cpp server, OpenRouter)."""

from __future__ import annotations

from hgm.llm.config import OpenAIProviderConfig
from hgm.llm.gateway_errors import ContextLengthExceeded, ProviderFailed
from hgm.llm.provider import ProviderReply, ProviderRequest, Usage, estimate_usage
from hgm.llm.provider_errors import error_message, is_context_overflow, overflow_sizes
from hgm.llm.providers.http import JsonClient, read_key


class OpenAIProvider:
    kind = "openai"

    def __init__(self, name: str, config: OpenAIProviderConfig) -> None:
        key = read_key(config.api_key_env, name)
        headers = dict(config.headers)
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        self._url = config.base_url.rstrip("/") + "/chat/completions"
        self._client = JsonClient(headers)

    async def complete(self, request: ProviderRequest, timeout_s: float) -> ProviderReply:
        body = dict(request.body, model=request.model, stream=False)
        body.pop("stream_options", None)
        status, parsed = await self._client.post(self._url, body, timeout_s)
        if status >= 400:
            if is_context_overflow(parsed):
                raise ContextLengthExceeded(error_message(parsed), **overflow_sizes(parsed))
            raise ProviderFailed(
                f"HTTP {status}: {error_message(parsed)}", retryable=False, upstream_status=status
            )
        try:
            choice = parsed["choices"][0]
            message = choice["message"]
            reported = parsed.get("usage") or {}
            usage = (
                Usage(
                    int(reported.get("prompt_tokens") or 0),
                    int(reported.get("completion_tokens") or 0),
                )
                if reported
                else estimate_usage(request.body, message)  # some local servers send none
            )
            return ProviderReply(
                message=message,
                finish_reason=choice.get("finish_reason") or "stop",
                usage=usage,
                model=str(parsed.get("model") or request.model),
            )
        except (KeyError, IndexError, TypeError, ValueError) as error:
            raise ProviderFailed(
                f"malformed completion from {self._url}: {str(parsed)[:300]}", retryable=False
            ) from error

    async def aclose(self) -> None:
        await self._client.aclose()
