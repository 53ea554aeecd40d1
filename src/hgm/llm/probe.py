"""Host-side calls to the gateway over its Unix socket (diagnosis, pre-flight probes)."""

from __future__ import annotations

import http.client
import json
import socket
from pathlib import Path
from typing import Any


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
