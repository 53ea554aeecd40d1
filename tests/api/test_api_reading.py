"""Reading a run through `hgm.Run`: the same numbers as the engine's tree, the CLI's
`status`, `results` and `best`, as plain rows and as DataFrames; `import hgm` stays light."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import hgm
from hgm.cli.app import main
from hgm.search.selection import SELECTION_RULES, select_final
from hgm.store.queries import build_tree
from hgm.store.schema import connect

SIM = Path(__file__).parents[2] / "examples" / "sim.toml"
OVERRIDES = {
    "run.name": "api-read",
    "budget.task_evals": 150,
    "world.seconds_per_time_unit": 0,
    "world.sim.fail_prob": 0.2,
}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> hgm.Run:
    directory = tmp_path_factory.mktemp("api") / "run"
    return hgm.start(SIM, directory, overrides=OVERRIDES, progress=False)


def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    monkeypatch.setattr(sys, "argv", ["hgm", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    out = capsys.readouterr().out
    assert exited.value.code in (0, None), out
    return out


def test_import_hgm_loads_no_heavy_module_and_every_name_resolves() -> None:
    code = (
        "import sys, hgm; heavy = [m for m in ('numpy', 'scipy', 'pydantic', 'typer', 'rich')"
        " if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    for name in hgm.__all__:
        assert getattr(hgm, name) is not None
    with pytest.raises(AttributeError):
        _ = hgm.no_such_name


def test_outcome_and_status_of_a_finished_run(run: hgm.Run) -> None:
    assert run.outcome is not None
    assert run.outcome.reason == "budget"
    assert run.outcome.evaluations_finished == 150
    status = run.status()
    assert (status.state, status.task_evals_done, status.name) == ("finished", 150, "api-read")
    assert not run.is_running
    assert run.wait(timeout=1).state == "finished"


def test_agents_are_the_engines_tree(run: hgm.Run) -> None:
    agents = run.agents()
    db = connect(run.path / "run.db", readonly=True)
    tree = build_tree(db)
    db.close()
    assert [a.agent for a in agents] == list(tree.agents())
    assert any(a.failed_expansions for a in agents)  # fail_prob 0.2: the counts are exercised
    for a in agents:
        assert a.parent == tree.parent(a.agent)
        assert (a.successes, a.failures) == (
            tree.own_successes(a.agent),
            tree.own_failures(a.agent),
        )
        assert (a.clade_successes, a.clade_failures) == (
            tree.clade_successes(a.agent),
            tree.clade_failures(a.agent),
        )
        assert a.clade_failed_expansions == tree.clade_failed_expansions(a.agent)
        assert a.depth == len(run.lineage(a.agent)) - 1
    assert sum(a.evaluations for a in agents) == len(run.evaluations()) == 150


def test_best_is_select_final_under_every_rule(run: hgm.Run) -> None:
    db = connect(run.path / "run.db", readonly=True)
    tree = build_tree(db)
    db.close()
    for rule in SELECTION_RULES:
        for epsilon in (0.01, 0.2):
            expected = select_final(tree, rule, epsilon)
            best = run.best(rule, epsilon)
            assert (best.agent, best.evaluations, best.rule) == (expected.agent, expected.n, rule)
            assert best.mean == pytest.approx(expected.mean, abs=1e-12)
            assert best.interval == pytest.approx((expected.low, expected.high), abs=1e-12)


def test_rows_agree_with_the_cli(
    run: hgm.Run, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = [
        json.loads(line) for line in cli(monkeypatch, capsys, "results", str(run.path)).splitlines()
    ]
    evaluations = run.evaluations()
    assert [(r["job"], r["agent"], r["task"]) for r in exported] == [
        (e.job, e.agent, e.task) for e in evaluations
    ]
    assert [r["success"] for r in exported] == [e.success for e in evaluations]
    status = json.loads(cli(monkeypatch, capsys, "status", str(run.path), "--json"))
    assert status == json.loads(json.dumps(run.status().to_json()))
    best = json.loads(cli(monkeypatch, capsys, "best", str(run.path), "--json"))
    assert best["agent"] == run.best().agent
    expansions = run.expansions()
    assert len(expansions) == run.status().expansions
    assert sum(not e.admitted for e in expansions) == run.status().failed_expansions
    assert {e.child for e in expansions if e.admitted} == {a.agent for a in run.agents()} - {0}


def test_costs_progress_and_dataframes(run: hgm.Run) -> None:
    costs = run.costs()
    assert costs.money_usd == costs.evaluations_usd + costs.expansions_usd == 0.0
    assert len(costs.by_role) == 0  # a simulated world calls no model
    points = run.progress()
    assert points and points[-1].evaluations <= 150
    assert [p.evaluations for p in points] == sorted(p.evaluations for p in points)
    frame = run.evaluations().to_pandas()
    assert list(frame.columns) == run.evaluations().columns
    assert len(frame) == 150 and frame["success"].dtype == bool
    assert frame.groupby("agent")["success"].sum().to_dict() == {
        a.agent: a.successes for a in run.agents() if a.evaluations
    }
    empty = run.certifications()[:0].to_pandas()
    assert list(empty.columns) == ["agent", "task", "success", "cost_usd", "duration", "finished"]
    assert run.agents()[1:3] == run.agents()[1:3] and len(run.agents()[1:3]) == 2


def test_certify_from_python_records_its_rows(run: hgm.Run) -> None:
    result = run.certify(tasks=5, progress=False)
    assert result.agent == run.best().agent and result.root == 0
    assert (result.agent_rate.tasks, result.graded_now) == (5, 10)
    rows = run.certifications()
    assert sorted({row.agent for row in rows}) == sorted({result.agent, 0})
    assert len(rows) == 10
    again = run.certify(tasks=5, progress=False)
    assert (again.graded_now, again.reused) == (0, 10)


def test_bad_input_is_a_user_error(run: hgm.Run, tmp_path: Path) -> None:
    with pytest.raises(hgm.UserError, match="no such run directory"):
        hgm.Run(tmp_path / "nothing")
    with pytest.raises(hgm.UserError, match="no agent 9999"):
        run.lineage(9999)
    with pytest.raises(hgm.UserError, match="simulated-world run"):
        run.diff(run.agents()[1].agent)
    with pytest.raises(hgm.UserError, match="not allowed"):
        run.certify(tasks="some", progress=False)
