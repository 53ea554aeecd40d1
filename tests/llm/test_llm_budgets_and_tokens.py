"""Budgets are checked before forwarding; job tokens attribute calls and die with their job."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from llm_fakes import (
    FakeUpstream,
    StartGateway,
    call,
    chat,
    openai_config,
    openai_reply,
    uses_whole_reply_limit,
)

from hgm.errors import UserError
from hgm.llm import JobLimits, calls_for_job
from hgm.llm.reservations import estimate_input_tokens


@pytest.fixture(autouse=True)
def provider_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_PROVIDER_KEY", "sk-test-budget")


def _expensive(upstream: FakeUpstream, **budgets: float) -> dict[str, object]:
    """gpt-4o-mini at $1 per output token and nothing for input; the fake model writes as
    many tokens as each call allows, so a call costs exactly its reply limit in dollars."""
    upstream.handler = uses_whole_reply_limit
    return openai_config(
        upstream,
        budgets=budgets,
        prices={"gpt-4o-mini": {"input_per_m": 0, "output_per_m": 1e6}},
    )


def _sent_limits(upstream: FakeUpstream) -> list[int]:
    return [body["max_tokens"] for _, _, body in upstream.requests]


def test_job_calls_budget_refuses_without_calling_the_provider(
    upstream: FakeUpstream, start_gateway: StartGateway, short_dir: Path
) -> None:
    gateway = start_gateway(openai_config(upstream, budgets={"job_calls": 2}))
    token = gateway.open_job("run-1", "a", "j", "task")
    assert [call(gateway.socket_path, token, chat())[0] for _ in range(2)] == [200, 200]
    status, body = call(gateway.socket_path, token, chat())
    assert status == 402
    assert body["error"]["type"] == "budget_exceeded" and body["error"]["budget"] == "job_calls"
    assert len(upstream.requests) == 2
    gateway.flush()
    statuses = [r.status for r in calls_for_job(short_dir / "run.db", "j")]
    assert statuses == ["ok", "ok", "budget_exceeded"]
    assert gateway.job_usage("j").calls == 2 and gateway.job_usage("j").refused == 1


def test_a_money_budget_lowers_the_reply_limit_then_refuses(
    upstream: FakeUpstream, start_gateway: StartGateway, short_dir: Path
) -> None:
    gateway = start_gateway(_expensive(upstream, job_usd=10))
    token = gateway.open_job("run-1", "a", "money", "task")
    statuses = [call(gateway.socket_path, token, chat(max_tokens=4))[0] for _ in range(3)]
    assert statuses == [200, 200, 200]
    assert _sent_limits(upstream) == [4, 4, 2]  # the third call could afford only $2
    status, body = call(gateway.socket_path, token, chat(max_tokens=4))
    assert status == 402 and body["error"]["budget"] == "job_usd"
    assert body["error"]["used"] == 10 and body["error"]["limit"] == 10
    assert len(upstream.requests) == 3
    assert gateway.job_usage("money").cost_usd == 10  # exactly the budget, never above
    gateway.flush()
    recorded = calls_for_job(short_dir / "run.db", "money")
    assert [c.max_output_tokens for c in recorded] == [4, 4, 2, None]
    assert [c.request["max_tokens"] for c in recorded] == [4, 4, 4, 4]  # as the agent sent it


def test_a_token_budget_reserves_the_estimated_input_and_the_reply(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    upstream.handler = uses_whole_reply_limit
    gateway = start_gateway(openai_config(upstream))
    body = chat(max_tokens=50)
    estimate = estimate_input_tokens(len(json.dumps(body).encode()))
    token = gateway.open_job("run-1", "a", "tokens", "task", JobLimits(tokens=estimate + 30))
    assert call(gateway.socket_path, token, body)[0] == 200
    assert _sent_limits(upstream) == [30]  # lowered: the input estimate is reserved too
    assert gateway.job_usage("tokens").tokens == 10 + 30
    status, answer = call(gateway.socket_path, token, body)
    assert status == 402 and answer["error"]["budget"] == "job_tokens"
    assert len(upstream.requests) == 1


def test_run_money_budget_spans_jobs_and_sessions(
    upstream: FakeUpstream, start_gateway: StartGateway, short_dir: Path
) -> None:
    first = start_gateway(_expensive(upstream, run_usd=25), name="first")
    for job in ("j1", "j2", "j3"):
        token = first.open_job("run-1", "a", job, "task")
        assert call(first.socket_path, token, chat(max_tokens=10))[0] == 200
    assert first.spent_usd() == pytest.approx(25)
    assert _sent_limits(upstream) == [10, 10, 5]
    first.flush()
    assert [len(calls_for_job(short_dir / "run.db", j)) for j in ("j1", "j2", "j3")] == [1, 1, 1]
    first.stop()
    resumed = start_gateway(_expensive(upstream, run_usd=40), name="resumed")
    assert resumed.spent_usd() == pytest.approx(25)
    token = resumed.open_job("run-1", "a", "j4", "task")
    assert call(resumed.socket_path, token, chat(max_tokens=10))[0] == 200
    assert call(resumed.socket_path, token, chat(max_tokens=10))[0] == 200
    status, body = call(resumed.socket_path, token, chat(max_tokens=10))
    assert status == 402 and body["error"]["budget"] == "run_usd"
    assert _sent_limits(upstream) == [10, 10, 5, 10, 5]
    assert resumed.spent_usd() == pytest.approx(40)


def test_run_calls_and_tokens_budgets_count_earlier_sessions(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    first = start_gateway(openai_config(upstream, budgets={"run_calls": 3}), name="first")
    token = first.open_job("run-1", "a", "j1", "task")
    assert [call(first.socket_path, token, chat())[0] for _ in range(2)] == [200, 200]
    first.stop()
    resumed = start_gateway(openai_config(upstream, budgets={"run_calls": 3}), name="resumed")
    token = resumed.open_job("run-1", "a", "j2", "task")
    assert [call(resumed.socket_path, token, chat())[0] for _ in range(2)] == [200, 402]
    resumed.stop()
    spent_tokens = 3 * 15  # the fake reports 10 + 5 tokens a call
    config = openai_config(upstream, budgets={"run_tokens": spent_tokens + 5})
    last = start_gateway(config, name="last")
    token = last.open_job("run-1", "a", "j3", "task")
    status, body = call(last.socket_path, token, chat())
    assert status == 402 and body["error"]["budget"] == "run_tokens"
    assert len(upstream.requests) == 3


def test_run_money_budget_refuses_once_exhausted(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    gateway = start_gateway(_expensive(upstream, run_usd=5))
    token = gateway.open_job("run-1", "a", "j1", "task")
    assert call(gateway.socket_path, token, chat(max_tokens=10))[0] == 200
    other = gateway.open_job("run-1", "b", "j2", "task")
    status, body = call(gateway.socket_path, other, chat())
    assert status == 402 and body["error"]["budget"] == "run_usd"
    assert len(upstream.requests) == 1 and gateway.spent_usd() == 5


def test_tokens_attribute_calls_to_their_own_job(
    upstream: FakeUpstream, start_gateway: StartGateway, short_dir: Path
) -> None:
    gateway = start_gateway(openai_config(upstream, budgets={"job_calls": 1}))
    mine = gateway.open_job("run-1", "agent-a", "job-a", "task")
    theirs = gateway.open_job("run-1", "agent-b", "job-b", "task")
    assert mine != theirs
    assert call(gateway.socket_path, theirs, chat("from b"))[0] == 200
    assert call(gateway.socket_path, mine, chat("from a"))[0] == 200
    gateway.flush()
    [a] = calls_for_job(short_dir / "run.db", "job-a")
    [b] = calls_for_job(short_dir / "run.db", "job-b")
    assert (a.agent, a.request["messages"][0]["content"]) == ("agent-a", "from a")
    assert (b.agent, b.request["messages"][0]["content"]) == ("agent-b", "from b")
    assert call(gateway.socket_path, theirs, chat())[0] == 402  # b's budget, not a's


def test_missing_unknown_and_closed_tokens_get_401(
    upstream: FakeUpstream, start_gateway: StartGateway, short_dir: Path
) -> None:
    gateway = start_gateway(openai_config(upstream))
    token = gateway.open_job("run-1", "a", "j", "task")
    assert call(gateway.socket_path, token, chat())[0] == 200
    gateway.close_job(token)
    for given in (None, "", "hgm-job-guessed", token):
        status, body = call(gateway.socket_path, given, chat())
        assert status == 401 and body["error"]["type"] == "invalid_token"
        assert "HGM_LLM_API_KEY" in body["error"]["message"]
    assert len(upstream.requests) == 1
    gateway.flush()
    assert len(calls_for_job(short_dir / "run.db", "j")) == 1
    with pytest.raises(Exception, match="closed"):
        gateway.close_job(token)


def test_reopened_job_gets_a_new_token_and_keeps_its_usage(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    upstream.responses.append((200, openai_reply("x")))
    gateway = start_gateway(openai_config(upstream))
    old = gateway.open_job("run-1", "a", "j", "task")
    call(gateway.socket_path, old, chat())
    gateway.close_job(old)
    new = gateway.open_job("run-1", "a", "j", "task")
    assert new != old and call(gateway.socket_path, old, chat())[0] == 401
    call(gateway.socket_path, new, chat())
    assert gateway.job_usage("j").calls == 2


def test_open_job_for_an_unconfigured_role_is_a_user_error(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    gateway = start_gateway(openai_config(upstream))
    with pytest.raises(UserError, match=r"diagnose.*configured roles: task"):
        gateway.open_job("run-1", "a", "j", "diagnose")


def test_missing_provider_key_is_a_user_error(
    upstream: FakeUpstream, start_gateway: StartGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FAKE_PROVIDER_KEY")
    with pytest.raises(UserError, match="FAKE_PROVIDER_KEY is not set"):
        start_gateway(openai_config(upstream))
