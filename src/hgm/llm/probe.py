"""Check providers before spending anything: one tiny call per role through a real gateway."""

from __future__ import annotations

import http.client
import json
import socket
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hgm.llm.config import GatewayConfig, Role
from hgm.llm.gateway import Gateway
from hgm.llm.ledger import JobLimits

PROBE_MESSAGE = "Reply with the single word OK."


@dataclass(frozen=True, slots=True)
class ProbeResult:
    role: str
    provider: str
    model: str
    ok: bool
    status: int
    latency_s: float
    input_tokens: int
    output_tokens: int
    cost_usd: float
    detail: str


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: Path, timeout: float) -> None:
        super().__init__("gateway", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(str(self._path))


def post_chat(
    socket_path: Path, token: str, body: dict[str, Any], timeout_s: float
) -> tuple[int, Any]:
    """POST /v1/chat/completions over the gateway's Unix socket: (status, parsed JSON)."""
    connection = _UnixConnection(socket_path, timeout_s)
    try:
        connection.request(
            "POST",
            "/v1/chat/completions",
            body=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        connection.close()


def _probe(gateway: Gateway, role: Role) -> ProbeResult:
    chosen = gateway.config.roles[role]
    token = gateway.open_job("probe", "probe", f"probe-{role}", role, JobLimits(calls=1))
    body = {
        "model": role,
        "messages": [{"role": "user", "content": PROBE_MESSAGE}],
        "max_tokens": 16,
    }
    started = time.perf_counter()
    status, answer = post_chat(gateway.socket_path, token, body, gateway.config.timeout_s * 2)
    latency = time.perf_counter() - started
    usage = gateway.close_job(token)
    if status == 200:
        detail = str(answer["choices"][0]["message"].get("content") or "(tool call)")[:80]
    else:
        detail = str((answer or {}).get("error", {}).get("message", answer))[:300]
    return ProbeResult(
        role,
        chosen.provider,
        chosen.model,
        status == 200,
        status,
        latency,
        usage.input_tokens,
        usage.output_tokens,
        usage.cost_usd,
        detail,
    )


def probe_roles(config: GatewayConfig, roles: list[Role] | None = None) -> list[ProbeResult]:
    """One short call per role (default: every configured role). Costs a few tokens each."""
    chosen = roles or sorted(config.roles)
    with tempfile.TemporaryDirectory(prefix="hgm-probe-", dir="/tmp") as scratch:
        root = Path(scratch)
        with Gateway(config, socket_dir=root / "gw", db_path=root / "probe.db", run="probe") as gw:
            return [_probe(gw, role) for role in chosen]
