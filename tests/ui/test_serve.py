"""`hgm ui` serving: a token when asked for (or made up off loopback), the Host check,
the JSON API answering, bad input refused with exit 2."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from browser import dashboard
from cli_helpers import assert_exit_2, hgm

from hgm.ui.serve import allowed_hosts, choose_token, is_loopback


def _get(url: str, host: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_token_and_host_checks(sim_run: Path) -> None:
    with dashboard(sim_run, extra=("--token", "secret-token-1")) as url:
        assert url.endswith("/?token=secret-token-1")
        base = url.split("?")[0]
        assert _get(base + "api/runs")[0] == 403
        code, body = _get(base + "api/runs?token=secret-token-1")
        assert code == 200 and json.loads(body)[0]["name"] == "ui-sim"
        port = base.rsplit(":", 1)[1].strip("/")
        assert _get(base + "api/runs?token=secret-token-1", host=f"evil.example:{port}")[0] == 403
        code, body = _get(base + "api/runs/0/state?v=-1&token=secret-token-1")
        state = json.loads(body)
        assert code == 200 and state["summary"]["counts"]["agents"] == len(state["nodes"])
        assert _get(base + "api/runs/0/agents/99999?token=secret-token-1")[0] == 404
        assert _get(base + "api/runs/7/state?token=secret-token-1")[0] == 404


def test_loopback_rules() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4")
    assert choose_token("127.0.0.1", None) is None
    made = choose_token("0.0.0.0", None)
    assert made is not None and len(made) >= 20
    assert allowed_hosts("0.0.0.0", 8000) == set()
    assert "127.0.0.1:8000" in allowed_hosts("127.0.0.1", 8000)


def test_bad_input_is_exit_2(
    tmp_path: Path,
    sim_run: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert_exit_2(hgm(monkeypatch, capsys, "ui", str(tmp_path / "nothing")), "no such run")
    assert_exit_2(hgm(monkeypatch, capsys, "ui", str(sim_run), "--token", "short"), "--token")
