"""Test doubles: a fake OpenAI/Anthropic upstream on 127.0.0.1 and a Unix-socket HTTP client."""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from hgm.llm import Gateway

Handler = Callable[[str, dict[str, Any]], tuple[int, Any]]
StartGateway = Callable[..., Gateway]


def openai_reply(
    content: str | None = "hello",
    tool_calls: list[dict[str, Any]] | None = None,
    prompt_tokens: int = 10,
    completion_tokens: int = 5,
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "model": "fake-model",
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if tool_calls else "stop",
            }
        ],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens},
    }


def uses_whole_reply_limit(path: str, body: dict[str, Any]) -> tuple[int, Any]:
    """A fake model that always writes as many tokens as the request allows (the worst case
    for a budget), with 10 prompt tokens."""
    limit = body.get("max_completion_tokens") or body.get("max_tokens") or 1
    return 200, openai_reply("x" * limit, prompt_tokens=10, completion_tokens=limit)


@dataclass
class FakeUpstream:
    """An aiohttp server on 127.0.0.1 answering from `responses` (a queue) or `handler`,
    after `delay_s` (so that calls overlap); `most_in_flight` is the most it saw at once."""

    handler: Handler | None = None
    responses: list[tuple[int, Any]] = field(default_factory=list)
    requests: list[tuple[str, dict[str, str], Any]] = field(default_factory=list)
    delay_s: float = 0.0
    in_flight: int = 0
    most_in_flight: int = 0
    port: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _runner: web.AppRunner | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append((request.path, dict(request.headers), body))
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay_s)
        finally:
            self.in_flight -= 1
        if self.responses:
            status, answer = self.responses.pop(0)
        elif self.handler is not None:
            status, answer = self.handler(request.path, body)
        else:
            status, answer = 200, openai_reply()
        return web.json_response(answer, status=status)

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = next(a[1] for a in self._runner.addresses if isinstance(a, tuple))

    def start(self) -> FakeUpstream:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def stop(self) -> None:
        assert self._loop is not None and self._runner is not None and self._thread is not None
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str) -> None:
        super().__init__("localhost", timeout=30)
        self._path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(self._path)


def call(
    socket_path: Any,
    token: str | None,
    body: Any = None,
    *,
    method: str = "POST",
    path: str = "/v1/chat/completions",
) -> tuple[int, Any]:
    """One request over the gateway's Unix socket; the body is parsed as JSON when it is JSON."""
    connection = _UnixConnection(str(socket_path))
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    payload = (
        None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    )
    connection.request(method, path, body=payload, headers=headers)
    response = connection.getresponse()
    raw = response.read().decode()
    connection.close()
    try:
        return response.status, json.loads(raw)
    except json.JSONDecodeError:
        return response.status, raw


def chat(content: str = "hi", **extra: Any) -> dict[str, Any]:
    return {"model": "task", "messages": [{"role": "user", "content": content}], **extra}


def openai_config(upstream: FakeUpstream, **extra: Any) -> dict[str, Any]:
    """A gateway config with the `task` role on the fake OpenAI-compatible upstream."""
    return {
        "providers": {
            "fake": {
                "kind": "openai",
                "base_url": upstream.url + "/v1",
                "api_key_env": "FAKE_PROVIDER_KEY",
            }
        },
        "roles": {"task": {"provider": "fake", "model": "gpt-4o-mini"}},
        "retry": {"attempts": 3, "base_delay_s": 0.01, "max_delay_s": 0.05},
        **extra,
    }
