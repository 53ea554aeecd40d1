"""The key of a provider that is really called never lands anywhere: not in the sandbox,
not in any file the job or the gateway writes (run.db, its write-ahead log, artifacts),
not in an answer, even when the provider echoes the key back in an error."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from llm_fakes import FakeUpstream, StartGateway, call, chat, openai_config, openai_reply

from components import need
from hgm.evolve.agent_dir import SEED_AGENT_DIR
from hgm.evolve.agent_task import AgentLimits, AgentTask
from hgm.evolve.harness import Harness
from hgm.llm import calls_for_job
from hgm.sandbox import BubblewrapConfig, Sandbox, check_backend, make_sandbox

pytestmark = pytest.mark.sandbox

SECRET = "sk-live-fake-provider-key-3b9d27e1"
CANARY = "canary-in-the-repo-51f0"
PROBE = Path(__file__).resolve().parents[1] / "evolve" / "scripts" / "probe.py"


def _tool_call(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"call_{name}",
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(arguments)},
    }


@pytest.fixture
def keyed_upstream(upstream: FakeUpstream) -> FakeUpstream:
    """An OpenAI-compatible model that needs the key, echoes it back in one error, and
    otherwise has the agent run the probe, then finish."""

    def answer(path: str, body: dict[str, Any]) -> tuple[int, Any]:
        headers = upstream.requests[-1][1]
        if headers.get("Authorization") != f"Bearer {SECRET}":
            return 401, {"error": {"message": "no key"}}
        messages = body["messages"]
        if messages[-1].get("content") == "echo the key":
            return 400, {"error": {"message": f"bad request for {headers['Authorization']}"}}
        if not any(m["role"] == "assistant" for m in messages):
            command = f"python probe.py {SECRET[::-1]} {CANARY[::-1]}"
            return 200, openai_reply(None, [_tool_call("bash", {"command": command})])
        return 200, openai_reply(None, [_tool_call("finish", {"summary": "probed"})])

    upstream.handler = answer
    return upstream


@pytest.fixture
def sandbox() -> Sandbox:
    need("bubblewrap", check_backend(BubblewrapConfig()))
    return make_sandbox(BubblewrapConfig())


@pytest.fixture
def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Git runs with a HOME of the test's own; the key is in hgm's environment only."""
    home = tmp_path / "home"
    home.mkdir()
    for name, value in (("HOME", home), ("XDG_CONFIG_HOME", home / ".config")):
        monkeypatch.setenv(name, str(value))
    monkeypatch.setenv("HGM_TEST_PROVIDER_KEY", SECRET)


def _files_holding(root: Path, needle: bytes) -> list[str]:
    found = []
    for directory, _, names in os.walk(root):
        for name in names:
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink() and needle in path.read_bytes():
                found.append(str(path))
    return found


def test_a_called_providers_key_is_in_no_file_the_run_writes(
    sandbox: Sandbox,
    keyed_upstream: FakeUpstream,
    start_gateway: StartGateway,
    short_dir: Path,
    private_home: None,
) -> None:
    config = openai_config(keyed_upstream)
    config["providers"]["fake"]["api_key_env"] = "HGM_TEST_PROVIDER_KEY"
    gateway = start_gateway(config)
    harness = Harness(sandbox, gateway, "run-1", AgentLimits(wall_s=120, grace_s=5))

    def plant(repo: Path) -> None:
        shutil.copy(PROBE, repo / "probe.py")
        (repo / "notes.txt").write_text(CANARY + "\n")

    task = AgentTask("probe", "Look around.", "python")
    run = harness.run_agent(
        SEED_AGENT_DIR, task, short_dir / "job", repo=plant, role="task", agent="0", job="probe"
    )
    assert run.stop_reason == "finished", run.process.stderr_tail
    token = gateway.open_job("run-1", "host", "echo", "task")
    status, answer = call(gateway.socket_path, token, chat("echo the key"))
    assert status == 502 and "provider key withheld" in answer["error"]["message"]
    gateway.close_job(token)

    calls = calls_for_job(short_dir / "run.db", "probe")
    assert [c.status for c in calls] == ["ok", "ok"] and len(keyed_upstream.requests) == 3
    tool_output = calls[-1].request["messages"][-1]["content"]
    report = json.loads(tool_output[tool_output.index("PROBE ") + 6 :].splitlines()[0])
    assert report["secret"] == [] and str(run.repo_dir / "notes.txt") in report["canary"]

    wal = short_dir / "run.db-wal"
    assert wal.is_file() and b"PROBE" in wal.read_bytes()  # the calls sit in the log for now
    assert _files_holding(short_dir, b"PROBE")  # the scan below does read what was written
    assert _files_holding(short_dir, SECRET.encode()) == []
    gateway.stop()
    assert _files_holding(short_dir, b"PROBE") and not wal.exists()
    assert _files_holding(short_dir, SECRET.encode()) == []
