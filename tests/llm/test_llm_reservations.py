"""Concurrent calls never pass a budget: each call's worst case is reserved before it is
forwarded (the ceiling), and the budget still gets used (the floor: a call short of budget
only because others are in flight waits for them to settle)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from llm_fakes import FakeUpstream, StartGateway, call, chat, openai_config, uses_whole_reply_limit

from hgm.llm import JobLimits, calls_for_job
from hgm.llm.config import BudgetConfig
from hgm.llm.gateway_errors import BudgetExceeded
from hgm.llm.reservations import (
    Quote,
    RunTotals,
    estimate_input_tokens,
    grant,
)

INPUT_USD, OUTPUT_USD = 0.001, 0.01  # per token
BODY = chat("what next?", max_tokens=50)
ESTIMATE = estimate_input_tokens(len(json.dumps(BODY).encode()))
SMALLEST_CALL = ESTIMATE * INPUT_USD + OUTPUT_USD  # what a call needs reserved at least


@pytest.fixture(autouse=True)
def provider_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_PROVIDER_KEY", "sk-test-reservations")


def _priced(upstream: FakeUpstream, **budgets: float) -> dict[str, object]:
    upstream.handler = uses_whole_reply_limit
    upstream.delay_s = 0.02  # calls overlap: each one is in flight while others are decided
    price = {"input_per_m": INPUT_USD * 1e6, "output_per_m": OUTPUT_USD * 1e6}
    return openai_config(upstream, budgets=budgets, prices={"gpt-4o-mini": price})


def _recorded_spend(db: Path, jobs: list[str]) -> float:
    return sum(c.cost_usd for job in jobs for c in calls_for_job(db, job))


def test_concurrent_calls_of_one_job_never_pass_its_money_budget(
    upstream: FakeUpstream, start_gateway: StartGateway, short_dir: Path
) -> None:
    budget = 5.0
    gateway = start_gateway(_priced(upstream, job_usd=budget))
    token = gateway.open_job("run-1", "a", "j", "task")
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: call(gateway.socket_path, token, BODY)[0], range(40)))
    gateway.close_job(token)
    assert upstream.most_in_flight >= 2  # the calls really were concurrent
    spent = _recorded_spend(short_dir / "run.db", ["j"])
    assert spent <= budget + 1e-9  # the ceiling: never above the budget
    assert spent >= budget - SMALLEST_CALL  # the floor: all of the budget that could be used
    assert spent == pytest.approx(gateway.job_usage("j").cost_usd)
    assert statuses.count(200) == len(upstream.requests) and 402 in statuses
    sent = [body["max_tokens"] for _, _, body in upstream.requests]
    assert max(sent) == 50 and min(sent) >= 1  # the last calls got what was left


def test_concurrent_jobs_never_pass_the_run_money_budget(
    upstream: FakeUpstream, start_gateway: StartGateway, short_dir: Path
) -> None:
    budget = 4.0
    gateway = start_gateway(_priced(upstream, run_usd=budget))
    jobs = [f"job-{index}" for index in range(4)]
    tokens = [gateway.open_job("run-1", job, job, "task") for job in jobs]
    with ThreadPoolExecutor(12) as pool:
        work = [tokens[index % 4] for index in range(48)]
        statuses = list(pool.map(lambda token: call(gateway.socket_path, token, BODY)[0], work))
    for token in tokens:
        gateway.close_job(token)
    spent = _recorded_spend(short_dir / "run.db", jobs)
    assert budget - SMALLEST_CALL <= spent <= budget + 1e-9
    assert gateway.spent_usd() == pytest.approx(spent)
    assert upstream.most_in_flight >= 2 and 402 in statuses


def test_concurrent_calls_never_pass_a_token_budget(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    gateway = start_gateway(_priced(upstream))
    limit = 600
    token = gateway.open_job("run-1", "a", "t", "task", JobLimits(tokens=limit))
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: call(gateway.socket_path, token, BODY), range(30)))
    used = gateway.job_usage("t").tokens
    assert limit - (ESTIMATE + 1) <= used <= limit


def _quote(reply: int = 100, input_tokens: int = 50) -> Quote:
    return Quote(input_tokens, 0.001, 0.01, reply, request_bytes=400)


def _grant(quote: Quote, budgets: BudgetConfig, limits: JobLimits | None = None, **used: object):
    return grant(
        quote,
        budgets,
        limits or JobLimits(),
        job=used.get("job", (0, 0, 0.0)),  # type: ignore[arg-type]
        job_reserved=used.get("reserved", (0, 0.0)),  # type: ignore[arg-type]
        run=used.get("run", RunTotals()),  # type: ignore[arg-type]
        stored=used.get("stored", (0, 10_000)),  # type: ignore[arg-type]
    )


def test_grant_reserves_the_worst_case_and_lowers_the_reply_to_what_is_left() -> None:
    free = _grant(_quote(), BudgetConfig())
    assert (free.tokens, free.usd, free.max_output_tokens, free.lowered) == (150, 1.05, 100, False)
    lowered = _grant(_quote(), BudgetConfig(), JobLimits(usd=0.55), reserved=(0, 0.2))
    assert (lowered.max_output_tokens, lowered.lowered) == (30, True)  # (0.55-0.2-0.05)/0.01
    run = RunTotals(tokens=900, reserved_tokens=20)
    assert _grant(_quote(), BudgetConfig(run_tokens=1000), run=run).max_output_tokens == 30


@pytest.mark.parametrize(
    ("budgets", "limits", "used", "name"),
    [
        (BudgetConfig(), JobLimits(calls=3), {"job": (3, 0, 0.0)}, "job_calls"),
        (BudgetConfig(run_calls=9), JobLimits(), {"run": RunTotals(calls=9)}, "run_calls"),
        (BudgetConfig(), JobLimits(tokens=100), {"reserved": (50, 0.0)}, "job_tokens"),
        (BudgetConfig(), JobLimits(usd=1.0), {"job": (0, 0, 0.95)}, "job_usd"),
        (BudgetConfig(run_usd=2.0), JobLimits(), {"run": RunTotals(reserved_usd=1.95)}, "run_usd"),
        (BudgetConfig(), JobLimits(), {"stored": (9_700, 10_000)}, "job_record_mb"),
    ],
)
def test_grant_names_the_budget_a_call_would_pass(
    budgets: BudgetConfig, limits: JobLimits, used: dict[str, object], name: str
) -> None:
    with pytest.raises(BudgetExceeded) as refused:
        _grant(_quote(), budgets, limits, **used)
    assert refused.value.details["budget"] == name
    assert "the provider was not called" in refused.value.message
