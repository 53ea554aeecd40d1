"""What an agent may put in a request: an allowlist per provider, the configured model
forced, and hostile JSON (NaN, Infinity, deep nesting) refused with a 400, never a 500."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from llm_fakes import FakeUpstream, StartGateway, call, chat, openai_config

from hgm.llm import calls_for_job

REFUSED_FIELDS: dict[str, Any] = {
    "service_tier": "priority",
    "store": True,
    "metadata": {"k": "v"},
    "reasoning_effort": "high",
    "web_search_options": {},
    "modalities": ["text", "audio"],
    "audio": {"voice": "alloy", "format": "wav"},
    "prediction": {"type": "content", "content": "x"},
    "models": ["openai/gpt-4o", "anthropic/claude-opus-4"],
    "provider": {"order": ["OpenAI"]},
    "functions": [{"name": "f"}],
    "logprobs": True,
}
BAD_VALUES: dict[str, Any] = {
    "n": 3,
    "max_tokens": 0,
    "temperature": "hot",
    "stop": ["a", "b", "c", "d", "e"],
    "tools": [{"type": "web_search_preview"}],
    "tool_choice": "any",
    "stream_options": {"include_usage": True, "chunk": 1},
    "response_format": {"type": "xml"},
    "messages": [{"role": "function", "content": "x"}],
}


@pytest.fixture(autouse=True)
def provider_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_PROVIDER_KEY", "sk-test-allowlist")


def test_fields_that_change_cost_or_route_are_refused_by_name(
    upstream: FakeUpstream, start_gateway: StartGateway, short_dir: Path
) -> None:
    gateway = start_gateway(openai_config(upstream, limits={"refusals_burst": 100}))
    token = gateway.open_job("run-1", "a", "j", "task")
    for field, value in REFUSED_FIELDS.items():
        status, body = call(gateway.socket_path, token, chat(**{field: value}))
        assert status == 400, field
        message = body["error"]["message"]
        assert body["error"]["param"] == field and f"`{field}` is not accepted" in message
        assert "fields allowed: " in message and "temperature" in message
    for field, value in BAD_VALUES.items():
        status, body = call(gateway.socket_path, token, chat(**{field: value}))
        assert status == 400 and body["error"]["param"].startswith(field), (field, body)
    status, body = call(gateway.socket_path, token, chat(model="gpt-4o"))
    assert status == 400 and "'gpt-4o' is not available" in body["error"]["message"]
    assert upstream.requests == []
    gateway.flush()
    recorded = calls_for_job(short_dir / "run.db", "j")
    assert len(recorded) == len(REFUSED_FIELDS) + len(BAD_VALUES) + 1
    assert {c.status for c in recorded} == {"invalid_request_error"}
    assert all(c.request == {} and c.request_excerpt for c in recorded)


def test_allowed_fields_are_forwarded_with_the_configured_model(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    gateway = start_gateway(openai_config(upstream))
    token = gateway.open_job("run-1", "a", "j", "task")
    allowed = {
        "temperature": 0.5,
        "top_p": 0.9,
        "max_completion_tokens": 77,
        "n": 1,
        "stop": ["END"],
        "seed": 7,
        "presence_penalty": 0.1,
        "frequency_penalty": 0.2,
        "logit_bias": {"50256": -100},
        "response_format": {"type": "json_object"},
        "tools": [{"type": "function", "function": {"name": "bash", "parameters": {}}}],
        "tool_choice": "auto",
        "parallel_tool_calls": False,
        "top_k": 40,
        "min_p": 0.05,
        "repetition_penalty": 1.1,
    }
    extras = {"user": "me", "stream": False, "stream_options": {"include_usage": True}}
    status, _ = call(gateway.socket_path, token, chat(**allowed, **extras))
    assert status == 200
    _, _, sent = upstream.requests[-1]
    assert sent.pop("model") == "gpt-4o-mini" and sent.pop("stream") is False
    assert sent == {"messages": chat()["messages"], **allowed}


def test_anthropic_allowlist_drops_seed_and_refuses_what_it_cannot_translate(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    upstream.handler = lambda path, body: (
        200,
        {
            "type": "message",
            "model": body["model"],
            "content": [{"type": "text", "text": "ok"}],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": 3, "output_tokens": 1},
        },
    )
    config = {
        "providers": {
            "claude": {
                "kind": "anthropic",
                "base_url": upstream.url,
                "api_key_env": "FAKE_PROVIDER_KEY",
            }
        },
        "roles": {"task": {"provider": "claude", "model": "claude-sonnet-4-20250514"}},
    }
    gateway = start_gateway(config)
    token = gateway.open_job("run-1", "a", "j", "task")
    assert call(gateway.socket_path, token, chat(seed=3, top_k=5, user="me"))[0] == 200
    _, _, sent = upstream.requests[-1]
    assert sent["top_k"] == 5 and "seed" not in sent and sent["max_tokens"] == 4096
    for field in ("presence_penalty", "response_format", "logit_bias"):
        status, body = call(gateway.socket_path, token, chat(**{field: {"type": "text"}}))
        assert status == 400 and body["error"]["param"] == field
    assert len(upstream.requests) == 1


def _nested(depth: int) -> bytes:
    """A request whose tool parameters hold lists `depth` deep (the body itself adds 4)."""
    head = b'{"model": "task", "messages": [{"role": "user", "content": "x"}], '
    tool = b'"tools": [{"type": "function", "function": {"name": "f", "parameters": '
    return head + tool + b"[" * depth + b"]" * depth + b"}}]}"


HOSTILE_BODIES: dict[str, bytes] = {
    "NaN": b'{"messages": [{"role": "user", "content": "x"}], "temperature": NaN}',
    "Infinity": b'{"messages": [{"role": "user", "content": "x"}], "temperature": Infinity}',
    "-Infinity": b'{"messages": [{"role": "user", "content": "x"}], "top_p": -Infinity}',
    "1e999": b'{"messages": [{"role": "user", "content": "x"}], "temperature": 1e999}',
    "nested more than": _nested(100_000),
    "nested more than 64": _nested(70),
    "surrogate": b'{"messages": [{"role": "user", "content": "\\ud800"}]}',
    "not UTF-8": b'{"messages": "\xff\xfe"}',
    "not JSON": b'{"messages": [',
    "JSON object": b"[1, 2, 3]",
    "digits": b'{"messages": [{"role": "user", "content": "x"}], "seed": ' + b"9" * 5000 + b"}",
}


def test_hostile_json_is_a_400_without_a_traceback(
    upstream: FakeUpstream,
    start_gateway: StartGateway,
    short_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    gateway = start_gateway(openai_config(upstream))
    token = gateway.open_job("run-1", "a", "j", "task")
    with caplog.at_level(logging.WARNING):
        for expected, raw in HOSTILE_BODIES.items():
            status, body = call(gateway.socket_path, token, raw)
            assert status == 400, (expected, body)
            assert expected in body["error"]["message"], (expected, body)
        assert call(gateway.socket_path, token, _nested(60))[0] == 200  # a sane depth passes
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    gateway.flush()
    refused = calls_for_job(short_dir / "run.db", "j")[:-1]
    assert [c.http_status for c in refused] == [400] * len(HOSTILE_BODIES)
    assert all(len(c.request_excerpt or "") <= 2000 for c in refused)
    assert len(upstream.requests) == 1
    json.dumps([c.error for c in refused])  # what was stored is plain JSON
