"""Internal failures, concurrent agents against one budget, the TCP listener for remote workers."""

from __future__ import annotations

import json
import sqlite3
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from llm_fakes import FakeUpstream, StartGateway, call, chat, openai_config

from hgm.errors import UserError
from hgm.llm import Gateway, GatewayConfig, calls_for_job
from hgm.llm.recording import CallRecord, CallRecorder, fingerprint


@pytest.fixture(autouse=True)
def provider_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_PROVIDER_KEY", "sk-test-robust")


def test_an_internal_failure_is_a_500_recorded_and_the_gateway_goes_on(
    start_gateway: StartGateway, short_dir: Path
) -> None:
    source = short_dir / "source.db"
    recorder = CallRecorder(source)
    body = chat("broken record")
    recorder.record(
        CallRecord(
            "r",
            "a",
            "j",
            "task",
            "p",
            "m",
            0.0,
            0.1,
            "ok",
            200,
            1,
            1,
            0.0,
            1,
            0,
            fingerprint("task", body),
            body,
            {"no": "choices"},
            None,
        )
    )
    recorder.close()
    config = {
        "providers": {"replay": {"kind": "replay", "source": str(source)}},
        "roles": {"task": {"provider": "replay", "model": "m"}},
    }
    gateway = start_gateway(config)
    token = gateway.open_job("run-1", "a", "j", "task")
    status, answer = call(gateway.socket_path, token, body)
    assert status == 500 and answer["error"]["type"] == "gateway_error"
    assert "KeyError" in answer["error"]["message"]
    assert call(gateway.socket_path, token, chat("unseen"))[0] == 404
    gateway.flush()
    assert [c.status for c in calls_for_job(short_dir / "run.db", "j")] == [
        "gateway_error",
        "replay_miss",
    ]


def test_concurrent_calls_never_exceed_the_call_budget(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    gateway = start_gateway(openai_config(upstream, budgets={"job_calls": 5}))
    token = gateway.open_job("run-1", "a", "j", "task")
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: call(gateway.socket_path, token, chat())[0], range(16)))
    assert sorted(statuses) == [200] * 5 + [402] * 11
    assert len(upstream.requests) == 5 and gateway.job_usage("j").calls == 5


def _tcp_post(port: int, token: str, body: dict[str, Any]) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_tcp_listener_for_remote_workers_needs_a_job_token(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    gateway = start_gateway(openai_config(upstream, tcp={"host": "127.0.0.1", "port": 0}))
    assert gateway.tcp_port is not None
    token = gateway.open_job("run-1", "remote", "j", "task")
    assert _tcp_post(gateway.tcp_port, token, chat())[0] == 200
    assert _tcp_post(gateway.tcp_port, "not-a-token", chat())[0] == 401
    gateway.close_job(token)
    assert _tcp_post(gateway.tcp_port, token, chat())[0] == 401
    assert len(upstream.requests) == 1


def test_socket_directory_is_private(upstream: FakeUpstream, start_gateway: StartGateway) -> None:
    gateway = start_gateway(openai_config(upstream))
    assert gateway.socket_dir.stat().st_mode & 0o777 == 0o700
    assert gateway.socket_path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in gateway.socket_dir.iterdir()] == ["llm.sock"]
    gateway.stop()
    assert not gateway.socket_path.exists()


def test_a_socket_path_too_long_is_a_user_error(upstream: FakeUpstream, short_dir: Path) -> None:
    config = GatewayConfig.model_validate(openai_config(upstream))
    with pytest.raises(UserError, match="longer than 97 characters"):
        Gateway(config, socket_dir=short_dir / ("x" * 120), db_path=short_dir / "r.db", run="r")


def test_a_locked_run_db_does_not_stall_calls(
    upstream: FakeUpstream, start_gateway: StartGateway, short_dir: Path
) -> None:
    gateway = start_gateway(openai_config(upstream))
    token = gateway.open_job("run-1", "a", "j", "task")
    other_writer = sqlite3.connect(short_dir / "run.db", isolation_level=None)
    other_writer.execute("BEGIN IMMEDIATE")
    started = time.perf_counter()
    assert call(gateway.socket_path, token, chat())[0] == 200
    assert time.perf_counter() - started < 2.0
    assert calls_for_job(short_dir / "run.db", "j") == []
    other_writer.execute("COMMIT")
    other_writer.close()
    gateway.close_job(token)
    assert [c.status for c in calls_for_job(short_dir / "run.db", "j")] == ["ok"]


def test_a_tcp_port_in_use_is_a_user_error(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    with pytest.raises(UserError, match="cannot listen"):
        start_gateway(openai_config(upstream, tcp={"host": "127.0.0.1", "port": upstream.port}))
