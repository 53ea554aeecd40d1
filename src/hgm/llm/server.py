"""The gateway's HTTP surface: an OpenAI-compatible subset.

`POST /v1/chat/completions` (JSON, or `stream: true` as server-sent events) and
`GET /v1/models`. A call is let in (its token valid, its job not throttled) before
its body is read; the body is read within the size and time limits; the dispatcher
does the rest. Every answer, errors included, is JSON in the OpenAI error shape.
"""

from __future__ import annotations

import math
import time

from aiohttp import web

from hgm.llm.completions import sse_events
from hgm.llm.config import GatewayLimits
from hgm.llm.dispatch import Answer, Dispatcher
from hgm.llm.gateway_errors import GatewayError, RateLimited
from hgm.llm.ledger import Ledger
from hgm.llm.listeners import Handler
from hgm.llm.request_body import read_body

CHAT_PATH = "/v1/chat/completions"
MODELS_PATH = "/v1/models"


def _token(request: web.BaseRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("x-api-key")


def _error(error: GatewayError, *, close: bool = False) -> web.Response:
    response = web.json_response(error.body(), status=error.status)
    if isinstance(error, RateLimited):
        response.headers["Retry-After"] = str(math.ceil(error.details["retry_after_s"]))
    if close:  # the body was not read: do not drain it, drop the connection
        response.force_close()
    return response


def _not_served(status: int, message: str) -> web.Response:
    error = {"type": "not_found" if status == 404 else "method_not_allowed", "message": message}
    return web.json_response({"error": error | {"code": error["type"]}}, status=status)


def build_handler(
    dispatcher: Dispatcher,
    ledger: Ledger,
    aliases: list[str],
    limits: GatewayLimits,
    only_job: str | None = None,
) -> Handler:
    """The request handler; `only_job`: serve that job's tokens only (a job's own socket)."""
    max_bytes = int(limits.max_body_mb * 1024 * 1024)

    async def chat(request: web.BaseRequest) -> web.StreamResponse:
        try:
            admission = ledger.admit(_token(request), only_job)
        except GatewayError as error:
            return _error(error, close=request.body_exists)
        started = time.time()
        try:
            try:
                raw = await read_body(request, max_bytes, limits.body_timeout_s)
            except GatewayError as error:
                size = request.content_length or 0
                dispatcher.refuse(admission, error, b"", size, started)
                return _error(error, close=True)
            answer = await dispatcher.chat(admission, raw)
        finally:
            ledger.leave(admission)
        return await _respond(request, answer)

    async def models(request: web.BaseRequest) -> web.Response:
        try:
            ledger.leave(ledger.admit(_token(request), only_job))
        except GatewayError as error:
            return _error(error)
        now = int(time.time())
        data = [
            {"id": alias, "object": "model", "created": now, "owned_by": "hgm"} for alias in aliases
        ]
        return web.json_response({"object": "list", "data": data})

    async def handle(request: web.BaseRequest) -> web.StreamResponse:
        routes = {CHAT_PATH: ("POST", chat), MODELS_PATH: ("GET", models)}
        if request.path not in routes:
            return _not_served(
                404,
                f"no endpoint {request.path}: the gateway serves POST {CHAT_PATH} "
                f"and GET {MODELS_PATH}",
            )
        method, endpoint = routes[request.path]
        if request.method != method:
            return _not_served(405, f"{request.path} takes {method}, not {request.method}")
        return await endpoint(request)

    return handle


async def _respond(request: web.BaseRequest, answer: Answer) -> web.StreamResponse:
    if answer.status != 200 or not answer.stream:
        return web.json_response(answer.body, status=answer.status)
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    await response.prepare(request)
    for event in sse_events(answer.body, answer.include_usage):
        await response.write(event)
    await response.write_eof()
    return response
