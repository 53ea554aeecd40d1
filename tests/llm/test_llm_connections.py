"""Connections a job cannot abuse: half-open and slow ones time out, bodies are bounded in
size and time, one peer's flood is capped (one log line) while another job's calls go on."""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from llm_fakes import StartGateway, call, chat

from hgm.llm import calls_for_job

FLOOD = r"""
import json, resource, selectors, socket, sys, time
path, count, kept = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
count = min(count, hard - 64)
selector = selectors.DefaultSelector()
for _ in range(count):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.setblocking(False)
    selector.register(s, selectors.EVENT_READ)
refused, deadline, last = 0, time.monotonic() + 20, time.monotonic()
while time.monotonic() < deadline:  # until at most `kept` are held and no more refusals come
    events = selector.select(0.1)
    for key, _ in events:
        try:
            refused += key.fileobj.recv(4096).startswith(b"HTTP/1.1 503")
        except OSError:
            pass
        selector.unregister(key.fileobj)  # still held open, like a stuck client
    last = time.monotonic() if events else last
    if refused >= count - kept and time.monotonic() - last > 0.3:
        break
print(json.dumps({"opened": count, "refused": refused}), flush=True)
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


def test_a_flood_of_connections_is_capped_per_peer_and_logged_once(
    start_gateway: StartGateway, caplog: pytest.LogCaptureFixture
) -> None:
    gateway = start_gateway(_scripted(peer_connections=16))
    token = gateway.open_job("run-1", "victim", "victim", "task")
    with caplog.at_level(logging.WARNING, logger="hgm.llm"):
        flood = subprocess.Popen(
            [sys.executable, "-c", FLOOD, str(gateway.socket_path), "2000", "16"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert flood.stdout is not None
            report = json.loads(flood.stdout.readline())
            statuses = [call(gateway.socket_path, token, chat())[0] for _ in range(20)]
        finally:
            flood.communicate("")
    assert statuses == [200] * 20
    assert report["refused"] == report["opened"] - 16 and report["opened"] > 500
    lines = [r.getMessage() for r in caplog.records if "peer_connections" in r.getMessage()]
    assert len(lines) == 1 and "holds 16 connections" in lines[0]


def test_the_gateway_wide_cap_holds_with_many_peers(
    start_gateway: StartGateway, caplog: pytest.LogCaptureFixture
) -> None:
    gateway = start_gateway(_scripted(peer_connections=8, connections=20))
    floods = []
    with caplog.at_level(logging.WARNING, logger="hgm.llm"):
        try:
            for _ in range(3):
                floods.append(
                    subprocess.Popen(
                        [sys.executable, "-c", FLOOD, str(gateway.socket_path), "30", "8"],
                        stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE,
                        text=True,
                    )
                )
            reports = [json.loads(f.stdout.readline()) for f in floods if f.stdout is not None]
        finally:
            for flood in floods:
                flood.communicate("")
    assert sum(30 - r["refused"] for r in reports) == 20
    messages = [r.getMessage() for r in caplog.records]
    assert sum("limits.connections" in m for m in messages) == 1
