"""Budgets are checked before forwarding; job tokens attribute calls and die with their job."""

from __future__ import annotations

from pathlib import Path

import pytest
from llm_fakes import FakeUpstream, StartGateway, call, chat, openai_config, openai_reply

from hgm.errors import UserError
from hgm.llm import JobLimits, calls_for_job


@pytest.fixture(autouse=True)
def provider_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_PROVIDER_KEY", "sk-test-budget")


def _expensive(upstream: FakeUpstream, **budgets: float) -> dict[str, object]:
    """gpt-4o-mini at $1 per input token: each fake call (10 input tokens) costs $10."""
    return openai_config(
        upstream,
        budgets=budgets,
        prices={"gpt-4o-mini": {"input_per_m": 1e6, "output_per_m": 0}},
    )


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
    assert gateway.job_usage("j").calls == 2


def test_job_money_and_token_budgets(upstream: FakeUpstream, start_gateway: StartGateway) -> None:
    gateway = start_gateway(_expensive(upstream, job_usd=15))
    money = gateway.open_job("run-1", "a", "money", "task")
    assert call(gateway.socket_path, money, chat())[0] == 200
    assert call(gateway.socket_path, money, chat())[0] == 200  # $10 < $15: still allowed
    status, body = call(gateway.socket_path, money, chat())
    assert status == 402 and body["error"]["budget"] == "job_usd" and body["error"]["used"] == 20
    tokens = gateway.open_job("run-1", "a", "tokens", "task", JobLimits(tokens=15, usd=1000))
    assert call(gateway.socket_path, tokens, chat())[0] == 200
    status, body = call(gateway.socket_path, tokens, chat())
    assert status == 402 and body["error"]["budget"] == "job_tokens"
    assert len(upstream.requests) == 3


def test_run_money_budget_spans_jobs_and_sessions(
    upstream: FakeUpstream, start_gateway: StartGateway, short_dir: Path
) -> None:
    first = start_gateway(_expensive(upstream, run_usd=25), name="first")
    for job in ("j1", "j2", "j3"):
        token = first.open_job("run-1", "a", job, "task")
        call(first.socket_path, token, chat())
    assert first.spent_usd() == pytest.approx(30)
    first.flush()
    assert [len(calls_for_job(short_dir / "run.db", j)) for j in ("j1", "j2", "j3")] == [1, 1, 1]
    assert calls_for_job(short_dir / "run.db", "j3")[0].status == "ok"
    assert len(upstream.requests) == 3
    first.stop()
    resumed = start_gateway(_expensive(upstream, run_usd=40), name="resumed")
    assert resumed.spent_usd() == pytest.approx(30)
    token = resumed.open_job("run-1", "a", "j4", "task")
    assert call(resumed.socket_path, token, chat())[0] == 200
    status, body = call(resumed.socket_path, token, chat())
    assert status == 402 and body["error"]["budget"] == "run_usd"
    assert len(upstream.requests) == 4


def test_run_money_budget_refuses_once_exhausted(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    gateway = start_gateway(_expensive(upstream, run_usd=5))
    token = gateway.open_job("run-1", "a", "j1", "task")
    assert call(gateway.socket_path, token, chat())[0] == 200
    other = gateway.open_job("run-1", "b", "j2", "task")
    status, body = call(gateway.socket_path, other, chat())
    assert status == 402 and body["error"]["budget"] == "run_usd"
    assert len(upstream.requests) == 1


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
