"""Connections a job cannot abuse: half-open and slow ones time out, bodies are bounded in
size and time, one peer's flood is capped (one log line) while another job's calls go on."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from llm_fakes import StartGateway, call, chat

from hgm.llm import Gateway, calls_for_job

FLOOD = r"""
import errno, json, resource, socket, sys
path, count = sys.argv[1], int(sys.argv[2])
_, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
held, queue_full = [], 0
for _ in range(min(count, hard - 64)):
    s = socket.socket(socket.AF_UNIX)
    s.setblocking(False)
    if s.connect_ex(path) == 0:
        held.append(s)  # held open, never sending a byte, like a stuck client
    else:
        queue_full += 1
        s.close()
print(json.dumps({"connected": len(held), "queue_full": queue_full}), flush=True)
sys.stdin.read()
"""


def _scripted(**limits: float) -> dict[str, object]:
    return {
        "providers": {"s": {"kind": "scripted", "default_reply": {"content": "ok"}}},
        "roles": {"task": {"provider": "s", "model": "scripted"}},
        "limits": limits,
    }


def _connect(path: Path) -> socket.socket:
    connection = socket.socket(socket.AF_UNIX)
    connection.settimeout(10)
    connection.connect(str(path))
    return connection


def _closed_after(connection: socket.socket) -> float:
    """Seconds until the server closes the connection (reading whatever it sends)."""
    started = time.monotonic()
    while connection.recv(4096):
        pass
    return time.monotonic() - started


def test_silent_and_slow_connections_are_closed(start_gateway: StartGateway) -> None:
    gateway = start_gateway(_scripted(idle_timeout_s=0.5))
    silent = _connect(gateway.socket_path)
    slow_head = _connect(gateway.socket_path)
    slow_head.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: g\r\n")
    assert _closed_after(silent) < 5 and _closed_after(slow_head) < 5
    token = gateway.open_job("run-1", "a", "j", "task")
    assert call(gateway.socket_path, token, chat())[0] == 200


def test_a_body_that_never_completes_is_a_408_counted_against_the_job(
    start_gateway: StartGateway, short_dir: Path
) -> None:
    gateway = start_gateway(_scripted(body_timeout_s=0.5))
    token = gateway.open_job("run-1", "a", "j", "task")
    connection = _connect(gateway.socket_path)
    connection.sendall(
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: g\r\nContent-Length: 1000\r\n"
        + f"Authorization: Bearer {token}\r\n\r\n".encode()
        + b'{"messages": ['
    )
    answer = connection.recv(65536)
    assert answer.startswith(b"HTTP/1.1 408") and b"request_timeout" in answer
    assert _closed_after(connection) < 5
    gateway.flush()
    [refused] = calls_for_job(short_dir / "run.db", "j")
    assert refused.status == "request_timeout" and refused.request_bytes == 1000
    assert gateway.job_usage("j").refused == 1


def test_a_body_over_the_size_limit_is_refused_unread(
    start_gateway: StartGateway, short_dir: Path
) -> None:
    gateway = start_gateway(_scripted(max_body_mb=1))
    token = gateway.open_job("run-1", "a", "j", "task")
    declared = _connect(gateway.socket_path)
    declared.sendall(
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: g\r\nContent-Length: 50000000\r\n"
        + f"Authorization: Bearer {token}\r\n\r\n".encode()
    )
    answer = declared.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413") and b"more than 1 MiB" in answer
    chunked = _connect(gateway.socket_path)
    chunked.sendall(
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked\r\n"
        + f"Authorization: Bearer {token}\r\n\r\n".encode()
    )
    chunk = b"x" * 65536
    try:
        for _ in range(40):
            chunked.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    except OSError:  # the gateway hung up once the limit was passed
        pass
    assert chunked.recv(65536).startswith(b"HTTP/1.1 413")
    gateway.flush()
    assert [c.http_status for c in calls_for_job(short_dir / "run.db", "j")] == [413, 413]


def _settles_at(gateway: Gateway, count: int) -> bool:
    """Whether the gateway holds `count` connections once closes and accepts have settled."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if gateway.open_connections == count:
            time.sleep(0.2)
            if gateway.open_connections == count:
                return True
        time.sleep(0.05)
    return False


def _flood(path: Path, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", FLOOD, str(path), str(count)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_a_job_flooding_its_socket_leaves_other_jobs_alone(
    start_gateway: StartGateway, caplog: pytest.LogCaptureFixture
) -> None:
    gateway = start_gateway(_scripted(job_connections=16))
    flooder = gateway.open_job("run-1", "a", "flooder", "task")
    victim = gateway.open_job("run-1", "b", "victim", "task")
    with caplog.at_level(logging.WARNING, logger="hgm.llm"):
        flood = _flood(gateway.job_socket(flooder), 2000)
        try:
            assert flood.stdout is not None
            report = json.loads(flood.stdout.readline())
            mine = gateway.job_socket(victim)
            statuses = [call(mine, victim, chat())[0] for _ in range(20)]
            assert call(gateway.socket_path, victim, chat())[0] == 200  # the host socket too
            assert _settles_at(gateway, 16)
        finally:
            flood.communicate("")
    assert statuses == [200] * 20
    assert report["connected"] + report["queue_full"] > 500 and report["queue_full"] > 0
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert lines == [
        "LLM gateway: job flooder holds 16 connections, its cap: it accepts more only as "
        "they close (logged once per incident)"
    ]
    assert _settles_at(gateway, 0)
    assert call(gateway.job_socket(flooder), flooder, chat())[0] == 200  # over once they close


def test_a_job_socket_serves_its_own_job_only(start_gateway: StartGateway) -> None:
    gateway = start_gateway(_scripted())
    mine = gateway.open_job("run-1", "a", "mine", "task")
    other = gateway.open_job("run-1", "b", "other", "task")
    path = gateway.job_socket(mine)
    assert path.parent.stat().st_mode & 0o777 == 0o700 and [
        p.name for p in path.parent.iterdir()
    ] == ["llm.sock"]
    status, body = call(path, other, chat())
    assert status == 401 and "its own job" in body["error"]["message"]
    assert call(path, mine, chat())[0] == 200
    gateway.close_job(mine)
    assert not path.parent.exists()


def test_the_gateway_wide_cap_holds_with_many_jobs(
    start_gateway: StartGateway, caplog: pytest.LogCaptureFixture
) -> None:
    gateway = start_gateway(_scripted(job_connections=8, connections=20))
    tokens = [gateway.open_job("run-1", str(n), f"job-{n}", "task") for n in range(3)]
    with caplog.at_level(logging.WARNING, logger="hgm.llm"):
        floods = [_flood(gateway.job_socket(token), 30) for token in tokens]
        try:
            for flood in floods:
                assert flood.stdout is not None
                flood.stdout.readline()
            assert _settles_at(gateway, 20)
        finally:
            for flood in floods:
                flood.communicate("")
    messages = [r.getMessage() for r in caplog.records]
    assert sum("limits.connections" in m for m in messages) == 1


def test_the_tcp_listener_caps_each_remote_host(start_gateway: StartGateway) -> None:
    gateway = start_gateway(_scripted(job_connections=4) | {"tcp": {"port": 0}})
    assert gateway.tcp_port is not None
    held = [socket.create_connection(("127.0.0.1", gateway.tcp_port)) for _ in range(10)]
    refused = 0
    for connection in held:
        connection.settimeout(0.5)
        with contextlib.suppress(TimeoutError):
            refused += connection.recv(4096).startswith(b"HTTP/1.1 503")
        connection.close()
    assert refused == 6
