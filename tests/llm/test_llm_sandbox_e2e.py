"""End to end: a program in a real bubblewrap sandbox reaches the gateway only through the
relay with its job token, and cannot find the provider key or the host's processes."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from llm_fakes import FakeUpstream, StartGateway, call, chat, openai_config

from components import need
from hgm.llm import Gateway, agent_launch, calls_for_job
from hgm.sandbox import BubblewrapConfig, Limits, Sandbox, check_backend, make_sandbox

SECRET = "sk-test-e2e-provider-secret-7f3a9c"
PROBE = Path(__file__).with_name("programs") / "sandbox_probe.py"

pytestmark = pytest.mark.sandbox


def _probe(
    sandbox: Sandbox,
    gateway: Gateway,
    upstream: FakeUpstream,
    short_dir: Path,
    token: str,
    other: str,
    finished: str,
    planted_env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Run the probe as an agent: through the relay, in the sandbox, with the job's launch."""
    work = short_dir / "work"
    work.mkdir(exist_ok=True)
    shutil.copy(PROBE, work / "probe.py")
    launch = agent_launch(gateway, token, "task", python=sys.executable)
    command = launch.wrap(
        [sys.executable, "probe.py", SECRET[::-1], other, finished, str(upstream.port)]
    )
    if planted_env is None:
        assert SECRET not in json.dumps(
            [command, launch.env, [str(m.source) for m in launch.mounts]]
        )
    env = launch.env | (planted_env or {})
    done = sandbox.run(command, work, env, Limits(wall_s=60), launch.mounts)
    assert done.exit_code == 0, done.stderr_tail
    return json.loads(done.stdout_tail.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    need("bubblewrap", check_backend(BubblewrapConfig()))
    return make_sandbox(BubblewrapConfig())


@pytest.fixture(autouse=True)
def provider_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_PROVIDER_KEY", SECRET)


def test_agent_in_sandbox_uses_the_gateway_and_cannot_find_the_key(
    sandbox: Sandbox,
    upstream: FakeUpstream,
    start_gateway: StartGateway,
    short_dir: Path,
) -> None:
    gateway = start_gateway(openai_config(upstream))
    finished = gateway.open_job("run-1", "agent-0", "job-done", "task")
    assert call(gateway.socket_path, finished, chat())[0] == 200
    gateway.close_job(finished)
    other = gateway.open_job("run-1", "agent-1", "job-other", "task")
    token = gateway.open_job("run-1", "agent-2", "job-mine", "task")
    report = _probe(sandbox, gateway, upstream, short_dir, token, other, finished)

    assert report["own_status"] == 200 and report["own_content"] == "hello"
    assert report["socket_status"] == 200
    assert report["finished"][0] == 401
    assert report["finished"][1]["error"]["type"] == "invalid_token"
    assert report["other_status"] == 401  # the job's socket serves its own job only
    gateway.flush()
    [mine] = calls_for_job(short_dir / "run.db", "job-mine")
    assert mine.request["messages"][0]["content"] == "hello from the sandbox"
    assert calls_for_job(short_dir / "run.db", "job-other") == []
    assert len(calls_for_job(short_dir / "run.db", "job-done")) == 1

    assert report["leaks"] == []
    assert "FAKE_PROVIDER_KEY" not in report["key_names"]
    assert report["upstream_reachable"] is False and report["interfaces"] == ["lo"]
    assert report["hgm_dir"] == ["llm", "relay.py"] and report["gateway_dir"] == ["llm.sock"]
    host_command = " ".join(sys.argv)
    assert all("pytest" not in row and host_command not in row for row in report["processes"])
    assert len(report["processes"]) <= 4, report["processes"]
    assert upstream.requests[-1][1]["Authorization"] == f"Bearer {SECRET}"
    assert str(os.getpid()) not in report["processes"]


def test_the_probe_does_find_a_planted_key(
    sandbox: Sandbox,
    upstream: FakeUpstream,
    start_gateway: StartGateway,
    short_dir: Path,
) -> None:
    """The containment test above could not pass by a blind probe: planted leaks are found."""
    gateway = start_gateway(openai_config(upstream))
    token = gateway.open_job("run-1", "a", "j", "task")
    (short_dir / "work").mkdir()
    (short_dir / "work" / "notes.txt").write_text(f"key={SECRET}\n")
    report = _probe(sandbox, gateway, upstream, short_dir, token, "x", "y", {"PLANTED": SECRET})
    assert "PLANTED" in report["leaks"]
    assert str(short_dir / "work" / "notes.txt") in report["leaks"]
    assert any(path.endswith("/environ") for path in report["leaks"])
