"""OpenAI chat-completion objects and their streamed (SSE) form, built from a provider reply.

The gateway always calls providers without streaming (exact usage, simple
retries) and synthesizes the stream for agents that ask for `stream: true`.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

from hgm.llm.provider import Usage


def completion(
    message: dict[str, Any], finish_reason: str, usage: Usage, model: str
) -> dict[str, Any]:
    return {
        "id": "chatcmpl-hgm-" + uuid.uuid4().hex,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": {
            "prompt_tokens": usage.input_tokens,
            "completion_tokens": usage.output_tokens,
            "total_tokens": usage.total,
        },
    }


def sse_events(done: dict[str, Any], include_usage: bool) -> Iterator[bytes]:
    """The completion as `data: ...` server-sent events, ending with `data: [DONE]`."""
    choice = done["choices"][0]
    message = choice["message"]
    head = {key: done[key] for key in ("id", "created", "model")} | {
        "object": "chat.completion.chunk"
    }

    def chunk(delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
        return head | {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    chunks = [chunk({"role": "assistant", "content": message.get("content") or ""}, None)]
    calls = message.get("tool_calls") or []
    if calls:
        chunks.append(
            chunk({"tool_calls": [dict(call, index=i) for i, call in enumerate(calls)]}, None)
        )
    chunks.append(chunk({}, choice["finish_reason"]))
    if include_usage:
        chunks.append(head | {"choices": [], "usage": done["usage"]})
    for item in chunks:
        yield b"data: " + json.dumps(item, ensure_ascii=False).encode() + b"\n\n"
    yield b"data: [DONE]\n\n"
