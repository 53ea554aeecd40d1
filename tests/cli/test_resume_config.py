"""`hgm resume` with an edited run.toml: more budget and another number of workers are taken
and recorded; any other edit is refused, named, and changes nothing."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from cli_helpers import assert_exit_2, hgm, make_sim_run

from hgm.store.run_dir import RunDir

REPO = Path(__file__).resolve().parents[2]
SMALL = (REPO / "examples" / "sim.toml").read_text().replace("task_evals = 300", "task_evals = 12")


@pytest.fixture
def finished(tmp_path: Path) -> Path:
    return make_sim_run(tmp_path, SMALL)


def _edit(run_dir: Path, *changes: tuple[str, str]) -> None:
    config = run_dir / "run.toml"
    text = config.read_text()
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    config.write_text(text)


def _table(run_dir: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(run_dir / "run.db") as connection:
        return connection.execute(sql).fetchall()


def test_more_budget_and_other_workers_continue_a_finished_run_and_are_recorded(
    finished: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(finished, ("task_evals = 12", "task_evals = 20"), ("workers = 4", "workers = 2"))
    code, _, err = hgm(monkeypatch, capsys, "resume", str(finished))
    assert code == 0, err
    code, out, _ = hgm(monkeypatch, capsys, "status", str(finished), "--json")
    status = json.loads(out)
    assert (status["state"], status["task_evals_done"], status["workers"]) == ("finished", 20, 2)
    assert status["config_changes"] == ["budget.task_evals: 12 -> 20", "run.workers: 4 -> 2"]
    rows = _table(finished, "SELECT session, changes FROM run_configs ORDER BY id")
    assert [row[0] for row in rows] == [None, 2], "the creation, then the resume's session"
    assert json.loads(str(rows[1][1])) == status["config_changes"]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ((("beta = 1.0", "beta = 2.0"),), ["policy.beta: 1.0 -> 2.0"]),
        ((("seed = 0", "seed = 5"),), ["run.seed: 0 -> 5", "only [budget], run.workers"]),
        (
            (("task_evals = 12", "task_evals = 10"), ('kind = "drift"', 'kind = "fragile"')),
            ["budget.task_evals: 12 -> 10 (a budget may only grow", "world.sim.kind"],
        ),
        (
            (("task_evals = 12", "task_evals = 30\nexpansions = 3"),),
            ["budget.expansions: unset -> 3 (a budget may only grow"],
        ),
    ],
)
def test_other_edits_are_refused_by_name_and_change_nothing(
    finished: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    changes: tuple[tuple[str, str], ...],
    expected: list[str],
) -> None:
    before = _table(finished, "SELECT count(*) FROM sessions")
    _edit(finished, *changes)
    result = hgm(monkeypatch, capsys, "resume", str(finished))
    assert_exit_2(result, "was edited since the run recorded it", *expected)
    assert _table(finished, "SELECT count(*) FROM sessions") == before
    _, out, _ = hgm(monkeypatch, capsys, "status", str(finished), "--json")
    status = json.loads(out)
    assert (status["state"], status["budget_task_evals"]) == ("finished", 12), "as recorded"


def test_a_finished_run_with_nothing_more_to_do_exits_2(
    finished: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    result = hgm(monkeypatch, capsys, "resume", str(finished))
    assert_exit_2(result, "already finished (budget); nothing to do", "raise [budget] task_evals")
    _edit(finished, ("workers = 4", "workers = 3  # fewer"))
    result = hgm(monkeypatch, capsys, "resume", str(finished))
    assert_exit_2(result, "already finished (budget); nothing to do")


def test_an_unfinished_run_takes_more_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    created = RunDir.create(tmp_path / "created", SMALL).path
    _edit(created, ("workers = 4", "workers = 8"))
    code, _, err = hgm(monkeypatch, capsys, "resume", str(created))
    assert code == 0, err
    code, out, _ = hgm(monkeypatch, capsys, "status", str(created), "--json")
    assert json.loads(out)["config_changes"] == ["run.workers: 4 -> 8"]


def test_a_run_from_before_recorded_configs_takes_its_run_toml_as_recorded(
    finished: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with sqlite3.connect(finished / "run.db") as connection:
        connection.execute("DROP TABLE run_configs")
    _edit(finished, ("task_evals = 12", "task_evals = 14"))
    code, _, err = hgm(monkeypatch, capsys, "resume", str(finished))
    assert code == 0, err
    assert len(_table(finished, "SELECT * FROM run_configs")) == 1
    _edit(finished, ("beta = 1.0", "beta = 3.0"))
    assert_exit_2(hgm(monkeypatch, capsys, "resume", str(finished)), "policy.beta: 1.0 -> 3.0")
