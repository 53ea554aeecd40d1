"""The gateway's HTTP surface: an OpenAI-compatible subset served by aiohttp."""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web

from hgm.llm.completions import sse_events
from hgm.llm.dispatch import Dispatcher
from hgm.llm.gateway_errors import BadRequest, GatewayError
from hgm.llm.ledger import Ledger


def _token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("x-api-key")


def _error(error: GatewayError) -> web.Response:
    return web.json_response(error.body(), status=error.status)


def build_app(dispatcher: Dispatcher, ledger: Ledger, aliases: list[str]) -> web.Application:
    """`POST /v1/chat/completions` (JSON or `stream: true` SSE) and `GET /v1/models`."""

    async def chat(request: web.Request) -> web.StreamResponse:
        try:
            ledger.lookup(_token(request))
            body: Any = await request.json()
        except GatewayError as error:
            return _error(error)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _error(BadRequest("the request body is not JSON"))
        try:
            answer = await dispatcher.chat(_token(request), body)
        except GatewayError as error:
            return _error(error)
        stream = isinstance(body, dict) and body.get("stream") is True
        if answer.status != 200 or not stream:
            return web.json_response(answer.body, status=answer.status)
        options = body.get("stream_options") or {}
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        for event in sse_events(answer.body, bool(options.get("include_usage"))):
            await response.write(event)
        await response.write_eof()
        return response

    async def models(request: web.Request) -> web.Response:
        try:
            ledger.lookup(_token(request))
        except GatewayError as error:
            return _error(error)
        now = int(time.time())
        data = [
            {"id": alias, "object": "model", "created": now, "owned_by": "hgm"} for alias in aliases
        ]
        return web.json_response({"object": "list", "data": data})

    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_get("/v1/models", models)
    return app
