"""`hgm show`, `hgm diff`, `hgm export`: on a sim run (no code) and on a real-world run
directory built with the public APIs (a git archive of agent versions, the run store, the
gateway's call record)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from cli_helpers import assert_exit_2, assert_one_message_exit_2, hgm, make_sim_run

from hgm.archive import Archive
from hgm.engine.events import (
    AgentCreated,
    EvaluationFinished,
    EvaluationStarted,
    ExpansionFinished,
    ExpansionStarted,
)
from hgm.llm.recording import CallRecord, CallRecorder
from hgm.runconfig.templates import starter_config
from hgm.store.run_dir import RunDir
from hgm.store.run_store import RunStore

SIM_CONFIG = """
[run]
name = "agents-sim"
seed = 11
workers = 2

[budget]
task_evals = 30

[world]
kind = "sim"

[world.sim]
kind = "fragile"
n_tasks = 15
fail_prob = 0.3
"""

STATEMENT = "The agent gives up when the tests print nothing; keep going until they pass."


@pytest.fixture(scope="module")
def sim_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sim_run(tmp_path_factory.mktemp("agents-sim"), SIM_CONFIG)


def _write_agent(directory: Path, prompt: str) -> Path:
    (directory / "agent").mkdir(parents=True)
    (directory / "agent" / "__main__.py").write_text("from agent.prompts import PROMPT\n")
    (directory / "agent" / "prompts.py").write_text(f"PROMPT = {prompt!r}\n")
    return directory


def _record_call(agent: int, job: str, role: str, cost: float) -> CallRecord:
    return CallRecord(
        run="real",
        agent=str(agent),
        job=job,
        role=role,
        provider="scripted",
        model="demo",
        started_at=time.time(),
        latency_s=0.1,
        status="ok",
        http_status=200,
        input_tokens=100,
        output_tokens=20,
        cost_usd=cost,
        attempts=1,
        tool_call_repairs=0,
        fingerprint="f",
        request={},
        response={},
        error=None,
    )


@pytest.fixture(scope="module")
def real_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Root 0 -> child 1 -> grandchild 2, a failed expansion of 1; evaluations; LLM calls."""
    root = tmp_path_factory.mktemp("agents-real")
    run = RunDir.create(root / "run", starter_config("humaneval", "scripted"))
    archive = Archive.create(run.path / "agents.git", _write_agent(root / "seed", "Be careful."))
    child = _write_agent(root / "child", "Be careful. Run the tests.")
    archive.commit_child(0, 1, child, "run the tests", {"problem_statement": STATEMENT})
    grandchild = _write_agent(root / "grandchild", "Be careful. Run the tests twice.")
    archive.commit_child(1, 2, grandchild, "twice", {"problem_statement": "Flaky tests."})
    entry = {"kind": "failed_task", "task": "HumanEval/3"}
    with RunStore.open_for_writing(run.db_path) as store:
        events = [
            AgentCreated(agent=0, parent=None, time=0.0),
            EvaluationStarted(job=1, agent=0, task="HumanEval/3", time=0.0),
            EvaluationFinished(1, 0, "HumanEval/3", False, 0.01, 0.0, 1.0),
            ExpansionStarted(job=2, parent=0, child=1, time=1.0),
            ExpansionFinished(
                2, 0, 1, True, "", 0.05, 1.0, 2.0, {"problem_statement": STATEMENT, "entry": entry}
            ),
            AgentCreated(agent=1, parent=0, time=2.0, job=2),
            EvaluationStarted(job=3, agent=1, task="HumanEval/3", time=2.0),
            EvaluationFinished(3, 1, "HumanEval/3", True, 0.02, 2.0, 3.0),
            EvaluationStarted(job=4, agent=1, task="HumanEval/7", time=2.0),
            EvaluationFinished(4, 1, "HumanEval/7", False, 0.03, 2.0, 3.5),
            ExpansionStarted(job=5, parent=1, child=3, time=3.5),
            ExpansionFinished(5, 1, 3, False, "child failed its own unit tests", 0.04, 3.5, 4.0),
            ExpansionStarted(job=6, parent=1, child=2, time=4.0),
            ExpansionFinished(6, 1, 2, True, "", 0.06, 4.0, 5.0, {"problem_statement": "Flaky"}),
            AgentCreated(agent=2, parent=1, time=5.0, job=6),
        ]
        for event in events:
            store.notify(event)
    recorder = CallRecorder(run.db_path)
    recorder.record(_record_call(0, "expand-1", "diagnose", 0.03))
    recorder.record(_record_call(0, "expand-1", "self_improve", 0.02))
    recorder.record(_record_call(1, "eval-1-HumanEval/3", "task", 0.02))
    recorder.record(_record_call(1, "eval-12-HumanEval/3", "task", 9.0))
    recorder.close()
    return run.path


