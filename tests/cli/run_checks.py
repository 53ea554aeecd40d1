"""What must hold of a run that was cut short (killed, disk full) and then resumed to its end:
exactly the budgeted evaluations, each started job finished once, no (agent, task) pair
twice, the tree made of exactly the successful expansions."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from hgm.engine.events import EvaluationFinished, EvaluationStarted, ExpansionFinished
from hgm.runconfig.status import read_status
from hgm.store.run_store import RunStore


def assert_resumed_run_is_whole(run_dir: Path, budget: int) -> dict[str, Any]:
    """Check the run in `run_dir` as the module docstring says; return its status JSON."""
    status = read_status(run_dir).to_json()
    assert status["state"] == "finished", status
    assert status["finish_reason"] == "budget"
    assert status["task_evals_done"] == status["task_evals_started"] == budget

    with RunStore.open_for_reading(run_dir / "run.db") as store:
        events = list(store.events())
        tree = store.tree()  # raises if a parent is missing or a pair was recorded twice
        db = store.connection
        eval_jobs = {row[0] for row in db.execute("SELECT id FROM jobs WHERE kind='evaluate'")}
        unfinished = db.execute("SELECT count(*) FROM jobs WHERE status != 'done'").fetchone()[0]

    finished = [e for e in events if isinstance(e, EvaluationFinished)]
    started = {e.job for e in events if isinstance(e, EvaluationStarted)}
    assert len(eval_jobs) == budget
    assert started == eval_jobs
    assert Counter(e.job for e in finished) == Counter(dict.fromkeys(eval_jobs, 1))
    pairs = [(e.agent, e.task) for e in finished]
    assert len(set(pairs)) == len(pairs) == budget
    assert unfinished == 0

    ok_children = {e.child for e in events if isinstance(e, ExpansionFinished) and e.ok}
    failed_children = {e.child for e in events if isinstance(e, ExpansionFinished) and not e.ok}
    assert set(tree.agents()) == {0} | ok_children
    assert not failed_children & set(tree.agents())
    assert status["agents"] == len(tree)
    assert sum(tree.own_successes(a) + tree.own_failures(a) for a in tree.agents()) == budget
    return status
