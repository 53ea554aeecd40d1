"""Record a run against the fake upstream, then replay it offline from its run.db."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from llm_fakes import FakeUpstream, StartGateway, call, openai_config, openai_reply

from hgm.errors import UserError
from hgm.llm import calls_for_job
from hgm.llm.recording import CallRecorder, fingerprint

CONVERSATIONS = [
    [{"role": "user", "content": "first"}],
    [{"role": "user", "content": "second"}],
    [{"role": "user", "content": "first"}],
    [{"role": "user", "content": "too long"}],
]


def _record(upstream: FakeUpstream, start_gateway: StartGateway, db: Path) -> list[Any]:
    upstream.responses += [
        (200, openai_reply("answer one")),
        (200, openai_reply("answer two", prompt_tokens=7)),
        (200, openai_reply("answer one, again")),
        (400, {"error": {"code": "context_length_exceeded", "message": "too long"}}),
    ]
    gateway = start_gateway(openai_config(upstream), db=db, name="record")
    token = gateway.open_job("run-1", "a", "j", "task")
    answers = [
        call(gateway.socket_path, token, {"model": "task", "messages": m}) for m in CONVERSATIONS
    ]
    gateway.close_job(token)
    gateway.stop()
    return answers


def _content(answer: tuple[int, Any]) -> Any:
    status, body = answer
    return (status, body["choices"][0]["message"] if status == 200 else body["error"]["type"])


def test_replay_serves_the_recorded_answers_offline(
    upstream: FakeUpstream,
    start_gateway: StartGateway,
    short_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FAKE_PROVIDER_KEY", "sk-test-record")
    recorded_db = short_dir / "recorded.db"
    recorded = _record(upstream, start_gateway, recorded_db)
    assert len(upstream.requests) == 4
    config = {
        "providers": {"replay": {"kind": "replay", "source": str(recorded_db)}},
        "roles": {"task": {"provider": "replay", "model": "gpt-4o-mini"}},
    }
    replay_db = short_dir / "replay.db"
    gateway = start_gateway(config, db=replay_db, name="replay")
    token = gateway.open_job("run-2", "a", "j", "task")
    replayed = [
        call(gateway.socket_path, token, {"model": "task", "messages": m}) for m in CONVERSATIONS
    ]
    assert [_content(a) for a in replayed] == [_content(a) for a in recorded]
    assert _content(replayed[2])[1]["content"] == "answer one, again"
    assert len(upstream.requests) == 4
    assert gateway.job_usage("j").cost_usd == pytest.approx(
        sum(c.cost_usd for c in calls_for_job(recorded_db, "j"))
    )
    status, body = call(
        gateway.socket_path,
        token,
        {"model": "task", "messages": [{"role": "user", "content": "new"}]},
    )
    assert status == 404 and body["error"]["type"] == "replay_miss"
    assert "never recorded" in body["error"]["message"]
    gateway.flush()
    statuses = [c.status for c in calls_for_job(replay_db, "j")]
    assert statuses == ["ok", "ok", "ok", "context_length_exceeded", "replay_miss"]


def test_fingerprint_ignores_the_token_and_streaming_but_not_the_content() -> None:
    body = {"messages": [{"role": "user", "content": "x"}], "temperature": 0}
    same = dict(body, stream=True, stream_options={"include_usage": True}, user="someone")
    assert fingerprint("task", body) == fingerprint("task", same)
    assert fingerprint("task", body) != fingerprint("diagnose", body)
    assert fingerprint("task", body) != fingerprint("task", dict(body, temperature=1))
    assert fingerprint("task", body) != fingerprint(
        "task", {"messages": [{"role": "user", "content": "y"}]}
    )


def test_replay_source_must_hold_calls(short_dir: Path, start_gateway: StartGateway) -> None:
    CallRecorder(short_dir / "empty.db").close()
    for source in (short_dir / "absent.db", short_dir / "empty.db"):
        config = {
            "providers": {"replay": {"kind": "replay", "source": str(source)}},
            "roles": {"task": {"provider": "replay", "model": "m"}},
        }
        with pytest.raises(UserError, match="replay source"):
            start_gateway(config)


def test_recorder_shares_run_db_and_keeps_its_schema_version(short_dir: Path) -> None:
    db = short_dir / "run.db"
    with sqlite3.connect(db) as other:
        other.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, body TEXT)")
    CallRecorder(db).close()
    CallRecorder(db).close()
    with sqlite3.connect(db) as connection:
        tables = {
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        version = connection.execute("SELECT value FROM llm_meta").fetchall()
        mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
    assert {"events", "llm_calls", "llm_meta"} <= tables
    assert version == [("2",)] and mode == "wal"
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE llm_meta SET value = '99'")
    with pytest.raises(UserError, match="schema version 99"):
        CallRecorder(db)
    assert calls_for_job(short_dir / "absent.db", "j") == []
