"""Test doubles: a scripted chat model and helpers to write its replies."""

from __future__ import annotations

import copy
import json
from typing import Any

from coding_agent.llm_client import Completion, normalize_message


def call(name: str, arguments: dict[str, Any] | str, call_id: str = "call_1") -> dict[str, Any]:
    """An assistant message making one native tool call."""
    raw = arguments if isinstance(arguments, str) else json.dumps(arguments)
    function = {"name": name, "arguments": raw}
    return {
        "role": "assistant",
        "content": "",
        "tool_calls": [{"id": call_id, "function": function}],
    }


def text(content: str) -> dict[str, Any]:
    return {"role": "assistant", "content": content}


def cut(content: str) -> dict[str, Any]:
    """A text reply that hit its token limit (finish_reason "length")."""
    return {"role": "assistant", "content": content, "finish_reason": "length"}


def tool_block(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """An assistant message using the text protocol."""
    block = json.dumps({"name": name, "arguments": arguments})
    return text(f"Let me do that.\n```tool\n{block}\n```")


class ScriptedModel:
    """Answers with the scripted replies in order; an Exception in the script is raised."""

    def __init__(self, replies: list[dict[str, Any] | Exception], tokens_per_call: int = 10):
        self.replies = list(replies)
        self.tokens_per_call = tokens_per_call
        self.requests: list[dict[str, Any]] = []

    def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Completion:
        self.requests.append({"messages": copy.deepcopy(messages), "tools": tools})
        if not self.replies:
            raise AssertionError("the script ran out of replies")
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        usage = {"total_tokens": self.tokens_per_call}
        finish = str(reply.get("finish_reason", "stop"))
        return Completion(normalize_message(reply), usage, 0.0, finish)
