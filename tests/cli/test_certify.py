"""`hgm certify` on a sim run (held-out tasks, reuse of graded pairs, bad input) and the
statistics it reports (Wilson, Newcombe's paired interval, exact McNemar)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from cli_helpers import assert_exit_2, assert_one_message_exit_2, hgm, make_sim_run

from components import need
from hgm.archive import Archive
from hgm.engine.events import AgentCreated, ExpansionFinished, ExpansionStarted
from hgm.evolve.agent_dir import SEED_AGENT_DIR
from hgm.evolve.certify_stats import mcnemar_exact, paired_difference, wilson
from hgm.evolve.quickstart import ANCHOR, GUIDELINES, PROMPTS_FILE, guideline, skill_of
from hgm.runconfig.templates import starter_config
from hgm.sandbox import BubblewrapConfig, check_backend
from hgm.search.selection import select_final
from hgm.store.run_dir import RunDir, RunLock
from hgm.store.run_store import RunStore

SIM_CONFIG = """
[run]
name = "certify-sim"
seed = 5
workers = 2

[budget]
task_evals = 40

[world]
kind = "sim"
heldout_tasks = 25

[world.sim]
kind = "drift"
root_skill = 0.3
drift_sd = 0.1
n_tasks = 20
"""


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    return make_sim_run(tmp_path, SIM_CONFIG)


def _table(run_dir: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(run_dir / "run.db") as db:
        return db.execute(query).fetchall()


def test_certify_grades_the_shipped_agent_and_the_root_on_held_out_tasks_once(
    run_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _table(run_dir, "SELECT * FROM evaluations ORDER BY job")
    code, out, _ = hgm(monkeypatch, capsys, "certify", str(run_dir), "--json")
    assert code == 0
    report = json.loads(out)
    with RunStore.open_for_reading(run_dir / "run.db") as store:
        shipped = select_final(store.tree(), "best-belief", 0.01).agent
    heldout = [f"task-{i:04d}" for i in range(20, 45)]
    assert report["tasks"] == {"which": "held-out", "count": 25, "ids": heldout}
    assert (report["agent"]["agent"], report["root"]["agent"]) == (shipped, 0)
    assert shipped != 0  # the run found a child to ship; the comparison is between two agents
    rows = _table(run_dir, "SELECT agent, task, success FROM certifications ORDER BY agent, task")
    assert [(agent, task) for agent, task, _ in rows] == [
        (agent, task) for agent in sorted({0, shipped}) for task in heldout
    ]
    solved = {agent: sum(success for a, _, success in rows if a == agent) for agent in (0, shipped)}
    assert (report["agent"]["resolved"], report["root"]["resolved"]) == (solved[shipped], solved[0])
    assert report["agent"]["ci95"] == pytest.approx(list(wilson(solved[shipped], 25)))
    outcomes = {(a, t): bool(s) for a, t, s in rows}
    expected = paired_difference(
        [outcomes[shipped, t] for t in heldout], [outcomes[0, t] for t in heldout]
    )
    assert report["difference"]["estimate"] == pytest.approx(expected.estimate)
    assert report["difference"]["ci95"] == pytest.approx(list(expected.ci95))
    assert report["difference"]["mcnemar_p"] == pytest.approx(expected.mcnemar_p)
    assert (report["graded_now"], report["reused"]) == (50, 0)
    assert _table(run_dir, "SELECT * FROM evaluations ORDER BY job") == before

    code, again, _ = hgm(monkeypatch, capsys, "certify", str(run_dir), "--json")
    second = json.loads(again)
    assert (code, second["graded_now"], second["reused"]) == (0, 0, 50)
    assert (second["agent"], second["difference"]) == (report["agent"], report["difference"])


def test_tasks_all_reproduces_the_runs_own_results_on_the_search_tasks(
    run_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = hgm(
        monkeypatch, capsys, "certify", str(run_dir), "0", "--tasks", "all", "--json"
    )
    report = json.loads(out)
    assert code == 0
    assert report["tasks"]["count"] == 45
    assert report["agent"] == report["root"]  # agent 0 is the root: graded once, compared to itself
    assert report["difference"]["estimate"] == 0.0
    searched = _table(run_dir, "SELECT task, success FROM evaluations WHERE agent = 0")
    certified = dict(_table(run_dir, "SELECT task, success FROM certifications WHERE agent = 0"))
    assert searched  # the same world: a task the search graded gets the same result again
    assert all(certified[task] == success for task, success in searched)


def test_tasks_n_takes_the_first_n_held_out_tasks_and_human_output_names_the_methods(
    run_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = hgm(monkeypatch, capsys, "certify", str(run_dir), "2", "--tasks", "3")
    assert code == 0
    assert "certification on 3 tasks" in out
    assert "Wilson" in out and "Newcombe" in out and "McNemar" in out
    rows = _table(run_dir, "SELECT agent, task FROM certifications ORDER BY agent, task")
    assert rows == [(a, f"task-{i:04d}") for a in (0, 2) for i in (20, 21, 22)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tasks", "most"], "--tasks 'most' is not allowed: use held-out, all"),
        (["--tasks", "26"], "--tasks 26: the run has 25 held-out tasks; use 1..25"),
        (["--tasks", "0"], "--tasks 0: the run has 25 held-out tasks"),
        (["99"], "no agent 99 in this run"),
    ],
)
def test_bad_input_is_one_message_and_exit_2(
    args: list[str],
    message: str,
    run_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert_one_message_exit_2(hgm(monkeypatch, capsys, "certify", str(run_dir), *args), message)


def test_a_run_without_held_out_tasks_says_how_to_add_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_sim_run(tmp_path, SIM_CONFIG.replace("heldout_tasks = 25", "").replace("40", "6"))
    assert_exit_2(
        hgm(monkeypatch, capsys, "certify", str(path)),
        "no held-out tasks to certify on: add `heldout_tasks = 20` under [world]",
    )
    assert _table(path, "SELECT name FROM sqlite_master WHERE name = 'certifications'") == []


def test_certify_refuses_a_run_that_another_process_drives(
    run_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with RunLock(run_dir / "run.lock"):
        result = hgm(monkeypatch, capsys, "certify", str(run_dir))
    assert_exit_2(result, "being driven by another process")


def test_wilson_interval_matches_known_values() -> None:
    assert wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson(10, 10) == pytest.approx((0.7225, 1.0), abs=1e-4)
    assert wilson(0, 0) == (0.0, 1.0)


def test_paired_interval_matches_newcombes_worked_example() -> None:
    # Newcombe (1998), paired 2x2 table 12 / 9 / 2 / 21: method 10 gives 0.0112 to 0.2954
    agent = [True] * 21 + [False] * 23
    root = [True] * 12 + [False] * 9 + [True] * 2 + [False] * 21
    result = paired_difference(agent, root)
    assert (result.both, result.agent_only, result.root_only, result.neither) == (12, 9, 2, 21)
    assert result.estimate == pytest.approx(7 / 44)
    assert result.ci95 == pytest.approx((0.0112, 0.2954), abs=1e-4)
    assert result.mcnemar_p == pytest.approx(134 / 2048)  # 2 * P(X <= 2), X ~ Bin(11, 1/2)


def test_paired_interval_is_sane_at_the_edges() -> None:
    same = paired_difference([True, False, True], [True, False, True])
    assert same.estimate == 0.0 and same.ci95[0] < 0.0 < same.ci95[1]
    assert same.mcnemar_p == 1.0
    all_better = paired_difference([True] * 8, [False] * 8)
    assert all_better.estimate == 1.0
    assert 0.0 < all_better.ci95[0] < 1.0 and all_better.ci95[1] == 1.0
    assert mcnemar_exact(8, 0) == pytest.approx(2 / 256)
    with pytest.raises(ValueError, match="same tasks"):
        paired_difference([True], [True, False])


def _improved_seed_agent(dest: Path) -> Path:
    """The seed agent with every quick-start guideline in its system prompt (a better agent)."""
    shutil.copytree(SEED_AGENT_DIR, dest, ignore=shutil.ignore_patterns("__pycache__"))
    prompts = dest / PROMPTS_FILE
    lines = [line for category in range(len(GUIDELINES)) if (line := guideline(category))]
    text = prompts.read_text()
    assert ANCHOR in text
    prompts.write_text(text.replace(ANCHOR, "\n".join(lines) + "\n\n" + ANCHOR, 1))
    return dest


@pytest.fixture
def real_run(tmp_path: Path) -> Path:
    """A real-world run (quick start: humaneval, scripted model) made with the public APIs:
    root 0 = the seed agent, agent 1 = the seed agent with every guideline learnt."""
    need("bubblewrap", check_backend(BubblewrapConfig()))
    text = starter_config("humaneval", "scripted").replace("heldout_size = 30", "heldout_size = 4")
    run = RunDir.create(tmp_path / "run", text.replace("size = 30 ", "size = 2 "))
    archive = Archive.create(run.path / "agents.git", SEED_AGENT_DIR)
    better = _improved_seed_agent(tmp_path / "better")
    archive.commit_child(0, 1, better, "learn every guideline", {"problem_statement": "all"})
    with RunStore.open_for_writing(run.db_path) as store:
        store.notify(AgentCreated(agent=0, parent=None, time=0.0))
        store.notify(ExpansionStarted(job=1, parent=0, child=1, time=0.0))
        store.notify(ExpansionFinished(1, 0, 1, True, "", 0.0, 0.0, 1.0))
        store.notify(AgentCreated(agent=1, parent=0, time=1.0, job=1))
    return run.path


def test_certify_a_real_agent_in_the_sandbox_through_the_gateway(
    real_run: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = hgm(monkeypatch, capsys, "certify", str(real_run), "1", "--json")
    assert code == 0, err
    report = json.loads(out)
    heldout = report["tasks"]["ids"]
    assert len(heldout) == 4
    needs_no_guideline = [task for task in heldout if skill_of(task, 6) == 0]
    assert report["agent"]["resolved"] == 4  # the improved agent solves every held-out task
    assert report["root"]["resolved"] == len(needs_no_guideline) < 4
    assert report["difference"]["estimate"] == pytest.approx(1 - len(needs_no_guideline) / 4)
    with sqlite3.connect(real_run / "run.db") as db:
        calls = db.execute("SELECT DISTINCT run, agent, job, role FROM llm_calls").fetchall()
    assert {(run, role) for run, _, _, role in calls} == {("humaneval-scripted:certify", "task")}
    assert {job for _, _, job, _ in calls} == {
        f"certify-{agent}-{task}" for agent in (0, 1) for task in heldout
    }
    assert all((real_run / "artifacts" / job).is_dir() for _, _, job, _ in calls)
    code, again, _ = hgm(monkeypatch, capsys, "certify", str(real_run), "1", "--json")
    assert (code, json.loads(again)["graded_now"]) == (0, 0)
    shown = json.loads(hgm(monkeypatch, capsys, "show", str(real_run), "1", "--json")[1])
    assert sorted(row["task"] for row in shown["certifications"]) == sorted(heldout)
