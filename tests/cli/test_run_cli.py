"""`hgm run/resume/status/tree/results`: bad input is one message and exit 2; the readers
report what the run did."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from cli_helpers import assert_exit_2, hgm

from hgm.runconfig.config import read_run_config
from hgm.store.run_dir import RunLock

REPO = Path(__file__).resolve().parents[2]

FAST_CONFIG = """
[run]
name = "fast"
seed = 7
workers = 3

[budget]
task_evals = 40

[policy]
kind = "hgm"

[world]
kind = "sim"

[world.sim]
kind = "drift"
n_tasks = 20
"""


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "run.toml"
    path.write_text(text)
    return path


def test_the_example_config_is_accepted_as_it_is() -> None:
    config, text = read_run_config(REPO / "examples" / "sim.toml")
    assert (config.budget.task_evals, config.run.workers) == (300, 4)
    assert (config.world.kind, config.world.sim.kind) == ("sim", "drift")
    assert text == (REPO / "examples" / "sim.toml").read_text()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("seed = 7", "seed = 7\nsede = 1"), ["run.sede", "unknown key"]),
        (("workers = 3", 'workers = "three"'), ["run.workers", "valid integer", "'three'"]),
        (('kind = "hgm"', 'kind = "hgmx"'), ["policy", "'hgmx'", "greedy", "sica", "lineage"]),
        (('kind = "sim"', 'kind = "real-ish"'), ["world", "'sim'", "'real-ish'"]),
        (('kind = "drift"', 'kind = "drfit"'), ["world.sim", "'drfit'", "'mismatch'"]),
        (("n_tasks = 20", "n_tasks = 0"), ["world.sim.n_tasks:", "greater than"]),
        (("task_evals = 40", "task_evals = 40\n[extra]"), ["extra", "unknown key"]),
        (("[budget]", "[budget"), ["not valid TOML"]),
    ],
)
def test_bad_config_is_one_message_naming_the_key_and_exit_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    change: tuple[str, str],
    expected: list[str],
) -> None:
    path = _config(tmp_path, FAST_CONFIG.replace(*change, 1))
    result = hgm(monkeypatch, capsys, "run", str(path), "--run-dir", str(tmp_path / "r"))
    assert_exit_2(result, *expected)
    assert not (tmp_path / "r").exists()


def test_missing_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    result = hgm(monkeypatch, capsys, "run", str(tmp_path / "nope.toml"))
    assert_exit_2(result, "nope.toml: no such config file")


def test_not_a_run_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in ("resume", "status", "tree", "results"):
        code, _, err = hgm(monkeypatch, capsys, command, str(tmp_path))
        assert code == 2, command
        assert "not a run directory (missing run.toml, run.db)" in err


def test_run_then_read_it_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, FAST_CONFIG)
    run_dir = tmp_path / "runs" / "fast"
    code, _, err = hgm(monkeypatch, capsys, "run", str(config), "--run-dir", str(run_dir))
    assert code == 0, err
    assert "budget: 40 evaluations" in err
    assert (run_dir / "run.toml").read_text() == FAST_CONFIG

    code, out, _ = hgm(monkeypatch, capsys, "status", str(run_dir), "--json")
    status = json.loads(out)
    assert code == 0
    assert status["state"] == "finished"
    assert status["task_evals_done"] == status["budget_task_evals"] == 40
    assert status["agents"] >= 2
    best = status["best"]
    assert best["rule"] == "best-belief"
    assert 0.0 < best["interval"][0] < best["interval"][1] < 1.0
    assert best["evaluations"] > 0

    code, out, _ = hgm(monkeypatch, capsys, "tree", str(run_dir))
    assert code == 0
    assert out.count("agent ") == status["agents"]
    assert f"agent {best['agent']} " in out
    assert "★ shipped" in out

    code, out, _ = hgm(monkeypatch, capsys, "results", str(run_dir), "--format", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 40
    assert {"agent", "task", "success", "started", "finished"} <= set(rows[0])
    assert len({(r["agent"], r["task"]) for r in rows}) == 40

    out_csv = tmp_path / "results.csv"
    code, _, _ = hgm(
        monkeypatch, capsys, "results", str(run_dir), "--format", "csv", "--output", str(out_csv)
    )
    assert code == 0
    table = list(csv.DictReader(io.StringIO(out_csv.read_text())))
    assert [(int(r["agent"]), r["task"]) for r in table] == [(r["agent"], r["task"]) for r in rows]
    assert sum(int(r["success"]) for r in table) == sum(r["success"] for r in rows)

    # the run directory is never overwritten; resume did nothing, so it says so and exits 2
    result = hgm(monkeypatch, capsys, "run", str(config), "--run-dir", str(run_dir))
    assert_exit_2(result, f"hgm resume {run_dir}")
    result = hgm(monkeypatch, capsys, "resume", str(run_dir))
    assert_exit_2(result, "already finished (budget)", "raise [budget] task_evals")


def test_results_format_must_be_known(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    result = hgm(monkeypatch, capsys, "results", str(tmp_path), "--format", "xml")
    assert_exit_2(result, "jsonl", "csv")


def test_default_run_dir_is_runs_slash_name_and_a_driven_run_is_not_resumed_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    config = _config(tmp_path, FAST_CONFIG.replace("task_evals = 40", "task_evals = 5"))
    code, _, err = hgm(monkeypatch, capsys, "run", str(config))
    assert code == 0, err
    run_dir = tmp_path / "runs" / "fast"
    assert (run_dir / "run.db").is_file()
    with RunLock(run_dir / "run.lock"):
        code, out, _ = hgm(monkeypatch, capsys, "status", str(run_dir), "--json")
        assert json.loads(out)["state"] == "running"
        assert_exit_2(hgm(monkeypatch, capsys, "resume", str(run_dir)), "driven by another process")
