"""LLM gateway overhead per call over a local fake upstream, and throughput with 8 agents.

The fake OpenAI-compatible upstream runs in its own process on 127.0.0.1 and answers
at once. The gateway runs as hgm runs it (its own event-loop thread, Unix socket,
SQLite recording on). Clients keep their connections alive, like an OpenAI client.
  direct    client -> upstream (TCP)
  gateway   client -> gateway (Unix socket) -> upstream
  relay     client -> relay (TCP, as inside a sandbox) -> gateway -> upstream
Overhead = p50(gateway) - p50(direct), interleaved so that noise hits both alike.
Target: gateway overhead <= 2 ms p50. Prints JSON.

    .venv/bin/python benchmarks/bench_gateway.py --calls 400 --agents 8
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
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
BODY = {"model": "task", "messages": [{"role": "user", "content": "hello " * 50}]}


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
        {"providers": {"p": provider}, "roles": {"task": {"provider": "p", "model": "gpt-4o-mini"}}}
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=400, help="timed calls per path")
    parser.add_argument("--agents", type=int, default=8, help="concurrent agents")
    parser.add_argument("--calls-per-agent", type=int, default=100)
    options = parser.parse_args()
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
        overhead = report["latency"]["gateway_overhead"]["p50_ms"]
        report["overhead_p50_ms"] = overhead
        report["meets_target"] = overhead <= TARGET_P50_MS
        report["cpus"] = os.cpu_count()
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
