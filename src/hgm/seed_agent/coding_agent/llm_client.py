"""An OpenAI-compatible chat-completions client using only the standard library.

Gateway errors come back as `{"error": {"type": ..., "message": ...}}`; they become typed
exceptions whose `reason` is the stop reason the loop reports. Connection failures, timeouts,
429 and 5xx answers are retried with exponential backoff, except the gateway's
`provider_error` (it has already retried the provider) and `cancelled` (the job is over).
"""

from __future__ import annotations

import http.client
import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


class LLMError(Exception):
    """The model could not be reached or answered with an error; ends the loop."""

    reason = "llm_error"

    def __init__(self, message: str, error_type: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.error_type = error_type
        self.status = status


class BudgetExceeded(LLMError):
    reason = "budget_exceeded"


class ContextLengthExceeded(LLMError):
    reason = "context_length_exceeded"


class ToolsUnsupported(LLMError):
    """The server refused the `tools` parameter: the loop switches to the text protocol."""


class TransientError(Exception):
    """Worth retrying: connection refused or reset, timeout, 429, 5xx."""


TYPED_ERRORS: dict[str, type[LLMError]] = {
    "budget_exceeded": BudgetExceeded,
    "context_length_exceeded": ContextLengthExceeded,
    "tools_unsupported": ToolsUnsupported,
}


NOT_RETRIED = ("provider_error", "cancelled")


@dataclass
class Completion:
    message: dict[str, Any]  # {"role": "assistant", "content": str, "tool_calls"?: [...]}
    usage: dict[str, int] = field(default_factory=dict)
    latency_s: float = 0.0
    finish_reason: str = "stop"  # "length": the reply hit max_tokens and was cut off


class ChatClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        model: str,
        timeout_s: float = 600.0,
        retries: int = 3,
        backoff_s: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
        max_tokens: int | None = None,
    ) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.max_tokens = max_tokens
        self.api_key = api_key
        self.model = model
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        self.sleep = sleep
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] = os.environ,
        timeout_s: float = 600.0,
        max_tokens: int | None = None,
    ) -> ChatClient:
        """The client the environment describes; `max_tokens` (per reply) defaults to
        HGM_MAX_TOKENS when that is set."""
        base_url = env.get("HGM_LLM_BASE_URL", "")
        if not base_url:
            raise ValueError("HGM_LLM_BASE_URL is not set (an OpenAI-compatible base URL)")
        key, model = env.get("HGM_LLM_API_KEY", ""), env.get("HGM_MODEL", "default")
        if max_tokens is None and env.get("HGM_MAX_TOKENS"):
            max_tokens = int(env["HGM_MAX_TOKENS"])
        return cls(base_url, key, model, timeout_s=timeout_s, max_tokens=max_tokens)

    def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Completion:
        body: dict[str, Any] = {"model": self.model, "messages": messages}
        if self.max_tokens is not None:
            body["max_tokens"] = self.max_tokens
        if tools:
            body["tools"] = tools
        failures = 0
        while True:
            try:
                return self._post(body)
            except TransientError as error:
                failures += 1
                if failures > self.retries:
                    raise LLMError(f"{error} (gave up after {failures} attempts)") from None
                self.sleep(self.backoff_s * 2 ** (failures - 1))

    def _post(self, body: dict[str, Any]) -> Completion:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(self.url, json.dumps(body).encode(), headers)
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=self.timeout_s) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            raise error_from_response(error.code, error.read(), "tools" in body) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            raise TransientError(f"cannot reach {self.url}: {error}") from None
        try:
            payload = json.loads(raw)
            choice = payload["choices"][0]
            message = choice["message"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise LLMError(f"malformed response from {self.url}: {raw[:300]!r}") from None
        usage = {k: v for k, v in (payload.get("usage") or {}).items() if isinstance(v, int)}
        usage.setdefault(
            "total_tokens", usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0)
        )
        finish = str(choice.get("finish_reason") or "stop")
        return Completion(normalize_message(message), usage, time.monotonic() - started, finish)


def error_from_response(status: int, raw: bytes, sent_tools: bool) -> Exception:
    """Map an HTTP error answer to a typed LLMError, or a TransientError worth retrying."""
    try:
        error = json.loads(raw)["error"]
        error_type = str(error.get("type") or error.get("code") or "")
        code = str(error.get("code") or "")
        message = str(error.get("message") or raw[:300].decode(errors="replace"))
        upstream = error.get("upstream_status")  # the gateway relaying a provider's answer
    except (ValueError, KeyError, TypeError, AttributeError):
        error_type, code, message = "", "", raw[:300].decode(errors="replace")
        upstream = None
    for key in (error_type, code):
        if key in TYPED_ERRORS:
            return TYPED_ERRORS[key](message, key, status)
    if isinstance(upstream, int) and 400 <= upstream < 500 and upstream != 429:
        status = upstream  # the provider refused the request: retrying will not help
    if error_type in NOT_RETRIED and status >= 500:
        return LLMError(f"HTTP {status}: {message}", error_type, status)
    if status == 429 or status >= 500:
        return TransientError(f"HTTP {status}: {message}")
    if status in (400, 422) and sent_tools and "tool" in message.lower():
        return ToolsUnsupported(message, error_type, status)
    return LLMError(f"HTTP {status}: {message}", error_type, status)


def normalize_message(message: dict[str, Any]) -> dict[str, Any]:
    """Keep only what the next request needs, in the standard shape."""
    content = message.get("content")
    normalized: dict[str, Any] = {
        "role": "assistant",
        "content": content if isinstance(content, str) else "",
    }
    calls = []
    for index, call in enumerate(message.get("tool_calls") or []):
        function = call.get("function") or {}
        arguments = function.get("arguments", "")
        calls.append(
            {
                "id": call.get("id") or f"call_{index}",
                "type": "function",
                "function": {
                    "name": str(function.get("name", "")),
                    "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments),
                },
            }
        )
    if calls:
        normalized["tool_calls"] = calls
    return normalized
