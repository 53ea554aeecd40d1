"""What a provider's error answer means, decided once at the provider boundary.

Context overflows come in many shapes; each becomes `context_length_exceeded`:

- OpenAI: 400 `{"error": {"code": "context_length_exceeded", "message": "This model's maximum
  context length is 8192 tokens. However, your messages resulted in 9000 tokens..."}}`
- Anthropic: 400 `{"type": "error", "error": {"type": "invalid_request_error", "message":
  "prompt is too long: 208000 tokens > 200000 maximum"}}` (or "input length and `max_tokens`
  exceed context limit: ...")
- vLLM: 400 `{"object": "error", "type": "BadRequestError", "message": "This model's maximum
  context length is 4096 tokens. However, you requested 5000 tokens (4000 in the messages,
  1000 in the completion)..."}` (older releases put the message at the top level)
- llama.cpp server: 400 `{"error": {"type": "exceed_context_size_error", "message": "request
  (3031 tokens) exceeds the available context size (2048 tokens), try increasing it",
  "n_prompt_tokens": 3031, "n_ctx": 2048}}` (older: "the request exceeds the available
  context size, try increasing the context size or enable context shift")
- Ollama: 400 `{"error": "the input length exceeds the context length"}` (by default Ollama
  silently truncates instead; see docs/llm.md)

`infrastructure_problem(status, error)` says whether a recorded call failed because the
provider or the gateway failed (the agent is not to blame), in the stable vocabulary of
docs/llm.md.
"""

from __future__ import annotations

import re
from typing import Any

CONTEXT_TYPES = frozenset({"context_length_exceeded", "exceed_context_size_error"})
CONTEXT_PHRASES = (
    "context length",
    "context_length",
    "maximum context",
    "context window",
    "context size",
    "context limit",
    "prompt is too long",
    "input length exceeds",
)
_NUMBERS = (
    # llama.cpp: "request (3031 tokens) exceeds the available context size (2048 tokens)"
    re.compile(r"\((?P<prompt>\d+) tokens\) exceeds the available context size \((?P<window>\d+)"),
    # OpenAI / vLLM: "maximum context length is 8192 tokens. However, your messages resulted
    # in 9000 tokens" / "you requested 5000 tokens"
    re.compile(
        r"maximum context length is (?P<window>\d+) tokens.*?(?:resulted in|requested) "
        r"(?P<prompt>\d+) tokens",
        re.DOTALL,
    ),
    # Anthropic: "prompt is too long: 208000 tokens > 200000 maximum"
    re.compile(r"prompt is too long: (?P<prompt>\d+) tokens > (?P<window>\d+)"),
)

# HTTP statuses from a provider that mean it cannot serve this run as configured: the key is
# wrong (401), not allowed (403), the model or endpoint does not exist (404, 405, 501), or it
# is overloaded or broken (429 and 5xx after the gateway's retries).
INFRASTRUCTURE_STATUSES = frozenset({401, 403, 404, 405, 408, 429, 501})


def error_object(parsed: Any) -> dict[str, Any]:
    """The error object of an error answer in any of the shapes above ({} if none)."""
    if not isinstance(parsed, dict):
        return {}
    error = parsed.get("error")
    if isinstance(error, dict):
        return error
    if isinstance(error, str):
        return {"message": error}
    if parsed.get("object") == "error" or "message" in parsed:
        return parsed
    return {}


def error_message(parsed: Any) -> str:
    """The human message of an error answer (the raw text, cut, when there is none)."""
    message = error_object(parsed).get("message")
    if isinstance(message, str) and message:
        return message
    return str(parsed)[:500]


def is_context_overflow(parsed: Any) -> bool:
    """Whether an error answer says the prompt (plus the reply) does not fit the window."""
    error = error_object(parsed)
    if any(str(error.get(key)) in CONTEXT_TYPES for key in ("code", "type")):
        return True
    text = error_message(parsed).lower()
    return any(phrase in text for phrase in CONTEXT_PHRASES)


def overflow_sizes(parsed: Any) -> dict[str, int]:
    """`prompt_tokens` and `context_window` when the error states them (else {})."""
    error = error_object(parsed)
    if isinstance(error.get("n_prompt_tokens"), int) and isinstance(error.get("n_ctx"), int):
        return {"prompt_tokens": error["n_prompt_tokens"], "context_window": error["n_ctx"]}
    message = error_message(parsed)
    for pattern in _NUMBERS:
        match = pattern.search(message)
        if match:
            return {
                "prompt_tokens": int(match.group("prompt")),
                "context_window": int(match.group("window")),
            }
    return {}


def infrastructure_problem(status: str, error: dict[str, Any] | None) -> str | None:
    """What failed outside the agent for a recorded call (`status` as recorded), or None.

    `gateway_error` (a fault in the gateway itself) and `provider_error` that is not the
    request's own fault: the provider unreachable, timing out, answering garbage, 5xx or 429
    after retries, or 401/403/404 (key, permission, model). A 400/422 refusal is the
    request's fault (the agent sent something the model does not take), and so are budget,
    context-length, replay and script errors.
    """
    details = error or {}
    message = str(details.get("message", ""))[:500]
    if status == "gateway_error":
        return f"the gateway failed: {message}"
    if status != "provider_error":
        return None
    upstream = details.get("upstream_status")
    if upstream is None or upstream >= 500 or upstream in INFRASTRUCTURE_STATUSES:
        return message or "the provider failed"
    return None
