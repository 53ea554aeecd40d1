"""The run database: schema version, one row per event, idempotent job writes, tree rebuild."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from hgm.engine.events import (
    AgentCreated,
    EvaluationFinished,
    EvaluationStarted,
    ExpansionFinished,
    ExpansionStarted,
    JobInterrupted,
    RunFinished,
)
from hgm.errors import UserError
from hgm.store.run_store import RunStore
from hgm.store.schema import SCHEMA_VERSION


def _evaluate(store: RunStore, job: int, agent: int, task: str, success: bool, t: float) -> None:
    store.notify(EvaluationStarted(job=job, agent=agent, task=task, time=t))
    store.notify(
        EvaluationFinished(
            job=job,
            agent=agent,
            task=task,
            success=success,
            cost_usd=0.5,
            started=t,
            finished=t + 1,
            details={"log": f"{agent}/{task}"},
        )
    )


def _small_run(store: RunStore) -> None:
    store.notify(AgentCreated(agent=0, parent=None, time=0.0))
    store.notify(ExpansionStarted(job=1, parent=0, child=1, time=0.0))
    store.notify(
        ExpansionFinished(
            job=1, parent=0, child=1, ok=True, reason="", cost_usd=1.0, started=0.0, finished=2.0
        )
    )
    store.notify(AgentCreated(agent=1, parent=0, time=2.0, job=1))
    store.notify(ExpansionStarted(job=2, parent=1, child=2, time=2.0))
    store.notify(
        ExpansionFinished(
            job=2,
            parent=1,
            child=2,
            ok=False,
            reason="child does not compile",
            cost_usd=1.0,
            started=2.0,
            finished=3.0,
        )
    )
    _evaluate(store, 3, 0, "t1", False, 3.0)
    _evaluate(store, 4, 1, "t1", True, 3.0)
    _evaluate(store, 5, 1, "t2", True, 4.0)
    _evaluate(store, 6, 1, "t3", False, 5.0)


def test_new_database_carries_the_schema_version(tmp_path: Path) -> None:
    with RunStore.create(tmp_path / "run.db") as store:
        row = store.connection.execute(
            "SELECT value FROM meta WHERE key = 'schema_version'"
        ).fetchone()
        mode = store.connection.execute("PRAGMA journal_mode").fetchone()[0]
    assert int(row[0]) == SCHEMA_VERSION
    assert mode == "wal"


def test_other_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "run.db"
    RunStore.create(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    with pytest.raises(UserError, match="schema version 999"):
        RunStore.open_for_reading(path)


def test_a_file_that_is_not_a_run_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "run.db"
    path.write_text("not sqlite at all, just text" * 100)
    with pytest.raises(UserError, match="not an hgm run database"):
        RunStore.open_for_reading(path)


def test_every_event_is_one_appended_row_and_counts_follow(tmp_path: Path) -> None:
    with RunStore.create(tmp_path / "run.db") as store:
        _small_run(store)
        events = store.connection.execute("SELECT type FROM events ORDER BY seq").fetchall()
        counts = store.counts()
    assert len(events) == 14
    assert events[0][0] == "AgentCreated"
    assert counts.task_evals_started == 4
    assert counts.task_evals_done == 4
    assert counts.agents == 2
    assert counts.expansions_done == 2
    assert counts.failed_expansions == 1
    assert counts.jobs_unfinished == 0
    assert counts.money_usd == pytest.approx(4 * 0.5 + 2 * 1.0)


def test_failed_expansion_keeps_its_reason(tmp_path: Path) -> None:
    with RunStore.create(tmp_path / "run.db") as store:
        _small_run(store)
        rows = store.connection.execute("SELECT child, ok, reason FROM expansions").fetchall()
    assert [tuple(row) for row in rows] == [(1, 1, ""), (2, 0, "child does not compile")]


def test_tree_is_rebuilt_with_own_and_clade_counts(tmp_path: Path) -> None:
    with RunStore.create(tmp_path / "run.db") as store:
        _small_run(store)
        tree = store.tree()
    assert tree.agents() == [0, 1]
    assert (tree.own_successes(0), tree.own_failures(0)) == (0, 1)
    assert (tree.own_successes(1), tree.own_failures(1)) == (2, 1)
    assert (tree.clade_successes(0), tree.clade_failures(0)) == (2, 2)
    assert tree.clade_failed_expansions(0) == 1


def test_restarted_and_refinished_jobs_are_written_once(tmp_path: Path) -> None:
    with RunStore.create(tmp_path / "run.db") as store:
        store.notify(AgentCreated(agent=0, parent=None, time=0.0))
        store.notify(EvaluationStarted(job=1, agent=0, task="t1", time=0.0))
        store.notify(JobInterrupted(job=1, time=0.5))
        assert store.counts().jobs_unfinished == 1
        store.notify(EvaluationStarted(job=1, agent=0, task="t1", time=1.0))
        _evaluate(store, 1, 0, "t1", True, 1.0)
        # a finished job re-emitted (e.g. by a confused resume) changes nothing
        _evaluate(store, 1, 0, "t1", False, 9.0)
        counts = store.counts()
        job = store.connection.execute("SELECT status, attempts FROM jobs").fetchone()
        results = list(store.results())
    assert counts.task_evals_started == 1
    assert counts.task_evals_done == 1
    assert tuple(job) == ("done", 3)
    assert [(r.agent, r.task, r.result, r.started) for r in results] == [(0, "t1", True, 1.0)]


def test_the_same_pair_under_a_new_job_id_is_rejected(tmp_path: Path) -> None:
    with RunStore.create(tmp_path / "run.db") as store:
        store.notify(AgentCreated(agent=0, parent=None, time=0.0))
        _evaluate(store, 1, 0, "t1", True, 0.0)
        with pytest.raises(sqlite3.IntegrityError):
            _evaluate(store, 2, 0, "t1", True, 1.0)
        # the failed event left nothing behind: the transaction was rolled back
        assert store.counts().task_evals_done == 1


def test_a_successful_expansion_creates_its_child_whatever_the_event_order(tmp_path: Path) -> None:
    with RunStore.create(tmp_path / "run.db") as store:
        store.notify(AgentCreated(agent=0, parent=None, time=0.0))
        store.notify(ExpansionStarted(job=1, parent=0, child=1, time=0.0))
        store.notify(
            ExpansionFinished(
                job=1, parent=0, child=1, ok=True, reason="", cost_usd=0, started=0, finished=1
            )
        )
        assert store.tree().parent(1) == 0
        store.notify(AgentCreated(agent=1, parent=0, time=1.0, job=1, details={"diff": "+x"}))
        details = store.connection.execute("SELECT details FROM agents WHERE id = 1").fetchone()[0]
    assert details == '{"diff": "+x"}'


def test_sessions_record_how_each_process_ended(tmp_path: Path) -> None:
    path = tmp_path / "run.db"
    with RunStore.create(path) as store:
        store.notify(AgentCreated(agent=0, parent=None, time=0.0))
        store.notify(RunFinished(reason="stopped", time=1.0))
    with RunStore.open_for_writing(path) as store:
        assert store.session == 2
    with RunStore.open_for_reading(path) as reader:
        last = reader.last_session()
        assert last is not None
        assert (last.id, last.ended_at) == (2, None)
        with pytest.raises(RuntimeError, match="reading"):
            reader.notify(RunFinished(reason="budget", time=2.0))
    with RunStore.open_for_reading(path) as reader:
        first = reader.connection.execute("SELECT end_reason FROM sessions WHERE id = 1").fetchone()
    assert first[0] == "stopped"
