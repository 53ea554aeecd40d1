"""Reading a request body safely: bounded in size and time, then strict JSON.

Strict means: UTF-8; finite numbers only (no `NaN`, `Infinity`, or `1e999`, which
Python's json module would accept); containers nested at most `max_depth` deep; no
lone UTF-16 surrogates in strings (they cannot be stored as UTF-8). Each problem is a
400 that names it, never a 500.
"""

from __future__ import annotations

import asyncio
import json
import math
from typing import Any

from aiohttp import web

from hgm.llm.gateway_errors import BadRequest, RequestTimeout, RequestTooLarge


class _NotFinite(ValueError):
    pass


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(text)
    return value


def _constant(text: str) -> Any:
    raise _NotFinite(text)


async def read_body(request: web.BaseRequest, max_bytes: int, timeout_s: float) -> bytes:
    """The whole body, or RequestTooLarge / RequestTimeout without reading the rest."""
    declared = request.content_length
    limit_text = f"{max_bytes / 1024 / 1024:g} MiB (limits.max_body_mb)"
    if declared is not None and declared > max_bytes:
        raise RequestTooLarge(f"the request body has {declared} bytes, more than {limit_text}")
    body = bytearray()
    try:
        async with asyncio.timeout(timeout_s):
            while chunk := await request.content.readany():
                body += chunk
                if len(body) > max_bytes:
                    raise RequestTooLarge(f"the request body is larger than {limit_text}")
    except TimeoutError as error:
        raise RequestTimeout(
            f"the request body did not arrive within {timeout_s:g} s (limits.body_timeout_s); "
            f"{len(body)} bytes came"
        ) from error
    return bytes(body)


def parse_json(raw: bytes, max_depth: int) -> Any:
    """The body as JSON, or BadRequest naming what is wrong with it."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadRequest(f"the request body is not UTF-8 ({error})") from error
    try:
        value = json.loads(text, parse_float=_finite, parse_constant=_constant)
    except RecursionError as error:
        raise BadRequest(_too_deep(max_depth)) from error
    except _NotFinite as error:
        raise BadRequest(
            f"the request body holds the number {error}: numbers must be finite "
            "(no NaN or Infinity)"
        ) from error
    except ValueError as error:  # JSONDecodeError, or an integer with too many digits
        raise BadRequest(f"the request body is not JSON: {error}") from error
    _check_tree(value, max_depth)
    return value


def _too_deep(max_depth: int) -> str:
    return f"the request body is nested more than {max_depth} levels deep (limits.max_json_depth)"


def _check_string(text: str) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise BadRequest(
            "the request body holds a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff "
            "escape) in a string"
        ) from error


def _check_tree(value: Any, max_depth: int) -> None:
    """Depth and strings, without recursion."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            if depth > max_depth:
                raise BadRequest(_too_deep(max_depth))
            for key, child in item.items():
                _check_string(key)
                if isinstance(child, str):
                    _check_string(child)
                elif isinstance(child, dict | list):
                    stack.append((child, depth + 1))
        elif isinstance(item, list):
            if depth > max_depth:
                raise BadRequest(_too_deep(max_depth))
            for child in item:
                if isinstance(child, str):
                    _check_string(child)
                elif isinstance(child, dict | list):
                    stack.append((child, depth + 1))
        elif isinstance(item, str):
            _check_string(item)
