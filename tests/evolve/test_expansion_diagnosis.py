"""Diagnosis through a real gateway (scripted provider): one role, retries on bad JSON,
every call attributed to the expansion job; and what the diagnosis is shown."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from hgm.evolve.agent_dir import SEED_AGENT_DIR
from hgm.evolve.diagnosis import (
    DiagnosisFailed,
    DiagnosisInput,
    agent_source,
    build_messages,
    diagnose,
    evaluation_texts,
)
from hgm.evolve.entries import Entry, PastEvaluation
from hgm.llm import (
    Gateway,
    GatewayConfig,
    RoleModel,
    ScriptedProviderConfig,
    ScriptMatch,
    ScriptReply,
    ScriptRule,
    calls_for_job,
)

GOOD = json.dumps(
    {
        "log_summary": "it stopped early",
        "potential_improvements": ["plan first"],
        "improvement_proposal": "add a planning step",
        "implementation_suggestion": "edit prompts.py",
        "problem_description": "The agent does not plan.",
    }
)


def start(rules: list[ScriptRule], db: Path) -> Gateway:
    config = GatewayConfig(
        providers={"s": ScriptedProviderConfig(rules=rules)},
        roles={"diagnose": RoleModel(provider="s", model="m")},
    )
    socket_dir = Path(tempfile.mkdtemp(prefix="hgm-test-gw-", dir="/tmp"))
    return Gateway(config, socket_dir=socket_dir / "s", db_path=db, run="r").start()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "run.db"


@pytest.fixture
def retrying_gateway(db: Path) -> Iterator[Gateway]:
    rules = [
        ScriptRule(when=ScriptMatch(turn=0), reply=ScriptReply(content="I think it is fine.")),
        ScriptRule(when=ScriptMatch(turn=1), reply=ScriptReply(content='{"log_summary": 1')),
        ScriptRule(when=ScriptMatch(last_user="not the JSON"), reply=ScriptReply(content=GOOD)),
    ]
    gateway = start(rules, db)
    yield gateway
    gateway.stop()
    shutil.rmtree(gateway.socket_dir.parent, ignore_errors=True)


MESSAGES = [{"role": "user", "content": "TASK ID: t\nwhat went wrong?"}]


def test_bad_answers_are_retried_and_attributed_to_the_job(
    retrying_gateway: Gateway, db: Path
) -> None:
    diagnosis = diagnose(retrying_gateway, "r", "3", "expand-7", MESSAGES, attempts=3)
    assert diagnosis.problem_description == "The agent does not plan."
    calls = calls_for_job(db, "expand-7")
    assert [(c.role, c.agent, c.status) for c in calls] == [("diagnose", "3", "ok")] * 3
    retry = calls[-1].request["messages"][-1]["content"]
    assert "invalid JSON" in retry


def test_too_many_bad_answers_fail_the_expansion(retrying_gateway: Gateway, db: Path) -> None:
    with pytest.raises(DiagnosisFailed, match="after 2 attempts"):
        diagnose(retrying_gateway, "r", "0", "expand-1", MESSAGES, attempts=2)
    assert len(calls_for_job(db, "expand-1")) == 2


def test_a_gateway_refusal_fails_at_once(db: Path) -> None:
    gateway = start([], db)  # no rule matches: the provider errors
    try:
        with pytest.raises(DiagnosisFailed, match="HTTP"):
            diagnose(gateway, "r", "0", "expand-2", MESSAGES, attempts=3)
    finally:
        gateway.stop()
        shutil.rmtree(gateway.socket_dir.parent, ignore_errors=True)
    assert len(calls_for_job(db, "expand-2")) == 1


def test_the_prompt_shows_source_task_diff_and_tests(tmp_path: Path) -> None:
    record = {
        "run": {"diff": "--- a/solution.py\n+++ b/solution.py\n@@ -1 +1 @@\n-x\n+y\n"},
        "grade": {
            "resolved": False,
            "tests": [{"name": "check", "passed": False}],
            "error": "",
            "log_tail": "AssertionError: expected 3",
        },
    }
    (tmp_path / "record.json").write_text(json.dumps(record))
    past = PastEvaluation(0, "T-1", False, {"job": "eval-0-T-1", "artifacts": str(tmp_path)})
    diff, tests = evaluation_texts(past, 10_000)
    source = agent_source(SEED_AGENT_DIR, 200_000)
    assert source.startswith("--- AGENT.md ---")
    assert "coding_agent/prompts.py" in source
    assert len(agent_source(SEED_AGENT_DIR, 5_000)) < 8_000
    given = DiagnosisInput(
        entry=Entry("failed_task", "agent 0 failed task T-1", task="T-1", evaluation=past),
        source=source,
        lineage="",
        instructions="Complete the function.",
        trajectory="[user] Task T-1 (python).",
        diff=diff,
        tests=tests,
    )
    system, user = build_messages(given)
    assert system["role"] == "system"
    text = user["content"]
    for expected in ("ENTRY: failed_task\n", "TASK ID: T-1\n", "+y", "check: FAILED"):
        assert expected in text
    assert "AssertionError: expected 3" in text
    assert "problem_description" in text
