"""OpenAI chat-completions <-> Anthropic messages: requests, tools, tool calls, stop reasons."""

from __future__ import annotations

import json
from typing import Any

_STOP_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}


def _text_of(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))


def _image_block(url: str) -> dict[str, Any]:
    if url.startswith("data:") and ";base64," in url:
        header, data = url[5:].split(";base64,", 1)
        return {"type": "image", "source": {"type": "base64", "media_type": header, "data": data}}
    return {"type": "image", "source": {"type": "url", "url": url}}


def _content_blocks(content: Any) -> list[dict[str, Any]]:
    if content is None:
        return []
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    blocks: list[dict[str, Any]] = []
    for part in content:
        if part.get("type") == "text" and part.get("text"):
            blocks.append({"type": "text", "text": part["text"]})
        elif part.get("type") == "image_url":
            blocks.append(_image_block(part["image_url"]["url"]))
    return blocks


def _tool_input(arguments: Any) -> dict[str, Any]:
    if isinstance(arguments, dict):
        return arguments
    try:
        parsed = json.loads(arguments or "{}")
    except json.JSONDecodeError:
        return {"_raw_arguments": arguments}
    return parsed if isinstance(parsed, dict) else {"value": parsed}


def _message_blocks(message: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    role = message.get("role")
    if role == "tool":
        result = {
            "type": "tool_result",
            "tool_use_id": message.get("tool_call_id", ""),
            "content": _text_of(message.get("content")),
        }
        return "user", [result]
    blocks = _content_blocks(message.get("content"))
    if role == "assistant":
        for call in message.get("tool_calls") or []:
            function = call.get("function", {})
            blocks.append(
                {
                    "type": "tool_use",
                    "id": call.get("id", ""),
                    "name": function.get("name", ""),
                    "input": _tool_input(function.get("arguments")),
                }
            )
        return "assistant", blocks
    return "user", blocks


def _tool_choice(choice: Any, parallel: Any) -> dict[str, Any] | None:
    if choice is None and parallel is None:
        return None
    if choice in (None, "auto"):
        translated: dict[str, Any] = {"type": "auto"}
    elif choice == "required":
        translated = {"type": "any"}
    elif choice == "none":
        return {"type": "none"}
    else:
        translated = {"type": "tool", "name": choice["function"]["name"]}
    if parallel is False:
        translated["disable_parallel_tool_use"] = True
    return translated


def to_anthropic(body: dict[str, Any], model: str, default_max_tokens: int) -> dict[str, Any]:
    """An OpenAI chat-completions body as an Anthropic messages body."""
    system_parts: list[str] = []
    messages: list[dict[str, Any]] = []
    for message in body.get("messages", []):
        if message.get("role") in ("system", "developer"):
            system_parts.append(_text_of(message.get("content")))
            continue
        role, blocks = _message_blocks(message)
        if not blocks:
            continue
        if messages and messages[-1]["role"] == role:
            messages[-1]["content"].extend(blocks)
        else:
            messages.append({"role": role, "content": blocks})
    translated: dict[str, Any] = {
        "model": model,
        "messages": messages,
        "max_tokens": body.get("max_completion_tokens")
        or body.get("max_tokens")
        or default_max_tokens,
    }
    if system_parts:
        translated["system"] = "\n\n".join(system_parts)
    for key in ("temperature", "top_p", "top_k"):
        if body.get(key) is not None:
            translated[key] = body[key]
    stop = body.get("stop")
    if stop:
        translated["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    tools = body.get("tools")
    if tools:
        translated["tools"] = [
            {
                "name": tool["function"]["name"],
                "description": tool["function"].get("description", ""),
                "input_schema": tool["function"].get("parameters")
                or {"type": "object", "properties": {}},
            }
            for tool in tools
            if tool.get("type", "function") == "function"
        ]
    choice = _tool_choice(body.get("tool_choice"), body.get("parallel_tool_calls"))
    if choice is not None and tools:
        translated["tool_choice"] = choice
    return translated


def from_anthropic(answer: dict[str, Any]) -> tuple[dict[str, Any], str, int, int]:
    """(OpenAI assistant message, finish_reason, input tokens, output tokens)."""
    texts: list[str] = []
    tool_calls: list[dict[str, Any]] = []
    for block in answer.get("content") or []:
        if block.get("type") == "text":
            texts.append(block.get("text", ""))
        elif block.get("type") == "tool_use":
            tool_calls.append(
                {
                    "id": block.get("id", ""),
                    "type": "function",
                    "function": {
                        "name": block.get("name", ""),
                        "arguments": json.dumps(block.get("input") or {}, ensure_ascii=False),
                    },
                }
            )
    message: dict[str, Any] = {"role": "assistant", "content": "".join(texts) or None}
    if tool_calls:
        message["tool_calls"] = tool_calls
    finish = _STOP_REASONS.get(answer.get("stop_reason") or "end_turn", "stop")
    usage = answer.get("usage") or {}
    input_tokens = sum(
        int(usage.get(key) or 0)
        for key in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    )
    return message, finish, input_tokens, int(usage.get("output_tokens") or 0)
