"""Pre-flight over a fake OpenAI-compatible upstream: a model that calls tools is `native`,
a refusal of `tools` is `text`, a configured window larger than the server's is a problem."""

from __future__ import annotations

from typing import Any

import pytest
from llm_fakes import FakeUpstream, openai_config, openai_reply

from hgm.llm.config import GatewayConfig
from hgm.llm.model_facts import ServerFacts, configured_facts
from hgm.llm.preflight import _window_problem, check_models, problems, resolved_facts


def chats(upstream: FakeUpstream) -> list[dict[str, Any]]:
    return [body for path, _, body in upstream.requests if path.endswith("/chat/completions")]


CALL = [{"id": "c1", "type": "function", "function": {"name": "report", "arguments": "{}"}}]


@pytest.fixture(autouse=True)
def provider_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_PROVIDER_KEY", "sk-fake")


def _config(upstream: FakeUpstream, **role: Any) -> GatewayConfig:
    config = openai_config(upstream)
    config["roles"]["task"] |= role
    return GatewayConfig.model_validate(config)


def test_a_model_that_calls_tools_is_native(upstream: FakeUpstream) -> None:
    upstream.handler = lambda path, body: (
        200,
        openai_reply(None, CALL) if body.get("tools") else openai_reply("OK"),
    )
    [check] = check_models(_config(upstream))
    assert check.ok and (check.tools, check.facts.tool_protocol) == ("native", "native")
    assert [body.get("tools") is not None for body in chats(upstream)] == [False, True]
    assert resolved_facts([check])["task"].tool_protocol == "native"


def test_a_server_refusing_tools_gets_the_text_protocol(upstream: FakeUpstream) -> None:
    refusal = {"error": {"message": "tools are not supported", "type": "invalid_request_error"}}
    upstream.handler = lambda path, body: (
        (400, refusal) if body.get("tools") else (200, openai_reply("OK"))
    )
    [check] = check_models(_config(upstream))
    assert check.ok and (check.tools, check.facts.tool_protocol) == ("refused", "text")
    [native] = check_models(_config(upstream, tool_protocol="native"))
    assert "tool_protocol is native but the model refused" in problems([native])[0]


def test_text_protocol_skips_the_tool_probe(upstream: FakeUpstream) -> None:
    [check] = check_models(_config(upstream, tool_protocol="text"))
    assert check.ok and check.tools == "not probed" and len(chats(upstream)) == 1


def test_a_configured_window_larger_than_the_servers_is_a_problem() -> None:
    config = GatewayConfig.model_validate(
        {
            "providers": {"p": {"kind": "openai", "api_key_env": ""}},
            "roles": {"task": {"provider": "p", "model": "m", "context_window": 32768}},
        }
    )
    server = ServerFacts(("m",), 8192, "vLLM /v1/models max_model_len")
    facts = configured_facts(config)["task"]
    problem = _window_problem(facts, config.roles["task"].context_window, server)
    assert "context_window = 32768 is configured, but the server serves a window of 8192" in problem
