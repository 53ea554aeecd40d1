"""The gateway over a fake OpenAI-compatible upstream: calls, streaming, tool calls, errors."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from llm_fakes import FakeUpstream, StartGateway, call, chat, openai_config, openai_reply

from hgm.llm import calls_for_job

KEY = "sk-test-fake-provider-key-0123456789"


@pytest.fixture(autouse=True)
def provider_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_PROVIDER_KEY", KEY)


def test_a_call_is_forwarded_with_the_real_model_and_key(
    upstream: FakeUpstream, start_gateway: StartGateway, short_dir: Path
) -> None:
    gateway = start_gateway(openai_config(upstream))
    token = gateway.open_job("run-1", "agent-0", "job-1", "task")
    status, body = call(gateway.socket_path, token, chat("hello there", temperature=0.2))
    assert status == 200
    assert body["choices"][0]["message"]["content"] == "hello"
    assert body["usage"] == {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    path, headers, sent = upstream.requests[0]
    assert path == "/v1/chat/completions"
    assert headers["Authorization"] == f"Bearer {KEY}"
    assert sent["model"] == "gpt-4o-mini" and sent["stream"] is False
    assert sent["temperature"] == 0.2
    assert token not in json.dumps(sent) and token not in json.dumps(headers)
    usage = gateway.close_job(token)
    assert (usage.calls, usage.input_tokens, usage.output_tokens) == (1, 10, 5)
    assert usage.cost_usd == pytest.approx((10 * 0.15 + 5 * 0.60) / 1e6)
    assert gateway.spent_usd() == pytest.approx(usage.cost_usd)
    [record] = calls_for_job(short_dir / "run.db", "job-1")
    assert (record.run, record.agent, record.job, record.role) == (
        "run-1",
        "agent-0",
        "job-1",
        "task",
    )
    assert record.status == "ok" and record.model == "gpt-4o-mini" and record.provider == "fake"
    assert record.request["messages"][0]["content"] == "hello there"
    assert (
        record.response is not None
        and record.response["choices"][0]["message"]["content"] == "hello"
    )
    assert record.cost_usd == pytest.approx(usage.cost_usd) and record.latency_s > 0


def _sse_chunks(raw: str) -> list[Any]:
    events = [line[len("data: ") :] for line in raw.split("\n\n") if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    return [json.loads(event) for event in events[:-1]]


def test_streaming_synthesizes_openai_chunks_with_tool_calls_and_usage(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    tool_call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "bash", "arguments": '{"command": "ls"}'},
    }
    upstream.responses.append((200, openai_reply("let me look", [tool_call])))
    gateway = start_gateway(openai_config(upstream))
    token = gateway.open_job("run-1", "a", "j", "task")
    status, raw = call(
        gateway.socket_path, token, chat(stream=True, stream_options={"include_usage": True})
    )
    assert status == 200
    chunks = _sse_chunks(raw)
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    content = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert content == "let me look"
    calls = [
        tc for c in chunks if c["choices"] for tc in c["choices"][0]["delta"].get("tool_calls", [])
    ]
    assert calls == [dict(tool_call, index=0)]
    finishes = [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]]
    assert finishes[-1] == "tool_calls" and finishes[:-1] == [None] * (len(finishes) - 1)
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] == 15
    assert "stream_options" not in upstream.requests[0][2]


def test_tool_calls_and_tool_results_round_trip(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    tool_call = {
        "id": "call_9",
        "type": "function",
        "function": {"name": "read", "arguments": '{"path": "a.py"}'},
    }
    upstream.responses += [(200, openai_reply(None, [tool_call])), (200, openai_reply("done"))]
    gateway = start_gateway(openai_config(upstream))
    token = gateway.open_job("run-1", "a", "j", "task")
    tools = [{"type": "function", "function": {"name": "read", "parameters": {"type": "object"}}}]
    messages: list[dict[str, Any]] = [{"role": "user", "content": "read a.py"}]
    _, first = call(
        gateway.socket_path, token, {"model": "task", "messages": messages, "tools": tools}
    )
    assistant = first["choices"][0]["message"]
    assert assistant["tool_calls"] == [tool_call]
    assert first["choices"][0]["finish_reason"] == "tool_calls"
    messages += [assistant, {"role": "tool", "tool_call_id": "call_9", "content": "print(1)"}]
    _, second = call(
        gateway.socket_path, token, {"model": "task", "messages": messages, "tools": tools}
    )
    assert second["choices"][0]["message"]["content"] == "done"
    sent = upstream.requests[1][2]
    assert sent["messages"][1]["tool_calls"] == [tool_call]
    assert sent["messages"][2] == messages[2] and sent["tools"] == tools


def test_malformed_tool_call_arguments_are_repaired_or_wrapped(
    upstream: FakeUpstream, start_gateway: StartGateway, short_dir: Path
) -> None:
    calls = [
        {
            "id": "c1",
            "type": "function",
            "function": {"name": "bash", "arguments": '{"command": "ls",'},
        },
        {
            "id": "c2",
            "type": "function",
            "function": {"name": "bash", "arguments": "not json at all"},
        },
        {"id": "c3", "type": "function", "function": {"name": "bash", "arguments": '{"ok": 1}'}},
    ]
    upstream.responses.append((200, openai_reply(None, calls)))
    gateway = start_gateway(openai_config(upstream))
    token = gateway.open_job("run-1", "a", "j", "task")
    status, body = call(gateway.socket_path, token, chat())
    assert status == 200
    arguments = [
        json.loads(c["function"]["arguments"]) for c in body["choices"][0]["message"]["tool_calls"]
    ]
    assert arguments == [
        {"command": "ls"},
        {"_invalid_json_arguments": "not json at all"},
        {"ok": 1},
    ]
    gateway.flush()
    assert calls_for_job(short_dir / "run.db", "j")[0].tool_call_repairs == 2


@pytest.mark.parametrize(
    "error",
    [
        {
            "error": {
                "message": "too long",
                "type": "invalid_request_error",
                "code": "context_length_exceeded",
            }
        },
        {"error": {"message": "This model's maximum context length is 8192 tokens"}},
    ],
)
def test_context_length_errors_reach_the_agent_typed_and_counted(
    upstream: FakeUpstream, start_gateway: StartGateway, short_dir: Path, error: dict[str, Any]
) -> None:
    upstream.responses.append((400, error))
    gateway = start_gateway(openai_config(upstream))
    token = gateway.open_job("run-1", "a", "j", "task")
    status, body = call(gateway.socket_path, token, chat())
    assert status == 400 and body["error"]["type"] == "context_length_exceeded"
    assert len(upstream.requests) == 1
    gateway.flush()
    [record] = calls_for_job(short_dir / "run.db", "j")
    assert record.status == "context_length_exceeded" and record.error is not None
    assert gateway.job_usage("j").calls == 1


def test_retries_on_429_and_5xx_then_succeeds(
    upstream: FakeUpstream, start_gateway: StartGateway, short_dir: Path
) -> None:
    upstream.responses += [
        (429, {"error": {"message": "slow down"}}),
        (503, {"error": {"message": "overloaded"}}),
        (200, openai_reply("ok")),
    ]
    gateway = start_gateway(openai_config(upstream))
    token = gateway.open_job("run-1", "a", "j", "task")
    status, body = call(gateway.socket_path, token, chat())
    assert status == 200 and body["choices"][0]["message"]["content"] == "ok"
    assert len(upstream.requests) == 3
    gateway.flush()
    assert calls_for_job(short_dir / "run.db", "j")[0].attempts == 3


def test_retries_are_bounded_and_the_gateway_keeps_serving(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    upstream.responses += [(500, {"error": {"message": "boom"}})] * 3
    gateway = start_gateway(openai_config(upstream))
    token = gateway.open_job("run-1", "a", "j", "task")
    status, body = call(gateway.socket_path, token, chat())
    assert status == 502 and body["error"]["type"] == "provider_error"
    assert body["error"]["attempts"] == 3 and len(upstream.requests) == 3
    status, _ = call(gateway.socket_path, token, chat())
    assert status == 200


def test_a_client_error_is_not_retried(upstream: FakeUpstream, start_gateway: StartGateway) -> None:
    upstream.responses.append((400, {"error": {"message": "bad tool schema"}}))
    gateway = start_gateway(openai_config(upstream))
    token = gateway.open_job("run-1", "a", "j", "task")
    status, body = call(gateway.socket_path, token, chat())
    assert status == 502 and "bad tool schema" in body["error"]["message"]
    assert body["error"]["upstream_status"] == 400 and len(upstream.requests) == 1


def test_timeouts_are_retried_then_reported(start_gateway: StartGateway) -> None:
    config = openai_config(FakeUpstream(port=9), timeout_s=0.2)
    config["providers"]["fake"]["base_url"] = "http://127.0.0.1:9/v1"
    gateway = start_gateway(config)
    token = gateway.open_job("run-1", "a", "j", "task")
    status, body = call(gateway.socket_path, token, chat())
    assert status == 502 and body["error"]["attempts"] == 3
    assert "cannot reach" in body["error"]["message"]


def test_models_lists_the_role_aliases(upstream: FakeUpstream, start_gateway: StartGateway) -> None:
    config = openai_config(upstream)
    config["roles"]["diagnose"] = {"provider": "fake", "model": "gpt-4o"}
    gateway = start_gateway(config)
    token = gateway.open_job("run-1", "a", "j", "task")
    status, body = call(gateway.socket_path, token, method="GET", path="/v1/models")
    assert status == 200 and [m["id"] for m in body["data"]] == ["diagnose", "task"]
    assert call(gateway.socket_path, None, method="GET", path="/v1/models")[0] == 401


def test_a_job_may_use_only_its_own_role_alias(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    gateway = start_gateway(openai_config(upstream))
    token = gateway.open_job("run-1", "a", "j", "task")
    status, body = call(gateway.socket_path, token, chat(model="gpt-4o"))
    assert status == 400 and "'task'" in body["error"]["message"]
    assert call(gateway.socket_path, token, b"{not json")[0] == 400
    assert call(gateway.socket_path, token, {"model": "task"})[0] == 400
    assert upstream.requests == []


def test_unknown_model_price_warns_once_and_costs_nothing(
    upstream: FakeUpstream, start_gateway: StartGateway, caplog: pytest.LogCaptureFixture
) -> None:
    config = openai_config(upstream)
    config["roles"]["task"]["model"] = "my-local-llama"
    gateway = start_gateway(config)
    token = gateway.open_job("run-1", "a", "j", "task")
    with caplog.at_level(logging.WARNING, logger="hgm.llm.prices"):
        for _ in range(3):
            assert call(gateway.socket_path, token, chat())[0] == 200
    warnings = [r for r in caplog.records if "my-local-llama" in r.getMessage()]
    assert len(warnings) == 1
    assert gateway.job_usage("j").cost_usd == 0 and gateway.job_usage("j").calls == 3


def test_price_overrides_from_config(upstream: FakeUpstream, start_gateway: StartGateway) -> None:
    config = openai_config(
        upstream, prices={"gpt-4o-mini": {"input_per_m": 1e6, "output_per_m": 0}}
    )
    gateway = start_gateway(config)
    token = gateway.open_job("run-1", "a", "j", "task")
    call(gateway.socket_path, token, chat())
    assert gateway.job_usage("j").cost_usd == pytest.approx(10.0)


def test_a_local_server_needs_no_key(upstream: FakeUpstream, start_gateway: StartGateway) -> None:
    config = openai_config(upstream)
    config["providers"]["fake"]["api_key_env"] = ""
    gateway = start_gateway(config)
    token = gateway.open_job("run-1", "a", "j", "task")
    assert call(gateway.socket_path, token, chat())[0] == 200
    assert "Authorization" not in upstream.requests[0][1]


def test_missing_usage_is_estimated_from_characters(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    answer = openai_reply("x" * 40)
    del answer["usage"]
    upstream.responses.append((200, answer))
    gateway = start_gateway(openai_config(upstream))
    token = gateway.open_job("run-1", "a", "j", "task")
    body = chat("y" * 400)
    status, reply = call(gateway.socket_path, token, body)
    assert status == 200 and reply["usage"]["completion_tokens"] == 10
    prompt_chars = len(json.dumps([body["messages"], []]))
    assert reply["usage"]["prompt_tokens"] == -(-prompt_chars // 4)
