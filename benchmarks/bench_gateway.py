"""LLM gateway overhead per call over a local fake upstream, throughput with 8 agents, and
another job's latency while one job floods the gateway with connections.

The fake OpenAI-compatible upstream runs in its own process on 127.0.0.1 and answers
at once. The gateway runs as hgm runs it (its own event-loop thread, Unix socket,
SQLite recording on, money and token budgets set so that every call is checked against
the allowlist and has its worst case reserved). Clients keep their connections alive,
like an OpenAI client.
  direct    client -> upstream (TCP)
  gateway   client -> gateway (Unix socket) -> upstream
  relay     client -> relay (TCP, as inside a sandbox) -> gateway -> upstream
Overhead = p50(gateway) - p50(direct), interleaved so that noise hits both alike.
Target: gateway overhead <= 2 ms p50.

Flood: another process (another job, as from its sandbox) opens --flood connections to
its job's socket and holds them, reopening at once any the gateway closes and retrying
5 times a second any the full queue refuses, while a victim job makes calls on a fresh
connection each (as the seed agent's urllib client does) on its own job's socket.
Target: the victim's p50 during the flood at most 2x its p50 before and after it. The
gateway process runs with a soft limit of --nofile descriptors (1024 is the common
default). Prints JSON.

    .venv/bin/python benchmarks/bench_gateway.py --calls 400 --agents 8 --flood 2000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from hgm.llm import Gateway, GatewayConfig
from hgm.llm.launch import RELAY_SOURCE
from hgm.llm.probe import post_chat

TARGET_P50_MS = 2.0
UPSTREAM = """
import sys
from aiohttp import web
ANSWER = {"id": "x", "object": "chat.completion", "model": "fake",
          "choices": [{"index": 0, "finish_reason": "stop",
                       "message": {"role": "assistant", "content": "ok"}}],
          "usage": {"prompt_tokens": 12, "completion_tokens": 3}}
async def chat(request):
    await request.read()
    return web.json_response(ANSWER)
async def started(app):
    print(app["port"], flush=True)
app = web.Application()
app.router.add_post("/v1/chat/completions", chat)
sock = __import__("socket").socket()
sock.bind(("127.0.0.1", 0))
app["port"] = sock.getsockname()[1]
app.on_startup.append(started)
web.run_app(app, sock=sock, print=None, access_log=None)
"""
BODY = {
    "model": "task",
    "messages": [{"role": "user", "content": "hello " * 50}],
    "temperature": 0.2,
    "max_tokens": 256,
}
BUDGETS = {"run_usd": 1e6, "job_usd": 1e5, "job_tokens": 10**12, "job_calls": 10**9}
FLOOD = r"""
import resource, selectors, socket, sys, time
path, count = sys.argv[1], int(sys.argv[2])
_, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
selector, waiting = selectors.DefaultSelector(), 0
def connect():
    global waiting
    s = socket.socket(socket.AF_UNIX)
    s.setblocking(False)
    if s.connect_ex(path) == 0:
        selector.register(s, selectors.EVENT_READ)
    else:  # the queue is full: try again soon
        s.close()
        waiting += 1
for _ in range(count):
    connect()
print("flooding", flush=True)
while True:  # reopen at once whatever the gateway closes; retry the rest 5 times a second
    for key, _ in selector.select(0.2):
        selector.unregister(key.fileobj)
        key.fileobj.close()
        connect()
    retry, waiting = waiting, 0
    for _ in range(retry):
        connect()