def test_show_json_of_a_real_agent(
    real_run: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = hgm(monkeypatch, capsys, "show", str(real_run), "1", "--json")
    assert code == 0
    shown = json.loads(out)
    assert (shown["lineage"], shown["parent"], shown["children"]) == ([0, 1], 0, [2])
    assert (shown["own"]["successes"], shown["own"]["failures"], shown["own"]["mean"]) == (
        1,
        1,
        0.5,
    )
    low, high = shown["own"]["interval"]
    assert 0.0 < low < 0.5 < high < 1.0
    assert (shown["clade"]["successes"], shown["clade"]["failures"]) == (1, 1)
    assert shown["origin"]["problem_statement"] == STATEMENT
    assert shown["origin"]["entry"] == {"kind": "failed_task", "task": "HumanEval/3"}
    assert shown["origin"]["message"] == "run the tests"
    cost = shown["cost"]
    assert cost["expansion_usd"] == pytest.approx(0.05)
    assert cost["evaluations_usd"] == pytest.approx(0.05)
    assert cost["total_usd"] == pytest.approx(0.10)
    assert cost["llm_by_role"] == {
        "diagnose": {"calls": 1, "tokens": 120, "cost_usd": pytest.approx(0.03)},
        "self_improve": {"calls": 1, "tokens": 120, "cost_usd": pytest.approx(0.02)},
        "task": {"calls": 1, "tokens": 120, "cost_usd": pytest.approx(0.02)},
    }
    assert shown["failed_expansions"] == [
        {"job": 5, "child": 3, "reason": "child failed its own unit tests", "cost_usd": 0.04}
    ]
    assert [e["task"] for e in shown["evaluations"]] == ["HumanEval/3", "HumanEval/7"]


def test_show_prints_lineage_statement_cost_and_failures(
    real_run: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = hgm(monkeypatch, capsys, "show", str(real_run), "1")
    assert code == 0
    for text in ("0 -> 1", STATEMENT, "$0.1000", "child failed its own unit tests", "HumanEval/7"):
        assert text in out


def test_show_prints_text_written_by_agents_literally_not_as_rich_markup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    statement = "[bold]x[/bold] and pkg[extra]"
    reason = "pip install 'x[extra]' failed: [red]no such extra[/red]"
    run = RunDir.create(tmp_path / "run", starter_config("humaneval", "scripted"))
    archive = Archive.create(run.path / "agents.git", _write_agent(tmp_path / "seed", "Be."))
    child = _write_agent(tmp_path / "child", "Be careful.")
    archive.commit_child(0, 1, child, "[i]careful[/i]", {"problem_statement": statement})
    with RunStore.open_for_writing(run.db_path) as store:
        for event in (
            AgentCreated(agent=0, parent=None, time=0.0),
            ExpansionStarted(job=1, parent=0, child=1, time=0.0),
            ExpansionFinished(1, 0, 1, True, "", 0.0, 0.0, 1.0, {"problem_statement": statement}),
            AgentCreated(agent=1, parent=0, time=1.0, job=1),
            ExpansionStarted(job=2, parent=1, child=2, time=1.0),
            ExpansionFinished(2, 1, 2, False, reason, 0.0, 1.0, 2.0),
        ):
            store.notify(event)
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = hgm(monkeypatch, capsys, "show", str(run.path), "1")
    assert code == 0
    for text in (statement, reason, "[i]careful[/i]"):
        assert text in out


def test_diff_defaults_to_the_parent_and_takes_root_or_an_agent(
    real_run: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, parent_diff, _ = hgm(monkeypatch, capsys, "diff", str(real_run), "2")
    assert code == 0
    assert "-PROMPT = 'Be careful. Run the tests.'" in parent_diff
    assert "+PROMPT = 'Be careful. Run the tests twice.'" in parent_diff
    for against in ("ROOT", "0", "root"):
        code, root_diff, _ = hgm(
            monkeypatch, capsys, "diff", str(real_run), "2", "--against", against
        )
        assert code == 0
        assert "-PROMPT = 'Be careful.'" in root_diff
    code, same, _ = hgm(monkeypatch, capsys, "diff", str(real_run), "2", "--against", "2")
    assert (code, same) == (0, "")


def test_export_writes_the_version_and_its_lineage_manifest(
    real_run: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    dest = tmp_path / "exported"
    code, out, _ = hgm(monkeypatch, capsys, "export", str(real_run), "2", str(dest))
    assert code == 0 and "3 lineage steps" in out
    assert (
        dest / "agent" / "prompts.py"
    ).read_text() == "PROMPT = 'Be careful. Run the tests twice.'\n"
    manifest = json.loads((dest / "LINEAGE.json").read_text())
    steps = manifest["lineage"]
    assert [step["agent"] for step in steps] == [0, 1, 2]
    assert steps[0]["diff"] is None and "twice" in steps[2]["diff"]
    assert steps[1]["metadata"]["problem_statement"] == STATEMENT
    record = steps[1]["record"]
    assert record["admitted"] is True
    assert [(e["task"], e["success"]) for e in record["evaluations"]] == [
        ("HumanEval/3", True),
        ("HumanEval/7", False),
    ]
    assert record["expansion"]["cost_usd"] == 0.05
    assert steps[2]["record"]["evaluations"] == []
    code, _, err = hgm(monkeypatch, capsys, "export", str(real_run), "2", str(dest))
    assert (code, err) == (
        2,
        f"error: {dest} already exists and is not empty: choose a new directory\n",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "7"], "no agent 7 in this run (3 agents, ids 0..2)"),
        (["diff", "9"], "no agent 9 in this run"),
        (["diff", "1", "--against", "5"], "no agent 5 in this run"),
        (["diff", "1", "--against", "grandparent"], "use PARENT, ROOT or an agent id"),
        (["export", "4", "out"], "no agent 4 in this run"),
    ],
)
def test_bad_agent_input_is_one_message_and_exit_2(
    args: list[str],
    message: str,
    real_run: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    command, *rest = args
    assert_one_message_exit_2(hgm(monkeypatch, capsys, command, str(real_run), *rest), message)


def test_show_of_a_sim_agent_has_its_results_and_true_skill(
    sim_run: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with RunStore.open_for_reading(sim_run / "run.db") as store:
        tree = store.tree()
    agent = max(tree.agents(), key=lambda a: (tree.depth(a), a))
    code, out, _ = hgm(monkeypatch, capsys, "show", str(sim_run), str(agent), "--json")
    shown = json.loads(out)
    assert code == 0
    lineage = [agent]
    while (parent := tree.parent(lineage[0])) is not None:
        lineage.insert(0, parent)
    assert shown["lineage"] == lineage and lineage[0] == 0
    assert shown["own"]["successes"] == tree.own_successes(agent)
    assert shown["clade"]["failures"] == tree.clade_failures(agent)
    assert 0.0 <= shown["origin"]["true_skill"] <= 1.0
    assert shown["cost"]["llm_by_role"] is None  # no gateway in a simulated world
    failed = 0
    for each in tree.agents():
        report = json.loads(hgm(monkeypatch, capsys, "show", str(sim_run), str(each), "--json")[1])
        failed += len(report["failed_expansions"])
        assert all(f["reason"] for f in report["failed_expansions"])
    assert failed == tree.clade_failed_expansions(0) > 0  # fail_prob = 0.3


@pytest.mark.parametrize("command", ["diff", "export"])
def test_sim_agents_have_no_code_to_diff_or_export(
    command: str,
    sim_run: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    extra = [str(tmp_path / "out")] if command == "export" else []
    result = hgm(monkeypatch, capsys, command, str(sim_run), "1", *extra)
    assert_exit_2(result, "sim agents have no code")
    assert not (tmp_path / "out").exists()
