"""The scripted provider: rule matching, interpolation, usage, price, files, errors."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from llm_fakes import StartGateway, call

from hgm.errors import UserError
from hgm.llm import ModelPrice, ScriptReply, ScriptRule
from hgm.llm.gateway_errors import ScriptNoMatch
from hgm.llm.provider import ProviderReply, ProviderRequest
from hgm.llm.providers.scripted import ScriptedProvider, load_script

TOOLS = [{"type": "function", "function": {"name": name}} for name in ("bash", "finish")]


def _ask(provider: ScriptedProvider, messages: list[dict[str, Any]], **body: Any) -> ProviderReply:
    request = ProviderRequest("task", "scripted", {"messages": messages, **body}, "fp")
    return asyncio.run(provider.complete(request, 1.0))


def _rules(data: list[dict[str, Any]]) -> list[ScriptRule]:
    return [ScriptRule.model_validate(rule) for rule in data]


def test_first_matching_rule_answers_with_interpolated_tool_calls() -> None:
    provider = ScriptedProvider(
        _rules(
            [
                {"when": {"last_tool": "PASSED"}, "reply": {"tool_calls": [{"name": "finish"}]}},
                {
                    "when": {"last_user": r"fix (?P<file>\S+) line (\d+)", "tools": ["bash"]},
                    "reply": {
                        "content": "editing ${file} at ${2} (turn ${turn})",
                        "tool_calls": [
                            {"name": "bash", "arguments": {"command": "sed -n ${2}p ${file}"}}
                        ],
                    },
                },
            ]
        )
    )
    reply = _ask(provider, [{"role": "user", "content": "please fix a.py line 7"}], tools=TOOLS)
    assert reply.message["content"] == "editing a.py at 7 (turn 0)"
    [tool_call] = reply.message["tool_calls"]
    assert tool_call["id"] == "call_0_0" and tool_call["function"]["name"] == "bash"
    assert json.loads(tool_call["function"]["arguments"]) == {"command": "sed -n 7p a.py"}
    assert reply.finish_reason == "tool_calls"
    done = _ask(
        provider,
        [
            {"role": "user", "content": "please fix a.py line 7"},
            reply.message,
            {"role": "tool", "tool_call_id": "call_0_0", "content": "3 PASSED"},
        ],
        tools=TOOLS,
    )
    assert done.message["tool_calls"][0]["function"]["name"] == "finish"


def test_conditions_on_turns_system_prompt_any_message_and_tools() -> None:
    provider = ScriptedProvider(
        _rules(
            [
                {"when": {"turn": 0, "system": "careful"}, "reply": {"content": "careful start"}},
                {"when": {"min_turn": 2, "max_turn": 3}, "reply": {"content": "middle"}},
                {"when": {"any_message": "secret word"}, "reply": {"content": "found it"}},
                {"when": {"tools": ["missing_tool"]}, "reply": {"content": "never"}},
            ]
        ),
        default_reply=ScriptReply(content="default"),
    )
    system = {"role": "system", "content": "be careful"}
    user = {"role": "user", "content": "hi"}
    assistant = {"role": "assistant", "content": "..."}
    assert _ask(provider, [system, user]).message["content"] == "careful start"
    assert _ask(provider, [user]).message["content"] == "default"
    assert _ask(provider, [user, assistant, user, assistant, user]).message["content"] == "middle"
    hidden = [{"role": "user", "content": "the secret word is x"}, assistant, user]
    assert _ask(provider, hidden, tools=TOOLS).message["content"] == "found it"
    assert _ask(provider, [user, assistant, user], tools=TOOLS).finish_reason == "stop"


def test_usage_is_a_deterministic_character_count_and_price_applies() -> None:
    provider = ScriptedProvider(
        _rules([{"reply": {"content": "x" * 40}}]),
        price=ModelPrice(input_per_m=1_000_000, output_per_m=2_000_000),
    )
    messages = [{"role": "user", "content": "y" * 100}]
    first, second = _ask(provider, messages), _ask(provider, messages)
    assert first.usage == second.usage
    prompt_chars = len(json.dumps([messages, []]))
    assert first.usage.input_tokens == -(-prompt_chars // 4) and first.usage.output_tokens == 10
    assert first.cost_usd == pytest.approx(first.usage.input_tokens + 20)


def test_no_match_without_default_is_a_clear_error() -> None:
    provider = ScriptedProvider(
        _rules([{"when": {"last_user": "^never$"}, "reply": {"content": "x"}}])
    )
    with pytest.raises(ScriptNoMatch, match=r"no script rule matches.*'something else'"):
        _ask(provider, [{"role": "user", "content": "something else"}])


def test_bad_scripts_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not a valid regex"):
        ScriptedProvider(_rules([{"when": {"system": "("}, "reply": {"content": "x"}}]))
    with pytest.raises(UserError, match=r"uses \$\{name\}"):
        ScriptedProvider(_rules([{"when": {"system": "(a)"}, "reply": {"content": "${name}"}}]))
    with pytest.raises(ValueError, match="content"):
        ScriptReply()
    broken = tmp_path / "broken.toml"
    broken.write_text("[[rules]]\nwhen = { lastuser = 'x' }\nreply = { content = 'y' }\n")
    with pytest.raises(UserError, match=r"rules\.0\.when\.lastuser: unknown key"):
        load_script(broken)
    with pytest.raises(UserError, match="no such file"):
        load_script(tmp_path / "absent.json")


def test_scripts_load_from_toml_and_json(tmp_path: Path) -> None:
    toml = tmp_path / "script.toml"
    toml.write_text(
        "[[rules]]\nname = 'greet'\nwhen = { last_user = 'hello' }\n"
        "reply = { content = 'hi there' }\n\n[default_reply]\ncontent = 'what?'\n"
    )
    as_json = tmp_path / "script.json"
    as_json.write_text(json.dumps([{"when": {"last_user": "hello"}, "reply": {"content": "hey"}}]))
    rules, default = load_script(toml)
    assert [rule.name for rule in rules] == ["greet"] and default is not None
    assert default.content == "what?"
    assert load_script(as_json)[0][0].reply.content == "hey"


def test_scripted_model_behind_the_gateway(tmp_path: Path, start_gateway: StartGateway) -> None:
    script = tmp_path / "script.toml"
    script.write_text(
        "[[rules]]\nwhen = { last_user = 'add (\\d+) and (\\d+)' }\n"
        "reply = { tool_calls = [{ name = 'add', arguments = { a = '${1}', b = '${2}' } }] }\n"
    )
    config = {
        "providers": {
            "script": {
                "kind": "scripted",
                "script": str(script),
                "price": {"input_per_m": 3, "output_per_m": 15},
            }
        },
        "roles": {"task": {"provider": "script", "model": "scripted-1"}},
    }
    gateway = start_gateway(config)
    token = gateway.open_job("run-1", "a", "j", "task")
    status, body = call(
        gateway.socket_path,
        token,
        {"model": "task", "messages": [{"role": "user", "content": "add 2 and 40"}]},
    )
    assert status == 200
    arguments = json.loads(body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"])
    assert arguments == {"a": "2", "b": "40"}
    assert gateway.job_usage("j").cost_usd > 0
    status, body = call(
        gateway.socket_path, token, {"messages": [{"role": "user", "content": "?"}]}
    )
    assert status == 400 and body["error"]["type"] == "script_no_match"