"""


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 3),
    }


async def _timed(session: aiohttp.ClientSession, url: str, token: str) -> float:
    start = time.perf_counter()
    async with session.post(url, json=BODY, headers={"Authorization": f"Bearer {token}"}) as r:
        await r.read()
        if r.status != 200:
            raise RuntimeError(f"{url}: HTTP {r.status}")
    return time.perf_counter() - start


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _latency(gateway: Gateway, upstream: str, relay_port: int, calls: int) -> dict[str, Any]:
    token = gateway.open_job("bench", "agent", "latency", "task")
    unix = aiohttp.UnixConnector(path=str(gateway.socket_path))
    samples: dict[str, list[float]] = {"direct": [], "gateway": [], "relay": []}
    async with (
        aiohttp.ClientSession() as tcp,
        aiohttp.ClientSession(connector=unix) as via_socket,
    ):
        targets = {
            "direct": (tcp, f"{upstream}/v1/chat/completions"),
            "gateway": (via_socket, "http://gateway/v1/chat/completions"),
            "relay": (tcp, f"http://127.0.0.1:{relay_port}/v1/chat/completions"),
        }
        for session, url in targets.values():  # warm-up: connections, caches
            for _ in range(20):
                await _timed(session, url, token)
        for _ in range(calls):
            for name, (session, url) in targets.items():
                samples[name].append(await _timed(session, url, token))
    gateway.close_job(token)
    direct = statistics.median(samples["direct"])
    overhead = [s - direct for s in samples["gateway"]]
    relay_overhead = [s - direct for s in samples["relay"]]
    return {
        "direct": _ms(samples["direct"]),
        "gateway": _ms(samples["gateway"]),
        "relay": _ms(samples["relay"]),
        "gateway_overhead": _ms(overhead),
        "relay_overhead": _ms(relay_overhead),
    }


async def _throughput(gateway: Gateway, agents: int, calls: int, role: str) -> dict[str, Any]:
    async def agent(index: int) -> list[float]:
        token = gateway.open_job("bench", f"agent-{index}", f"{role}-{index}", "task")
        connector = aiohttp.UnixConnector(path=str(gateway.socket_path))
        async with aiohttp.ClientSession(connector=connector) as session:
            times = [
                await _timed(session, "http://g/v1/chat/completions", token) for _ in range(calls)
            ]
        gateway.close_job(token)
        return times

    start = time.perf_counter()
    results = await asyncio.gather(*(agent(i) for i in range(agents)))
    elapsed = time.perf_counter() - start
    latencies = [t for times in results for t in times]
    return {
        "agents": agents,
        "calls": len(latencies),
        "calls_per_s": round(len(latencies) / elapsed, 1),
        **_ms(latencies),
    }


def _config(upstream: str | None) -> GatewayConfig:
    if upstream is None:
        provider: dict[str, Any] = {"kind": "scripted", "default_reply": {"content": "ok"}}
    else:
        provider = {"kind": "openai", "base_url": f"{upstream}/v1", "api_key_env": None}
    return GatewayConfig.model_validate(
        {
            "providers": {"p": provider},
            "roles": {"task": {"provider": "p", "model": "gpt-4o-mini"}},
            "budgets": BUDGETS,
        }
    )


def _fresh_connection_call(path: Path, token: str) -> float:
    start = time.perf_counter()
    status, _ = post_chat(path, token, BODY, 30.0)
    if status != 200:
        raise RuntimeError(f"victim call: HTTP {status}")
    return time.perf_counter() - start


def _flood(gateway: Gateway, connections: int, calls: int) -> dict[str, Any]:
    """The victim's latency (a fresh connection per call, on its job's socket) before,
    during and after a flood of another job's socket."""
    victim = gateway.open_job("bench", "victim", "victim", "task")
    flooder = gateway.open_job("bench", "flooder", "flooder", "task")
    path = gateway.job_socket(victim)
    before = [_fresh_connection_call(path, victim) for _ in range(calls)]
    flood = subprocess.Popen(
        [sys.executable, "-c", FLOOD, str(gateway.job_socket(flooder)), str(connections)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert flood.stdout is not None
        flood.stdout.readline()
        during = [_fresh_connection_call(path, victim) for _ in range(calls)]
        held = gateway.open_connections
    finally:
        flood.terminate()
        flood.wait()
    after = [_fresh_connection_call(path, victim) for _ in range(calls)]
    gateway.close_job(victim)
    gateway.close_job(flooder)
    ratio = statistics.median(during) / statistics.median(before + after)
    return {
        "connections": connections,
        "held_by_gateway": held,
        "before": _ms(before),
        "during": _ms(during),
        "after": _ms(after),
        "p50_ratio": round(ratio, 2),
        "meets_target": ratio <= 2.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=400, help="timed calls per path")
    parser.add_argument("--agents", type=int, default=8, help="concurrent agents")
    parser.add_argument("--calls-per-agent", type=int, default=100)
    parser.add_argument("--flood", type=int, default=2000, help="connections of the flood")
    parser.add_argument("--nofile", type=int, default=1024, help="soft descriptor limit")
    options = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(options.nofile, hard), hard))
    server = subprocess.Popen([sys.executable, "-c", UPSTREAM], stdout=subprocess.PIPE, text=True)
    relay: subprocess.Popen[bytes] | None = None
    try:
        assert server.stdout is not None
        upstream = f"http://127.0.0.1:{server.stdout.readline().strip()}"
        with tempfile.TemporaryDirectory(prefix="hgm-bench-", dir="/tmp") as scratch:
            root = Path(scratch)
            report: dict[str, Any] = {
                "benchmark": "gateway",
                "target_overhead_p50_ms": TARGET_P50_MS,
            }
            with Gateway(
                _config(upstream), socket_dir=root / "gw", db_path=root / "run.db", run="bench"
            ) as gateway:
                relay_port = _free_port()
                relay = subprocess.Popen(
                    [
                        sys.executable,
                        str(RELAY_SOURCE),
                        "--socket",
                        str(gateway.socket_path),
                        "--port",
                        str(relay_port),
                        "--",
                        sys.executable,
                        "-c",
                        "import time; time.sleep(3600)",
                    ]
                )
                _wait_for(relay_port)
                report["latency"] = asyncio.run(
                    _latency(gateway, upstream, relay_port, options.calls)
                )
                report["throughput_openai_fake"] = asyncio.run(
                    _throughput(gateway, options.agents, options.calls_per_agent, "openai")
                )
            with Gateway(
                _config(None), socket_dir=root / "gw2", db_path=root / "run2.db", run="bench"
            ) as gateway:
                report["throughput_scripted"] = asyncio.run(
                    _throughput(gateway, options.agents, options.calls_per_agent, "scripted")
                )
                report["flood"] = _flood(gateway, options.flood, options.calls_per_agent)
        overhead = report["latency"]["gateway_overhead"]["p50_ms"]
        report["overhead_p50_ms"] = overhead
        report["meets_target"] = overhead <= TARGET_P50_MS
        report["cpus"] = os.cpu_count()
        report["load_average"] = os.getloadavg()
        print(json.dumps(report, indent=2))
    finally:
        if relay is not None:
            relay.terminate()
            relay.wait()
        server.terminate()
        server.wait()


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"the relay did not listen on port {port}")


if __name__ == "__main__":
    main()
