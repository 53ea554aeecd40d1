"""The Anthropic provider: OpenAI requests translated to messages and answers translated back."""

from __future__ import annotations

import json
from typing import Any

import pytest
from llm_fakes import FakeUpstream, StartGateway, call

from hgm.llm.providers.anthropic_translation import from_anthropic, to_anthropic

KEY = "sk-ant-test-key"
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "bash",
            "description": "run a command",
            "parameters": {"type": "object", "properties": {"command": {"type": "string"}}},
        },
    }
]


@pytest.fixture
def config(upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("FAKE_ANTHROPIC_KEY", KEY)
    return {
        "providers": {
            "claude": {
                "kind": "anthropic",
                "base_url": upstream.url,
                "api_key_env": "FAKE_ANTHROPIC_KEY",
            }
        },
        "roles": {"task": {"provider": "claude", "model": "claude-sonnet-4-20250514"}},
        "retry": {"attempts": 2, "base_delay_s": 0.01},
    }


def _anthropic_answer(content: list[dict[str, Any]], stop: str) -> dict[str, Any]:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-20250514",
        "content": content,
        "stop_reason": stop,
        "usage": {"input_tokens": 100, "output_tokens": 20, "cache_read_input_tokens": 50},
    }


def test_a_tool_using_conversation_is_translated_both_ways(
    upstream: FakeUpstream, start_gateway: StartGateway, config: dict[str, Any]
) -> None:
    upstream.responses.append(
        (
            200,
            _anthropic_answer(
                [
                    {"type": "text", "text": "Running it."},
                    {
                        "type": "tool_use",
                        "id": "toolu_2",
                        "name": "bash",
                        "input": {"command": "ls"},
                    },
                ],
                "tool_use",
            ),
        )
    )
    gateway = start_gateway(config)
    token = gateway.open_job("run-1", "a", "j", "task")
    messages = [
        {"role": "system", "content": "You are a coder."},
        {"role": "user", "content": "list files"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "toolu_1",
                    "type": "function",
                    "function": {"name": "bash", "arguments": '{"command": "pwd"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "toolu_1", "content": "/repo"},
    ]
    body = {
        "model": "task",
        "messages": messages,
        "tools": TOOLS,
        "tool_choice": "required",
        "max_tokens": 512,
        "stop": "END",
        "temperature": 0,
    }
    status, answer = call(gateway.socket_path, token, body)
    assert status == 200
    path, headers, sent = upstream.requests[0]
    assert path == "/v1/messages"
    assert headers["x-api-key"] == KEY and headers["anthropic-version"] == "2023-06-01"
    assert sent["model"] == "claude-sonnet-4-20250514" and sent["system"] == "You are a coder."
    assert sent["max_tokens"] == 512 and sent["stop_sequences"] == ["END"]
    assert sent["temperature"] == 0 and sent["tool_choice"] == {"type": "any"}
    assert sent["tools"] == [
        {
            "name": "bash",
            "description": "run a command",
            "input_schema": TOOLS[0]["function"]["parameters"],
        }
    ]
    assert sent["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "list files"}]},
        {
            "role": "assistant",
            "content": [
                {"type": "tool_use", "id": "toolu_1", "name": "bash", "input": {"command": "pwd"}}
            ],
        },
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "/repo"}],
        },
    ]
    choice = answer["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] == "Running it."
    [tool_call] = choice["message"]["tool_calls"]
    assert tool_call["id"] == "toolu_2" and tool_call["function"]["name"] == "bash"
    assert json.loads(tool_call["function"]["arguments"]) == {"command": "ls"}
    assert answer["usage"]["prompt_tokens"] == 150 and answer["usage"]["completion_tokens"] == 20
    assert gateway.job_usage("j").cost_usd == pytest.approx((150 * 3 + 20 * 15) / 1e6)


def test_streaming_is_synthesized_from_a_plain_anthropic_answer(
    upstream: FakeUpstream, start_gateway: StartGateway, config: dict[str, Any]
) -> None:
    upstream.responses.append(
        (200, _anthropic_answer([{"type": "text", "text": "partial"}], "max_tokens"))
    )
    gateway = start_gateway(config)
    token = gateway.open_job("run-1", "a", "j", "task")
    body = {"model": "task", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    status, raw = call(gateway.socket_path, token, body)
    assert status == 200 and raw.endswith("data: [DONE]\n\n")
    assert '"finish_reason": "length"' in raw and "partial" in raw
    assert "stream" not in upstream.requests[0][2]


def test_prompt_too_long_becomes_a_context_length_error(
    upstream: FakeUpstream, start_gateway: StartGateway, config: dict[str, Any]
) -> None:
    error = {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "prompt is too long: 210000 tokens"},
    }
    upstream.responses.append((400, error))
    gateway = start_gateway(config)
    token = gateway.open_job("run-1", "a", "j", "task")
    status, body = call(
        gateway.socket_path,
        token,
        {"model": "task", "messages": [{"role": "user", "content": "x"}]},
    )
    assert status == 400 and body["error"]["type"] == "context_length_exceeded"


def test_overloaded_529_is_retried(
    upstream: FakeUpstream, start_gateway: StartGateway, config: dict[str, Any]
) -> None:
    upstream.responses += [
        (529, {"type": "error", "error": {"type": "overloaded_error", "message": "busy"}}),
        (200, _anthropic_answer([{"type": "text", "text": "ok"}], "end_turn")),
    ]
    gateway = start_gateway(config)
    token = gateway.open_job("run-1", "a", "j", "task")
    status, body = call(
        gateway.socket_path,
        token,
        {"model": "task", "messages": [{"role": "user", "content": "x"}]},
    )
    assert status == 200 and body["choices"][0]["finish_reason"] == "stop"
    assert len(upstream.requests) == 2


def test_translation_details() -> None:
    body = {
        "messages": [
            {"role": "system", "content": "a"},
            {"role": "developer", "content": [{"type": "text", "text": "b"}]},
            {"role": "user", "content": "one"},
            {
                "role": "user",
                "content": [
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}
                ],
            },
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {"id": "t1", "function": {"name": "f", "arguments": "{broken"}},
                    {"id": "t2", "function": {"name": "f", "arguments": "[1]"}},
                ],
            },
            {"role": "tool", "tool_call_id": "t1", "content": "r1"},
            {"role": "tool", "tool_call_id": "t2", "content": [{"type": "text", "text": "r2"}]},
        ],
        "tools": TOOLS,
        "tool_choice": {"type": "function", "function": {"name": "bash"}},
        "parallel_tool_calls": False,
        "max_completion_tokens": 64,
    }
    sent = to_anthropic(body, "m", 4096)
    assert sent["system"] == "a\n\nb" and sent["max_tokens"] == 64
    assert sent["tool_choice"] == {
        "type": "tool",
        "name": "bash",
        "disable_parallel_tool_use": True,
    }
    user, assistant, results = sent["messages"]
    assert user["content"][1] == {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"},
    }
    assert [block["input"] for block in assistant["content"]] == [
        {"_raw_arguments": "{broken"},
        {"value": [1]},
    ]
    assert [block["content"] for block in results["content"]] == ["r1", "r2"]
    assert to_anthropic({"messages": body["messages"][2:3]}, "m", 99)["max_tokens"] == 99
    message, finish, prompt, completion = from_anthropic(
        {"content": [{"type": "thinking", "thinking": "hmm"}], "stop_reason": "refusal"}
    )
    assert message == {"role": "assistant", "content": None}
    assert (finish, prompt, completion) == ("content_filter", 0, 0)
