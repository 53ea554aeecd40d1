"""The viewer's read side: the incremental model agrees with the store and the CLI's rules,
reads only, and the failure categories come from recorded details."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from hgm.engine.events import AgentCreated, EvaluationFinished, ExpansionFinished
from hgm.runconfig.config import read_run_config
from hgm.runconfig.status import read_status
from hgm.search.selection import select_final
from hgm.store.run_store import RunStore
from hgm.ui.bundle import colour_of, tree_json
from hgm.ui.diagnostics import clade_diagnostics
from hgm.ui.evaluations import failure_category
from hgm.ui.model import RunModel, posterior_means
from hgm.ui.source import opened


def test_the_model_agrees_with_the_store_status_and_selection(sim_run: Path) -> None:
    with opened(sim_run) as source:
        model = RunModel(source)
        assert model.refresh()
        assert not model.refresh()  # nothing new: nothing read
        status = read_status(sim_run)
        with RunStore.open_for_reading(sim_run / "run.db") as store:
            tree = store.tree()
        assert sorted(model.tree.agents()) == sorted(tree.agents())
        for agent in tree.agents():
            mine = model.tree
            assert (mine.own_successes(agent), mine.own_failures(agent)) == (
                tree.own_successes(agent),
                tree.own_failures(agent),
            )
            assert (mine.clade_successes(agent), mine.clade_failures(agent)) == (
                tree.clade_successes(agent),
                tree.clade_failures(agent),
            )
            assert mine.clade_failed_expansions(agent) == tree.clade_failed_expansions(agent)
        counts = model.counts()
        assert counts["evaluations_done"] == status.task_evals_done
        assert counts["evaluations_started"] == status.task_evals_started
        assert counts["agents"] == status.agents
        assert counts["failed_expansions"] == status.failed_expansions > 0
        assert counts["money_usd"] == status.money_usd
        point = model.point()
        assert status.best is not None and point.shipped == status.best.agent
        assert (point.shipped_low, point.shipped_high) == status.best.interval
        # the colour is the clade posterior mean the HGM policy samples from
        means = posterior_means(tree, source.config.policy)
        rows = {row[0]: row for row in model.nodes()}
        for agent in tree.agents():
            s, f = tree.clade_successes(agent), tree.clade_failures(agent)
            assert rows[agent][8] == round((1 + s) / (2 + s + f), 4)
            assert rows[agent][8] == round(float(means[tree.index_of(agent)]), 4)
        # progress points sit on the fixed grid and end at the budget
        assert [p.evaluations for p in model.points][-1] == counts["evaluations_done"]
        assert len(model.points) >= 100


def test_incremental_refresh_sees_exactly_what_changed(sim_run: Path, tmp_path: Path) -> None:
    """Events copied one batch at a time into a new database: after each batch the model
    has the same tree as one built from scratch, and `nodes(v)` holds just what changed."""
    with RunStore.open_for_reading(sim_run / "run.db") as old:
        events = list(old.events())
    live = tmp_path / "live"
    live.mkdir()
    shutil.copy(sim_run / "run.toml", live / "run.toml")
    writer = RunStore.create(live / "run.db")
    try:
        with opened(live) as source:
            model = RunModel(source)
            batch = 37
            for start in range(0, len(events), batch):
                before = model.seq
                for event in events[start : start + batch]:
                    writer.notify(event)
                model.refresh()
                changed = {row[0] for row in model.nodes(before)}
                touched = set()
                for event in events[start : start + batch]:
                    agent = getattr(event, "agent", None)
                    if isinstance(event, EvaluationFinished | AgentCreated) and agent is not None:
                        touched.add(agent)
                    if isinstance(event, ExpansionFinished):
                        touched.add(event.child if event.ok else event.parent)
                assert touched <= changed
                with opened(live) as fresh_source:
                    fresh = RunModel(fresh_source)
                    fresh.refresh()
                    assert fresh.nodes() == model.nodes()
                    assert fresh.counts() == model.counts()
    finally:
        writer.close()


def _digest(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_viewing_a_run_writes_nothing(quick_run: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copied"
    shutil.copytree(quick_run, copy)
    before = _digest(copy)
    with opened(copy) as source:
        model = RunModel(source)
        model.refresh()
        from hgm.ui.bundle import report_bundle

        bundle = report_bundle(source, model)
        for agent in model.tree.agents():
            clade_diagnostics(source, model, agent)
        assert source.db.total_changes == 0
    assert bundle["summary"]["state"] == "finished"
    assert _digest(copy) == before


def test_failure_categories_come_from_recorded_details() -> None:
    base = {"kill_reason": "none", "exit_code": 0, "stop_reason": "finished", "grade": {}}
    assert failure_category(base) == "wrong answer"
    assert failure_category(base | {"kill_reason": "timeout", "exit_code": -9}) == "timeout"
    assert failure_category(base | {"exit_code": 1, "stop_reason": None}) == "agent crash"
    assert failure_category(base | {"kill_reason": "memory"}) == "agent crash"
    assert failure_category(base, ["budget_exceeded"]) == "budget"
    assert failure_category(base | {"stop_reason": "context_length_exceeded"}) == "context length"
    assert failure_category(base, ["context_length_exceeded"]) == "context length"
    tampered = base | {"grade": {"tampered": True, "tamper_evidence": ["canary passed"]}}
    assert failure_category(tampered, ["budget_exceeded"]) == "tampered"
    assert failure_category({}) == "no details"


def test_tree_json_and_dot_carry_the_same_numbers(sim_run: Path) -> None:
    with opened(sim_run) as source:
        model = RunModel(source)
        model.refresh()
        data = tree_json(source, model)
        config, _ = read_run_config(sim_run / "run.toml")
        assert data["shipped"]["agent"] == select_final(model.tree, "best-belief", 0.01).agent
        assert config.select.rule == data["shipped"]["rule"]
        failed = sum(len(node["failed_expansions"]) for node in data["agents"])
        assert failed == model.counts()["failed_expansions"]
    assert colour_of(0.0) == "#c82828" and colour_of(1.0) == "#1e9646"
    assert colour_of(0.5) == "#ebb428"
    json.dumps(data)
