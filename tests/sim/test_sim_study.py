"""`hgm study`: the grid, Holm's correction, cost-to-match, guidance quality."""

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from hgm.cli.app import app
from hgm.errors import UserError
from hgm.search import Tree
from hgm.sim.guidance import guidance_correlation, ranks, true_cmp
from hgm.sim.study import StudyGrid
from hgm.sim.study_stats import _match, holm


def test_holm_adjusts_step_down_and_keeps_order() -> None:
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    assert holm([]) == []


def test_cost_to_match_interpolates_on_log_cost_and_says_when_it_is_censored() -> None:
    curve, costs = np.array([0.1, 0.3, 0.5]), np.array([30.0, 60.0, 120.0])
    cost, censored = _match(curve, costs, 0.4)
    assert censored is None and cost == pytest.approx(math.sqrt(60 * 120))
    assert _match(curve, costs, 0.05) == (30.0, "at-most")
    assert _match(curve, costs, 0.6) == (120.0, "more-than")
    assert _match(np.array([0.1, 0.45, 0.3]), costs, 0.4)[0] < 60  # the first rung that reaches it


def test_true_cmp_is_the_clade_mean_and_guidance_is_a_rank_correlation() -> None:
    tree = Tree()
    for agent, parent in enumerate([None, 0, 1, 0]):
        tree.add_agent(agent, parent)
    skill = np.array([0.1, 0.3, 0.5, 0.2])
    assert true_cmp(tree, skill) == pytest.approx([0.275, 0.4, 0.5, 0.2])
    assert guidance_correlation(tree, np.array([0.0, 1.0, 2.0, 3.0]), skill) is None  # no data
    for agent in range(4):
        tree.record(agent, "a", True)
        tree.record(agent, "b", False)
    assert guidance_correlation(tree, true_cmp(tree, skill), skill) == pytest.approx(1.0)
    assert guidance_correlation(tree, -true_cmp(tree, skill), skill) == pytest.approx(-1.0)
    assert guidance_correlation(tree, None, skill) is None
    assert ranks(np.array([3.0, 1.0, 3.0, 2.0])) == pytest.approx([2.5, 0.0, 2.5, 1.0])


def test_the_grid_runs_the_candidate_on_the_cost_ladder() -> None:
    grid = StudyGrid(
        worlds=("drift",), budgets=(60, 150), workers=(4,), costs=(0.0,), seeds=(0, 1, 2)
    )
    assert grid.candidate == "default"
    assert grid.ladder_budgets() == (30, 75)
    # 2 budgets x 4 policies + 2 ladder budgets x the candidate, 3 seeds each
    assert grid.runs_planned() == (2 * 4 + 2) * 3
    with pytest.raises(UserError, match="needs 'hgm'"):
        StudyGrid(policies="default,greedy")
    with pytest.raises(UserError, match="allowed: drift"):
        StudyGrid(worlds=("chaos",))


def test_study_cli_writes_the_summary_and_reanalyses_saved_runs(tmp_path: Path) -> None:
    out, runs, again, png = (tmp_path / name for name in ("s.json", "r.jsonl", "a.json", "s.png"))
    common = [
        "study",
        "--policies",
        "default,hgm",
        "--worlds",
        "drift",
        "--budgets",
        "20,40",
        "--workers",
        "2",
        "--costs",
        "0,2",
        "--seeds",
        "4",
    ]
    result = CliRunner().invoke(
        app,
        [*common, "--processes", "1", "--json", str(out), "--runs", str(runs), "--plot", str(png)],
    )
    assert result.exit_code == 0, result.output
    assert "cost-to-match" in result.output and "Holm" in result.output
    assert re.search(r"study: (\d+)/\1 runs \(100%\)", result.output)  # progress off a terminal
    document = json.loads(out.read_text())
    assert len(document["cells"]) == 4 and document["grid"]["ladder_budgets"] == [10]
    cell = document["cells"][0]
    assert set(cell["policies"]) == {"default", "hgm"}
    comparison = cell["comparisons"]["hgm"]
    assert comparison["p_holm"] >= comparison["p_value"]
    assert comparison["outcome"] in ("win", "loss", "no difference")
    entry = cell["policies"]["hgm"]
    assert entry["total_cost_mean"] == pytest.approx(
        entry["evaluations_mean"] + cell["expansion_cost"] * entry["expansions_mean"], abs=1
    )
    rows = document["cost_to_match"]
    assert {row["policy"] for row in rows} == {"default"}
    assert all(row["ladder"] == [10, 20, 40] for row in rows)
    assert png.stat().st_size > 0
    assert sum(1 for _ in runs.open()) == (2 * 2 * 2 + 2) * 4
    reused = CliRunner().invoke(app, [*common, "--reuse-runs", str(runs), "--json", str(again)])
    assert reused.exit_code == 0, reused.output
    first, second = document, json.loads(again.read_text())
    for key in ("cells", "cost_to_match", "verdict", "guidance"):
        assert first[key] == second[key]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--budgets", "60,x"], "--budgets"),
        (["--policies", "default,greedy"], "needs 'hgm'"),
        (["--select", "max"], "lineage"),
        (["--costs", "-1"], "--costs"),
    ],
)
def test_bad_study_input_is_a_user_error(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["study", "--seeds", "2", *args])
    assert isinstance(result.exception, UserError)
    assert message in str(result.exception)
