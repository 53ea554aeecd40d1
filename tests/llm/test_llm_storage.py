"""What calls add to run.db: messages stored once (linear in a conversation), requests
rebuilt exactly, refused requests as bounded excerpts that count against the job, a bound
on any one job, and run.db files of the first schema still read, replayed and migrated."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from llm_fakes import FakeUpstream, StartGateway, call, chat, openai_config

from hgm.llm import calls_for_job
from hgm.llm.recording import CallRecorder, fingerprint

MIB = 1024 * 1024


@pytest.fixture(autouse=True)
def provider_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_PROVIDER_KEY", "sk-test-storage")


def _db_bytes(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*") if p.is_file())


def conversation_size(body: dict[str, Any]) -> int:
    return len(json.dumps(body))


def _scripted(**extra: Any) -> dict[str, Any]:
    return {
        "providers": {"s": {"kind": "scripted", "default_reply": {"content": "next"}}},
        "roles": {"task": {"provider": "s", "model": "scripted"}},
        **extra,
    }


def test_a_long_conversation_grows_run_db_linearly_and_is_rebuilt_exactly(
    start_gateway: StartGateway, short_dir: Path
) -> None:
    gateway = start_gateway(_scripted())
    token = gateway.open_job("run-1", "a", "long", "task")
    tools = [{"type": "function", "function": {"name": "bash", "parameters": {"type": "object"}}}]
    messages: list[dict[str, Any]] = [{"role": "system", "content": "be brief " * 200}]
    sent = []
    for turn in range(60):
        messages.append({"role": "user", "content": f"step {turn} " + "x" * 2000})
        body = {"model": "task", "messages": list(messages), "tools": tools, "temperature": 0}
        status, answer = call(gateway.socket_path, token, body)
        assert status == 200
        sent.append(body)
        messages.append(answer["choices"][0]["message"])
    gateway.close_job(token)
    assert gateway.job_usage("long").stored_bytes < 2 * conversation_size(sent[-1])
    gateway.stop()  # the write-ahead log is folded into run.db
    whole = sum(conversation_size(body) for body in sent)  # one row per request took this
    last = conversation_size(sent[-1])
    assert whole > 25 * last and last > 120_000
    assert _db_bytes(short_dir / "run.db") < 3 * last + 100_000  # pages are half full
    recorded = calls_for_job(short_dir / "run.db", "long")
    assert [json.dumps(c.request) for c in recorded] == [json.dumps(b) for b in sent]
    assert [c.fingerprint for c in recorded] == [fingerprint("task", b) for b in sent]


def test_refused_requests_are_bounded_excerpts_counted_against_the_job(
    start_gateway: StartGateway, short_dir: Path
) -> None:
    gateway = start_gateway(_scripted(budgets={"job_calls": 40}))
    token = gateway.open_job("run-1", "a", "big", "task")
    before = _db_bytes(short_dir / "run.db")
    huge = json.dumps(chat("x" * (10 * MIB), service_tier="priority")).encode()
    for _ in range(15):
        status, body = call(gateway.socket_path, token, huge)
        assert status == 400 and body["error"]["param"] == "service_tier"
    gateway.flush()
    assert _db_bytes(short_dir / "run.db") - before < 1 * MIB
    usage = gateway.job_usage("big")
    assert (usage.calls, usage.refused) == (15, 15)
    [first, *_] = calls_for_job(short_dir / "run.db", "big")
    assert first.request == {} and first.request_bytes > 10 * MIB
    assert first.request_excerpt is not None and len(first.request_excerpt) == 2000
    assert first.request_excerpt.startswith('{"model": "task"')


def test_a_job_that_keeps_sending_refused_requests_is_throttled(
    start_gateway: StartGateway, short_dir: Path
) -> None:
    limits = {"refusals_burst": 5, "refusals_per_minute": 600}
    gateway = start_gateway(_scripted(limits=limits))
    token = gateway.open_job("run-1", "a", "spam", "task")
    statuses = [call(gateway.socket_path, token, b"not json")[0] for _ in range(8)]
    assert statuses == [400] * 5 + [429] * 3
    status, body = call(gateway.socket_path, token, chat())  # even a good call waits
    assert status == 429 and body["error"]["type"] == "rate_limited"
    assert 0 < body["error"]["retry_after_s"] <= 0.1
    time.sleep(0.25)  # the allowance refills at 10 a second
    assert call(gateway.socket_path, token, chat())[0] == 200
    other = gateway.open_job("run-1", "b", "quiet", "task")
    assert call(gateway.socket_path, other, chat())[0] == 200
    gateway.flush()
    usage = gateway.job_usage("spam")
    assert (usage.refused, usage.throttled) == (5, 4)
    statuses = [c.status for c in calls_for_job(short_dir / "run.db", "spam")]
    assert statuses == ["invalid_request_error"] * 5 + ["ok"]  # 429s are counted, not stored


def test_what_one_job_adds_to_run_db_is_bounded(
    start_gateway: StartGateway, short_dir: Path
) -> None:
    limits = {"job_record_mb": 0.25, "refusals_burst": 1000}
    gateway = start_gateway(_scripted(limits=limits))
    token = gateway.open_job("run-1", "a", "hog", "task")
    before = _db_bytes(short_dir / "run.db")
    statuses = [
        call(gateway.socket_path, token, chat(f"{index} " + "y" * 60_000))[0] for index in range(8)
    ]
    assert statuses[:3] == [200] * 3 and statuses[-1] == 402
    status, body = call(gateway.socket_path, token, chat("z" * 60_000))
    assert status == 402 and body["error"]["budget"] == "job_record_mb"
    for _ in range(200):  # refused requests stop being stored once the allowance is spent
        assert call(gateway.socket_path, token, b"x" * 3000)[0] == 400
    gateway.close_job(token)
    assert gateway.job_usage("hog").stored_bytes <= 0.25 * MIB
    assert _db_bytes(short_dir / "run.db") - before < 0.25 * MIB + 300_000
    other = gateway.open_job("run-1", "b", "fine", "task")
    assert call(gateway.socket_path, other, chat("y" * 60_000))[0] == 200


_V1_SCHEMA = """
CREATE TABLE llm_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO llm_meta VALUES ('llm_calls_schema_version', '1');
CREATE TABLE llm_calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run TEXT NOT NULL, agent TEXT NOT NULL, job TEXT NOT NULL, role TEXT NOT NULL,
    provider TEXT NOT NULL, model TEXT NOT NULL,
    started_at REAL NOT NULL, latency_s REAL NOT NULL,
    status TEXT NOT NULL, http_status INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL, cost_usd REAL NOT NULL,
    attempts INTEGER NOT NULL, tool_call_repairs INTEGER NOT NULL,
    fingerprint TEXT NOT NULL, request_json TEXT NOT NULL, response_json TEXT, error_json TEXT
);
CREATE INDEX llm_calls_job ON llm_calls (job);
CREATE INDEX llm_calls_fingerprint ON llm_calls (fingerprint);
"""


def _version_1_db(path: Path, body: dict[str, Any]) -> None:
    """A run.db as hgm wrote it before messages were stored once (schema version 1)."""
    answer = {
        "id": "c",
        "object": "chat.completion",
        "model": "m",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant"}}],
    }
    answer["choices"][0]["message"]["content"] = "from version 1"
    row = ("old-run", "0", "old", "task", "p", "m", 1.0, 0.5, "ok", 200, 7, 3, 0.25, 1, 0)
    with sqlite3.connect(path) as db:
        db.executescript(_V1_SCHEMA)
        db.execute(
            "INSERT INTO llm_calls (run, agent, job, role, provider, model, started_at, "
            "latency_s, status, http_status, input_tokens, output_tokens, cost_usd, attempts, "
            "tool_call_repairs, fingerprint, request_json, response_json, error_json) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            (*row, fingerprint("task", body), json.dumps(body), json.dumps(answer)),
        )


def test_a_version_1_run_db_is_read_replayed_and_migrated(
    start_gateway: StartGateway, short_dir: Path, upstream: FakeUpstream
) -> None:
    body = chat("an old conversation", temperature=0)
    old = short_dir / "old.db"
    _version_1_db(old, body)
    [read] = calls_for_job(old, "old")
    assert read.request == body and read.response is not None and read.request_bytes == 0
    with sqlite3.connect(old) as db:  # reading did not change it
        assert db.execute("SELECT value FROM llm_meta").fetchall() == [("1",)]
    replay = {
        "providers": {"r": {"kind": "replay", "source": str(old)}},
        "roles": {"task": {"provider": "r", "model": "m"}},
    }
    gateway = start_gateway(replay, name="replay")
    token = gateway.open_job("run-2", "a", "again", "task")
    status, answer = call(gateway.socket_path, token, body)
    assert status == 200 and answer["choices"][0]["message"]["content"] == "from version 1"
    gateway.stop()
    resumed = start_gateway(openai_config(upstream), db=old, run="old-run", name="resumed")
    assert resumed.spent_usd() == 0.25  # the old session's money still counts
    token = resumed.open_job("old-run", "1", "new", "task")
    assert call(resumed.socket_path, token, chat("a new conversation"))[0] == 200
    resumed.close_job(token)
    with sqlite3.connect(old) as db:
        assert db.execute("SELECT value FROM llm_meta").fetchall() == [("2",)]
    assert calls_for_job(old, "old") == [read]
    [new] = calls_for_job(old, "new")
    assert new.request == chat("a new conversation") and new.request_bytes > 0
    CallRecorder(old).close()  # opening a migrated database again changes nothing
    assert calls_for_job(old, "old") == [read]
