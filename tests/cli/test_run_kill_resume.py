"""Crash safety: `hgm run` SIGKILLed at random moments (and once stopped with Ctrl-C), then
`hgm resume` until finished, ends with exactly the budgeted evaluations, none lost, none
twice, the tree consistent."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from hgm.engine.events import EvaluationFinished, EvaluationStarted, ExpansionFinished
from hgm.runconfig.status import read_status
from hgm.store.run_store import RunStore

BUDGET = 150
KILLS = 4

CONFIG = f"""
[run]
name = "killed"
seed = 11
workers = 4

[budget]
task_evals = {BUDGET}

[policy]
kind = "hgm"

[world]
kind = "sim"
seconds_per_time_unit = 0.02   # ~20 ms of real time per job, so kills land mid-run

[world.sim]
kind = "drift"
n_tasks = 30
fail_prob = 0.2
"""


def _hgm(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "hgm", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _evaluations_started(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as connection:
            return connection.execute(
                "SELECT count(*) FROM jobs WHERE kind = 'evaluate'"
            ).fetchone()[0]
    except sqlite3.OperationalError:  # schema not created yet
        return 0


def _signal_when(
    process: subprocess.Popen[bytes], db: Path, target: int, rng: random.Random, sig: int
) -> bool:
    """Send `sig` soon after `target` evaluations started and wait; False if it finished first."""
    deadline = time.monotonic() + 60
    while _evaluations_started(db) < target:
        if process.poll() is not None:
            return False
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.005)
    time.sleep(rng.uniform(0.0, 0.03))
    if process.poll() is not None:
        return False
    process.send_signal(sig)
    process.wait(timeout=60)
    return True


def _status(run_dir: Path) -> dict[str, Any]:
    return read_status(run_dir).to_json()


@pytest.mark.slow
def test_sigkill_at_random_moments_then_resume_loses_nothing(tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("HGM_KILL_SEED", "2026")))
    config = tmp_path / "killed.toml"
    config.write_text(CONFIG)
    run_dir = tmp_path / "run"
    db = run_dir / "run.db"

    signals = [signal.SIGKILL] * KILLS
    signals.insert(rng.randrange(KILLS + 1), signal.SIGINT)
    targets = sorted(rng.sample(range(5, BUDGET - 30), len(signals)))

    kills = interrupts = 0
    process = _hgm("run", str(config), "--run-dir", str(run_dir))
    for planned, sig in zip(targets, signals, strict=True):
        # the process must have started evaluations of its own before the signal
        target = max(planned, _evaluations_started(db) + 3)
        if _signal_when(process, db, target, rng, sig):
            status = _status(run_dir)
            assert status["task_evals_started"] >= target
            if sig == signal.SIGKILL:
                kills += 1
                assert status["state"] == "crashed"
            else:
                # Ctrl-C: work in flight is recorded as interrupted, the run stays resumable
                interrupts += 1
                assert process.returncode == 130
                assert status["state"] == "interrupted"
                assert status["jobs_unfinished"] > 0
        process = _hgm("resume", str(run_dir))
    assert process.wait(timeout=120) == 0
    assert (kills, interrupts) == (KILLS, 1), "every signal should land while the run goes on"

    status = _status(run_dir)
    assert status["state"] == "finished"
    assert status["finish_reason"] == "budget"
    assert status["task_evals_done"] == status["task_evals_started"] == BUDGET

    with RunStore.open_for_reading(db) as store:
        events = list(store.events())
        tree = store.tree()  # raises if a parent is missing or a pair was recorded twice
        db_rows = store.connection
        eval_jobs = {row[0] for row in db_rows.execute("SELECT id FROM jobs WHERE kind='evaluate'")}
        unfinished = db_rows.execute("SELECT count(*) FROM jobs WHERE status != 'done'").fetchone()
        retried = db_rows.execute("SELECT count(*) FROM jobs WHERE attempts > 1").fetchone()
        sessions = db_rows.execute("SELECT count(*) FROM sessions").fetchone()[0]

    finished = [e for e in events if isinstance(e, EvaluationFinished)]
    started = {e.job for e in events if isinstance(e, EvaluationStarted)}
    # every evaluation charged to the budget finished exactly once, none lost
    assert len(eval_jobs) == BUDGET
    assert started == eval_jobs
    assert Counter(e.job for e in finished) == Counter(dict.fromkeys(eval_jobs, 1))
    # no (agent, task) pair evaluated twice
    pairs = [(e.agent, e.task) for e in finished]
    assert len(set(pairs)) == len(pairs) == BUDGET
    assert unfinished[0] == 0
    # jobs cut off by the kills were re-run under their own ids
    assert retried[0] >= 1
    assert sessions == KILLS + 2

    # the tree: children exactly of the successful expansions, results on known agents
    ok_children = {e.child for e in events if isinstance(e, ExpansionFinished) and e.ok}
    failed_children = {e.child for e in events if isinstance(e, ExpansionFinished) and not e.ok}
    assert set(tree.agents()) == {0} | ok_children
    assert not failed_children & set(tree.agents())
    assert status["agents"] == len(tree)
    assert sum(tree.own_successes(a) + tree.own_failures(a) for a in tree.agents()) == BUDGET
    assert tree.clade_successes(0) + tree.clade_failures(0) == BUDGET
