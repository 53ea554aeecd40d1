import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hgm.cli.app import app
from hgm.errors import UserError
from hgm.sim.compare import SimSetup, compare, policy_configs, simulate_one
from hgm.sim.config import world_config
from hgm.sim.statistics import summarize


def test_simulate_writes_the_json_keys_and_a_plot(tmp_path: Path) -> None:
    out, png = tmp_path / "r.json", tmp_path / "r.png"
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            "--world",
            "drift",
            "--param",
            "n_tasks=30",
            "--policies",
            "hgm,greedy,dgm",
            "--seeds",
            "4",
            "--budget",
            "60",
            "--workers",
            "2",
            "--processes",
            "1",
            "--json",
            str(out),
            "--plot",
            str(png),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "hgm" in result.output and "paired t-test" in result.output and "±" in result.output
    document = json.loads(out.read_text())
    assert document["world"]["n_tasks"] == 30
    assert len(document["per_run"]) == 12 and document["per_run"][0]["seed"] == 0
    for name in ("hgm", "greedy", "dgm"):
        entry = document["policies"][name]
        for key in (
            "shipped_skill_mean",
            "ci95",
            "diff_vs_first",
            "p_value_vs_first",
            "agents_mean",
        ):
            assert key in entry
        assert entry["ci95"][0] <= entry["shipped_skill_mean"] <= entry["ci95"][1]
        assert entry["evaluations_mean"] == 60
    assert document["policies"]["hgm"]["p_value_vs_first"] is None
    assert 0.0 <= document["policies"]["greedy"]["p_value_vs_first"] <= 1.0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_paired_differences_match_the_runs() -> None:
    setup = SimSetup(world=world_config("drift"), budget=50, workers=2, select="best-mean")
    policies = policy_configs("hgm,random")
    runs = compare(setup, policies, range(5), processes=2)
    assert [r.seed for r in runs] == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    summary = summarize(runs, ["hgm", "random"])
    diffs = [b.shipped_skill - a.shipped_skill for a, b in zip(runs[::2], runs[1::2], strict=True)]
    assert summary["random"]["diff_vs_first"] == pytest.approx(sum(diffs) / 5)
    assert all(r.oracle_skill >= r.shipped_skill for r in runs)
    assert compare(setup, policies, range(5), processes=1) == runs


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--world", "chaos"], "allowed: drift"),
        (["--policies", "hgm,magic"], "allowed: default, lineage, hgm, dgm, sica, greedy, random"),
        (["--select", "max"], "best-belief"),
        (["--param", "speed=2"], "allowed:"),
        (["--seeds", "0"], "--seeds"),
    ],
)
def test_bad_input_is_a_user_error(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["simulate", *args, "--seeds", "1", *args, "--processes", "1"])
    assert isinstance(result.exception, UserError)
    assert message in str(result.exception)


def test_bad_input_exits_2_without_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hgm", "simulate", "--world", "chaos"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "unknown world 'chaos'" in done.stderr and "Traceback" not in done.stderr


def test_policy_options_make_labelled_variants() -> None:
    configs = policy_configs("hgm,hgm:cool_down=false:alpha=0.5,dgm:generation_size=2")
    assert list(configs) == ["hgm", "hgm:cool_down=false:alpha=0.5", "dgm:generation_size=2"]
    variant = configs["hgm:cool_down=false:alpha=0.5"]
    assert variant.kind == "hgm" and variant.cool_down is False and variant.alpha == 0.5
    with pytest.raises(UserError, match="hgm knobs: alpha"):
        policy_configs("hgm:speed=2")
    with pytest.raises(UserError, match="alpha"):
        policy_configs("hgm:alpha=2")


def test_a_parent_that_always_fails_cannot_stall_a_simulation() -> None:
    """fragile seed 7: SICA's base becomes a broken agent whose expansions all fail, and
    failed expansions are free; the expansion cap ends the run."""
    setup = SimSetup(world=world_config("fragile"), budget=150, workers=4, select="best-mean")
    run = simulate_one(setup, "sica", policy_configs("sica")["sica"], seed=7)
    assert run.stop_reason == "no-work"
    assert run.evaluations < 150
