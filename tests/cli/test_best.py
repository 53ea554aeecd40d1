"""`hgm best` and `hgm status --json` on a real run directory made by a short sim run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import assert_exit_2, assert_one_message_exit_2, hgm, make_sim_run

from hgm.engine.events import EvaluationStarted, ExpansionStarted, JobPlaced
from hgm.search.selection import select_final
from hgm.search.tree import Tree
from hgm.store.run_dir import RunLock
from hgm.store.run_store import RunStore

SIM_CONFIG = """
[run]
name = "best-sim"
seed = 3
workers = 3

[budget]
task_evals = 40

[select]
rule = "best-mean"

[world]
kind = "sim"

[world.sim]
kind = "drift"
root_skill = 0.4
n_tasks = 20
"""


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sim_run(tmp_path_factory.mktemp("best"), SIM_CONFIG)


def _tree(run_dir: Path) -> Tree:
    with RunStore.open_for_reading(run_dir / "run.db") as store:
        return store.tree()


def test_best_uses_the_runs_select_rule_by_default(
    run_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = hgm(monkeypatch, capsys, "best", str(run_dir), "--json")
    assert code == 0
    shown = json.loads(out)
    expected = select_final(_tree(run_dir), "best-mean", 0.01)
    assert (shown["rule"], shown["agent"]) == ("best-mean", expected.agent)
    assert shown["mean"] == pytest.approx(expected.mean)
    assert shown["interval"] == pytest.approx([expected.low, expected.high])
    assert shown["evaluations"] == expected.n > 0
    assert shown["successes"] == round(expected.mean * expected.n)


@pytest.mark.parametrize("rule", ["best-belief", "best-mean", "lcb"])
def test_best_with_each_rule_matches_the_selection_on_the_stored_tree(
    rule: str, run_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = hgm(
        monkeypatch, capsys, "best", str(run_dir), "--rule", rule, "--epsilon", "0.05", "--json"
    )
    assert code == 0
    expected = select_final(_tree(run_dir), rule, 0.05)
    shown = json.loads(out)
    assert (shown["agent"], shown["epsilon"], shown["evaluations"]) == (
        expected.agent,
        0.05,
        expected.n,
    )


def test_best_prints_a_sentence_with_the_interval(
    run_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = hgm(monkeypatch, capsys, "best", str(run_dir), "--rule", "best-belief")
    expected = select_final(_tree(run_dir), "best-belief", 0.01)
    assert code == 0
    assert f"agent {expected.agent} (best-belief)" in out
    assert f"[{expected.low:.3f}, " in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rule", "best"], "--rule 'best' is not allowed; use one of best-belief"),
        (["--epsilon", "0.7"], "epsilon must be in (0, 0.5)"),
    ],
)
def test_bad_best_options_are_one_message_and_exit_2(
    args: list[str],
    message: str,
    run_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert_one_message_exit_2(hgm(monkeypatch, capsys, "best", str(run_dir), *args), message)


def test_best_of_a_directory_that_is_not_a_run_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert_exit_2(hgm(monkeypatch, capsys, "best", str(tmp_path)), "not a run directory")


def test_status_json_has_what_the_live_view_shows(
    run_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = hgm(monkeypatch, capsys, "status", str(run_dir), "--json")
    status = json.loads(out)
    expected = select_final(_tree(run_dir), "best-mean", 0.01)
    assert code == 0
    assert (status["workers"], status["budget_task_evals"], status["task_evals_done"]) == (
        3,
        40,
        40,
    )
    assert status["budget_money_usd"] is None
    assert status["running"] == []  # finished: no worker is busy
    assert status["best"]["agent"] == expected.agent
    assert status["best"]["interval"] == pytest.approx([expected.low, expected.high])
    assert status["agents"] == len(_tree(run_dir))


def test_status_json_lists_the_jobs_of_a_driven_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "sim.toml"
    config.write_text(SIM_CONFIG.replace("task_evals = 40", "task_evals = 6"))
    path = tmp_path / "run"
    assert hgm(monkeypatch, capsys, "run", str(config), "--run-dir", str(path))[0] == 0
    with RunStore.open_for_writing(path / "run.db") as store:  # a session that is still going
        store.notify(EvaluationStarted(job=900, agent=0, task="task-0019", time=12.5))
        store.notify(ExpansionStarted(job=901, parent=0, child=77, time=13.0))
        store.notify(JobPlaced(job=901, node="gpu-3/8e247cc6", attempt=2, time=13.2))
    with RunLock(path / "run.lock"):  # as if a process drove it right now
        code, out, _ = hgm(monkeypatch, capsys, "status", str(path), "--json")
        monkeypatch.setenv("COLUMNS", "200")
        human = hgm(monkeypatch, capsys, "status", str(path))[1]
    status = json.loads(out)
    assert (code, status["state"]) == (0, "running")
    assert status["running"] == [
        {
            "job": 900,
            "kind": "evaluate",
            "agent": 0,
            "child": None,
            "task": "task-0019",
            "since": 12.5,
            "node": None,
        },
        {
            "job": 901,
            "kind": "expand",
            "agent": 0,
            "child": 77,
            "task": None,
            "since": 13.0,
            "node": "gpu-3/8e247cc6",
        },
    ]
    assert any(line.split() == ["workers", "busy", "2", "/", "3"] for line in human.splitlines())
    assert "job 900: evaluate 0 on task-0019 (since 12.5)" in human
    assert "job 901: expand 0 -> 77 on node gpu-3/8e247cc6 (since 13.0)" in human
