"""`hgm llm check` and `hgm llm calls` (the sub-app in process; one run through the real entry)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hgm.cli.llm import app
from hgm.errors import UserError
from hgm.llm import Gateway
from hgm.llm.config import load_gateway_config
from hgm.llm.probe import post_chat

CONFIG = """
[llm.providers.script]
kind = "scripted"
price = { input_per_m = 1.0, output_per_m = 2.0 }

[[llm.providers.script.rules]]
when = { last_user = "single word (\\\\w+)" }
reply = { content = "${1}" }

[llm.providers.mute]
kind = "scripted"
rules = [{ when = { last_user = "^never$" }, reply = { content = "x" } }]

[llm.roles.task]
provider = "script"
model = "scripted-a"

[llm.roles.diagnose]
provider = "mute"
model = "scripted-b"
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "run.toml"
    path.write_text(CONFIG)
    return path


def _user_error(args: list[str]) -> str:
    result = CliRunner().invoke(app, args)
    assert isinstance(result.exception, UserError), result.output
    return str(result.exception)


def test_check_probes_each_role(config: Path) -> None:
    assert sorted(load_gateway_config(config).roles) == ["diagnose", "task"]
    result = CliRunner().invoke(app, ["check", str(config), "--role", "task", "--json"])
    assert result.exit_code == 0, result.output
    [probe] = json.loads(result.output)
    assert probe["ok"] and probe["answer"] == "OK" and probe["cost_usd"] > 0
    assert (probe["role"], probe["tools"], probe["tool_protocol"]) == ("task", "not probed", "auto")
    message = _user_error(["check", str(config)])
    assert message.startswith("role diagnose (provider 'mute', model 'scripted-b'): ")
    assert "the chat call failed (HTTP 400)" in message and "\n" not in message


def test_bad_input_is_a_user_error(config: Path, tmp_path: Path) -> None:
    assert "task, self_improve, diagnose" in _user_error(["check", str(config), "--role", "plan"])
    assert "no such file" in _user_error(["check", str(tmp_path / "absent.toml")])
    assert "no such run database" in _user_error(["calls", str(tmp_path / "absent.db"), "j"])
    config.write_text(CONFIG.replace('provider = "mute"', 'provider = "nobody"'))
    assert "configured providers: mute, script" in _user_error(["check", str(config)])


def test_calls_lists_a_jobs_trajectory(config: Path, tmp_path: Path, short_dir: Path) -> None:
    db = tmp_path / "run.db"
    with Gateway(load_gateway_config(config), socket_dir=short_dir, db_path=db, run="r") as gw:
        token = gw.open_job("r", "a", "job-7", "task")
        body = {"messages": [{"role": "user", "content": "say the single word hello"}]}
        assert post_chat(gw.socket_path, token, body, 10)[0] == 200
    table = CliRunner().invoke(app, ["calls", str(db), "job-7"], env={"COLUMNS": "200"})
    assert table.exit_code == 0
    [row] = [line for line in table.output.splitlines() if "say the single word" in line]
    assert row.split("│")[2].strip() == "ok" and row.split("│")[-2].strip() == "hello"
    full = json.loads(CliRunner().invoke(app, ["calls", str(db), "job-7", "--json"]).output)
    assert [call["status"] for call in full] == ["ok"] and full[0]["job"] == "job-7"
    assert "no LLM calls recorded" in _user_error(["calls", str(db), "job-8"])


def test_user_errors_exit_2_without_traceback_through_the_real_entry(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hgm", "llm", "check", str(tmp_path / "absent.toml")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2 and "no such file" in done.stderr
    assert "Traceback" not in done.stderr
