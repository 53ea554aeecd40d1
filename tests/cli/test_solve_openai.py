"""`hgm solve --provider openai` against a fake OpenAI-compatible server on 127.0.0.1: the
gateway sends the key from the named variable and the model name; the agent never sees them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import hgm

from components import need
from hgm.sandbox import BubblewrapConfig, check_backend

SECRET = "sk-solve-fake-openai-key-91f2"
FINISH = {
    "id": "chatcmpl-fake",
    "object": "chat.completion",
    "model": "fake-model",
    "choices": [
        {
            "index": 0,
            "finish_reason": "tool_calls",
            "message": {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "finish", "arguments": '{"summary": "gave up"}'},
                    }
                ],
            },
        }
    ],
    "usage": {"prompt_tokens": 1000, "completion_tokens": 10},
}


class _Server(ThreadingHTTPServer):
    seen: list[tuple[str, dict[str, str], dict[str, Any]]]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.seen.append((self.path, dict(self.headers), body))
        data = json.dumps(FINISH).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def fake_openai() -> Iterator[_Server]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.sandbox
def test_solve_with_an_openai_compatible_server(
    fake_openai: _Server,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    need("bubblewrap", check_backend(BubblewrapConfig()))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("HGM_TEST_SOLVE_KEY", SECRET)
    port = fake_openai.server_address[1]
    code, out, err = hgm(
        monkeypatch, capsys, "solve", "--bench", "exercises", "--task", "python/word-frequency",
        "--provider", "openai", "--model", "my-model", "--base-url",
        f"http://127.0.0.1:{port}/v1", "--api-key-env", "HGM_TEST_SOLVE_KEY",
        "--timeout", "120", "--out", str(tmp_path / "out"), "--json",
    )  # fmt: skip
    assert code == 0, err
    record = json.loads(out)
    assert record["resolved"] is False and record["grade"]["empty_diff"] is True
    assert record["run"]["stop_reason"] == "finished"
    usage = record["run"]["usage"]
    assert usage.pop("stored_bytes") > 0
    assert usage == {
        "calls": 1, "input_tokens": 1000, "output_tokens": 10, "cost_usd": 0.0, "tokens": 1010,
        "refused": 0, "throttled": 0,
    }  # fmt: skip
    [(path, headers, body)] = fake_openai.seen
    assert path == "/v1/chat/completions"
    assert headers["Authorization"] == f"Bearer {SECRET}"
    assert body["model"] == "my-model"
    job_dir = Path(record["run"]["job_dir"])
    for file in job_dir.rglob("*"):
        if file.is_file() and not file.is_symlink():
            assert SECRET.encode() not in file.read_bytes(), file
