"""`hgm doctor`: the table, the JSON, key presence without values, local server probing."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from typer.testing import CliRunner

from hgm.cli.app import app
from hgm.sandbox import BubblewrapConfig, check_backend
from hgm.search.compiled_draws import COMPILED

SECRET = "sk-test-value-that-must-never-be-printed"


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)


def run_json(*args: str) -> dict[str, dict[str, object]]:
    result = CliRunner().invoke(app, ["doctor", "--json", *args])
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    checks = json.loads(result.output)["checks"]
    return {f"{c['area']}/{c['name']}": c for c in checks}


def test_json_reports_every_area() -> None:
    checks = run_json()
    for key in ("sandbox/bubblewrap", "sandbox/docker", "sandbox/unsafe-local", "grading/git"):
        assert key in checks
    assert "toolchain/python" in checks
    for limit in ("wall_s", "memory_mb", "pids", "disk_mb, files", "tmpfs"):
        assert checks[f"limit/{limit}"]["detail"], limit
    memory = checks["limit/memory_mb"]
    assert "cgroup" in str(memory["detail"]) or "RLIMIT_DATA" in str(memory["detail"])
    assert checks["sandbox/bubblewrap"]["ok"] is (check_backend(BubblewrapConfig()) is None)
    assert checks["provider/openai"]["status"] == "configured"
    assert checks["provider/anthropic"]["status"] == "absent"
    assert "export" in str(checks["provider/anthropic"]["detail"])
    assert checks["search/compiled draws"]["ok"] is (COMPILED is not None)
    assert checks["search/compiled draws"]["essential"] is False  # numpy draws the same
    for check in checks.values():
        if not check["ok"]:
            assert check["detail"], check


def test_table_output_never_shows_key_values() -> None:
    result = CliRunner().invoke(app, ["doctor"])
    assert result.exit_code == 0, result.output
    assert "hgm doctor" in result.output
    assert "OPENAI_API_KEY is set" in result.output
    assert SECRET not in result.output


class Models(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"data": [{"id": "tiny-local-model"}]}).encode()
        self.send_response(200 if self.path == "/v1/models" else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def local_server() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), Models)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_local_server_that_answers(local_server: str) -> None:
    check = run_json("--base-url", local_server)["provider/local server"]
    assert check["ok"] is True
    assert "tiny-local-model" in str(check["detail"])


def test_local_server_that_does_not_answer(local_server: str) -> None:
    check = run_json("--base-url", local_server.replace("/v1", "/nope"))["provider/local server"]
    assert check["ok"] is False
    assert "start the server" in str(check["detail"])


def test_remote_base_url_is_refused_with_exit_2() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hgm", "doctor", "--base-url", "http://example.com/v1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "only probes local servers" in done.stderr
    assert "Traceback" not in done.stderr
