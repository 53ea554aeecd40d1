"""Plain data between the checker and the candidate: length-prefixed JSON, tagged builtins.

Standard library only: `candidate.py` and `checker.py` run as scripts with this directory on
`sys.path`. Decoding builds nothing but builtin values (None, bool, int, float, complex, str,
bytes, list, tuple, set, frozenset, dict), so nothing the candidate sends can carry
behaviour: an object that "compares equal to everything" cannot cross.
"""

from __future__ import annotations

import json
import math
import socket
import struct
from typing import Any

MAX_MESSAGE = 16 * 1024 * 1024
TAG = "$"
HEADER = struct.Struct(">I")


class WireError(Exception):
    """A value that is not plain data, or a message that is not one."""


def encode(value: Any) -> Any:
    """`value` as JSON-able data; WireError for anything but exact builtin types."""
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return value if math.isfinite(value) else {TAG: "float", "v": repr(value)}
    if kind is list:
        return [encode(item) for item in value]
    if kind in (tuple, set, frozenset):
        return {TAG: kind.__name__, "v": [encode(item) for item in value]}
    if kind is dict:
        return {TAG: "dict", "v": [[encode(k), encode(v)] for k, v in value.items()]}
    if kind is bytes:
        return {TAG: "bytes", "v": value.hex()}
    if kind is complex:
        return {TAG: "complex", "v": [encode(value.real), encode(value.imag)]}
    raise WireError(f"a {kind.__module__}.{kind.__qualname__} is not plain data")


def _number(value: Any) -> float:
    number = decode(value)
    if type(number) is not float:
        raise WireError("a complex part must be a float")
    return number


def decode(data: Any) -> Any:
    """The builtin value `encode` made; WireError for anything else."""
    kind = type(data)
    if data is None or kind in (bool, int, float, str):
        return data
    if kind is list:
        return [decode(item) for item in data]
    if kind is not dict or set(data) != {TAG, "v"}:
        raise WireError(f"unexpected {kind.__name__} in a message")
    tag, raw = data[TAG], data["v"]
    try:
        if tag == "float" and raw in ("inf", "-inf", "nan"):
            return float(raw)
        if tag == "bytes" and type(raw) is str:
            return bytes.fromhex(raw)
        if type(raw) is not list:
            raise WireError(f"tag {tag!r} needs a list")
        if tag == "tuple":
            return tuple(decode(item) for item in raw)
        if tag == "set":
            return {decode(item) for item in raw}
        if tag == "frozenset":
            return frozenset(decode(item) for item in raw)
        if tag == "dict":
            return {decode(pair[0]): decode(pair[1]) for pair in raw if _is_pair(pair)}
        if tag == "complex" and len(raw) == 2:
            return complex(_number(raw[0]), _number(raw[1]))
    except TypeError as error:  # an unhashable set member or dict key
        raise WireError(str(error)) from None
    raise WireError(f"unknown tag {tag!r}")


def _is_pair(pair: Any) -> bool:
    if type(pair) is not list or len(pair) != 2:
        raise WireError("a dict item must be a [key, value] pair")
    return True


def send(conn: socket.socket, message: dict[str, Any]) -> None:
    body = json.dumps(message, allow_nan=False, separators=(",", ":")).encode()
    if len(body) > MAX_MESSAGE:
        raise WireError(f"message of {len(body)} bytes exceeds {MAX_MESSAGE}")
    conn.sendall(HEADER.pack(len(body)) + body)


def _exactly(conn: socket.socket, size: int) -> bytes:
    chunks: list[bytes] = []
    while size:
        chunk = conn.recv(min(size, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the connection")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def receive(conn: socket.socket) -> dict[str, Any]:
    """One message; EOFError when the peer is gone, WireError when it is not a message."""
    (size,) = HEADER.unpack(_exactly(conn, HEADER.size))
    if size > MAX_MESSAGE:
        raise WireError(f"message of {size} bytes exceeds {MAX_MESSAGE}")
    try:
        message = json.loads(_exactly(conn, size))
    except (ValueError, RecursionError) as error:
        raise WireError(f"not JSON: {error}") from None
    if type(message) is not dict:
        raise WireError("a message must be a JSON object")
    return message
