"""A tiny OpenAI-compatible HTTP server on 127.0.0.1 that answers from a script."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def completion_body(message: dict[str, Any], total_tokens: int = 10) -> dict[str, Any]:
    usage = {"prompt_tokens": total_tokens - 1, "completion_tokens": 1}
    return {"choices": [{"index": 0, "message": message}], "usage": usage}


def error_body(error_type: str, message: str = "refused") -> dict[str, Any]:
    return {"error": {"type": error_type, "message": message}}


class FakeChatServer:
    """Serves POST /v1/chat/completions: each request gets the next (status, body) reply.

    A body that is bytes is sent as is (for malformed answers). Use as a context manager.
    """

    def __init__(self, replies: list[tuple[int, dict[str, Any] | bytes]]) -> None:
        self.replies = list(replies)
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> FakeChatServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _next_reply(self, request: dict[str, Any]) -> tuple[int, dict[str, Any] | bytes]:
        with self.lock:
            self.requests.append(request)
            if not self.replies:
                return 500, error_body("script_exhausted")
            return self.replies.pop(0)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                request = {"path": self.path, "auth": self.headers.get("Authorization"), **body}
                status, reply = fake._next_reply(request)
                raw = reply if isinstance(reply, bytes) else json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, format: str, *args: Any) -> None:
                """Keep test output quiet."""

        return Handler
