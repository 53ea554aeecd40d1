"""Preflight: what is wrong and how to fix it, before a real run spends anything."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hgm.evolve.agent_dir import SEED_AGENT_DIR, copy_agent
from hgm.evolve.preflight import key_problems, preflight, provider_problems
from hgm.runconfig.real_world import RealWorldSection
from hgm.sandbox import BubblewrapConfig, check_backend

MISSING_KEY = "HGM_TEST_KEY_THAT_IS_NOT_SET"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def llm(**provider: Any) -> dict[str, Any]:
    roles = {role: {"provider": "p", "model": "m"} for role in ("task", "self_improve", "diagnose")}
    providers = {"p": {"kind": "openai", **provider}}
    return {"providers": providers, "roles": roles, "retry": {"attempts": 1}}


def section(**world: Any) -> RealWorldSection:
    return RealWorldSection.model_validate(
        {"kind": "real", "bench": {"name": "humaneval", "subset": {"size": 2}}, **world}
    )


def test_a_missing_key_is_named_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MISSING_KEY, raising=False)
    problems = provider_problems(section(llm=llm(api_key_env=MISSING_KEY)))
    assert len(problems) == 1
    assert MISSING_KEY in problems[0] and f"export {MISSING_KEY}=" in problems[0]
    monkeypatch.setenv(MISSING_KEY, "sk-present")
    assert key_problems(section(llm=llm(api_key_env=MISSING_KEY))) == []


def test_a_dead_endpoint_is_one_problem_for_every_role() -> None:
    dead = f"http://127.0.0.1:{free_port()}/v1"
    problems = provider_problems(section(llm=llm(base_url=dead, api_key_env="")))
    assert len(problems) == 1
    assert problems[0].startswith("roles diagnose, self_improve, task (provider 'p', model 'm')")
    assert f"cannot reach {dead}/chat/completions" in problems[0]
    assert "start the model server, or fix `base_url`" in problems[0]


@pytest.mark.sandbox
@pytest.mark.slow
def test_a_root_agent_that_breaks_the_contract_is_reported(tmp_path: Path) -> None:
    if problem := check_backend(BubblewrapConfig()):
        pytest.skip(f"bubblewrap unusable here: {problem}")
    agent = tmp_path / "my-agent"
    copy_agent(SEED_AGENT_DIR, agent)
    (agent / "tests" / "test_zz_broken.py").write_text(
        "import unittest\n\n\nclass T(unittest.TestCase):\n"
        "    def test_fails(self):\n        self.fail('broken on purpose')\n"
    )
    problems = preflight(section(quickstart={}, agent={"source": str(agent)}))
    assert len(problems) == 1
    assert problems[0].startswith("the root agent breaks the agent contract: unit tests failed")
    assert preflight(section(quickstart={})) == []
    missing = preflight(section(quickstart={}, agent={"source": str(tmp_path / "nowhere")}))
    assert missing and "does not exist" in missing[0]


@pytest.mark.sandbox
@pytest.mark.slow
def test_hgm_run_stops_before_spending_with_one_clear_message(tmp_path: Path) -> None:
    if problem := check_backend(BubblewrapConfig()):
        pytest.skip(f"bubblewrap unusable here: {problem}")
    config = tmp_path / "run.toml"
    config.write_text(
        f"""
[run]
name = "nokey"
[budget]
task_evals = 5
[world]
kind = "real"
[world.llm.providers.openai]
kind = "openai"
api_key_env = "{MISSING_KEY}"
[world.llm.roles.task]
provider = "openai"
model = "gpt-4.1-mini"
[world.llm.roles.self_improve]
provider = "openai"
model = "gpt-4.1-mini"
[world.llm.roles.diagnose]
provider = "openai"
model = "gpt-4.1-mini"
[world.bench]
name = "humaneval"
[world.bench.subset]
size = 3
"""
    )
    env = {key: value for key, value in os.environ.items() if key != MISSING_KEY}
    env |= {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / ".config")}
    run = tmp_path / "run"
    done = subprocess.run(
        [sys.executable, "-m", "hgm", "run", str(config), "--run-dir", str(run)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    assert "the run cannot start" in done.stderr and MISSING_KEY in done.stderr
    assert "Traceback" not in done.stderr
    assert not run.exists()  # checked before the run directory is made: fix and run again
