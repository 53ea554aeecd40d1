"""Resume from the database: the rebuilt state equals a replay of the event log, and a
stopped run continued from it ends with exactly the budgeted evaluations."""

from __future__ import annotations

from pathlib import Path

import pytest

from hgm.engine.budget import Budget
from hgm.engine.engine import Engine
from hgm.engine.events import AgentCreated, Event, ExpansionFinished
from hgm.engine.state import EngineState
from hgm.search.config import HGMPolicyConfig
from hgm.search.policies import make_policy
from hgm.search.tree import Tree
from hgm.sim import DriftWorldConfig, make_world
from hgm.store.run_store import RunStore

BUDGET = 120


class _StopAfter:
    """Observer that asks the engine to stop once `evaluations` results came back."""

    def __init__(self, evaluations: int) -> None:
        self.evaluations = evaluations
        self.engine: Engine | None = None

    def notify(self, event: Event) -> None:
        if type(event).__name__ == "EvaluationFinished":
            self.evaluations -= 1
            if self.evaluations == 0 and self.engine is not None:
                self.engine.request_stop()


def _engine(store: RunStore, state: EngineState | None, *extra: object) -> Engine:
    world = make_world(DriftWorldConfig(fail_prob=0.2), seed=3)
    if state is not None:
        world.restore((agent, state.tree.parent(agent)) for agent in state.tree.agents())
    return Engine(
        world,
        make_policy(HGMPolicyConfig()),
        Budget(task_evals=BUDGET),
        workers=4,
        seed=3,
        observers=(store, *extra),  # type: ignore[arg-type]
        state=state,
    )


def _tree_facts(tree: Tree) -> list[tuple[int, int | None, int, int, int, int, int]]:
    return [
        (
            agent,
            tree.parent(agent),
            tree.own_successes(agent),
            tree.own_failures(agent),
            tree.clade_successes(agent),
            tree.clade_failures(agent),
            tree.clade_failed_expansions(agent),
        )
        for agent in sorted(tree.agents())
    ]


def _assert_same_state(loaded: EngineState, replayed: EngineState) -> None:
    assert _tree_facts(loaded.tree) == _tree_facts(replayed.tree)
    for name in (
        "evaluations_started",
        "expansions_started",
        "expansions_failed",
        "next_job",
        "next_agent",
        "requeue",
    ):
        assert getattr(loaded, name) == getattr(replayed, name), name
    assert loaded.money_usd == pytest.approx(replayed.money_usd)
    assert loaded.elapsed_s == pytest.approx(replayed.elapsed_s)


def test_state_rebuilt_from_tables_equals_replaying_the_log_at_every_cut(tmp_path: Path) -> None:
    with RunStore.create(tmp_path / "full.db") as store:
        _engine(store, None).run()
        events = list(store.events())
    cuts = [
        n for n in range(1, len(events), 13) if not isinstance(events[n - 1], ExpansionFinished)
    ]
    assert len(cuts) > 15
    for n in cuts:
        # a process killed after its n-th event leaves exactly this prefix behind
        with RunStore.create(tmp_path / f"cut{n}.db") as cut:
            for event in events[:n]:
                cut.notify(event)
            loaded = cut.load_engine_state()
        assert loaded is not None
        _assert_same_state(loaded, EngineState.from_events(events[:n]))


def test_a_child_whose_creation_was_cut_off_is_kept(tmp_path: Path) -> None:
    with RunStore.create(tmp_path / "full.db") as store:
        _engine(store, None).run()
        events = list(store.events())
    cut = next(n for n, e in enumerate(events, 1) if isinstance(e, ExpansionFinished) and e.ok)
    assert isinstance(events[cut], AgentCreated)
    with RunStore.create(tmp_path / "cut.db") as store:
        for event in events[:cut]:
            store.notify(event)
        loaded = store.load_engine_state()
    assert loaded is not None
    assert events[cut].agent in loaded.tree


def test_nothing_to_resume_before_the_root_was_recorded(tmp_path: Path) -> None:
    with RunStore.create(tmp_path / "run.db") as store:
        assert store.load_engine_state() is None


def test_stopped_run_resumed_from_the_database_spends_exactly_the_budget(tmp_path: Path) -> None:
    path = tmp_path / "run.db"
    with RunStore.create(path) as store:
        stopper = _StopAfter(40)
        engine = _engine(store, None, stopper)
        stopper.engine = engine
        first = engine.run()
    assert first.reason == "stopped"
    assert first.interrupted_jobs > 0
    with RunStore.open_for_writing(path) as store:
        state = store.load_engine_state()
        assert state is not None
        assert len(state.requeue) == first.interrupted_jobs
        second = _engine(store, state).run()
        counts = store.counts()
        pairs = [(row.agent, row.task) for row in store.results()]
        sessions = store.connection.execute("SELECT end_reason FROM sessions ORDER BY id")
        reasons = [row[0] for row in sessions]
    assert second.reason == "budget"
    assert counts.task_evals_started == counts.task_evals_done == BUDGET
    assert counts.jobs_unfinished == 0
    assert len(pairs) == len(set(pairs)) == BUDGET
    assert reasons == ["stopped", "budget"]
