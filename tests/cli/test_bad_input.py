"""Bad input and bad state through the real `hgm` entry point: each is one message, exit 2,
no traceback, and nothing lost."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from cli_helpers import assert_exit_2, hgm, make_sim_run

REPO = Path(__file__).resolve().parents[2]
SIM = (REPO / "examples" / "sim.toml").read_text()
SMALL = SIM.replace("task_evals = 300", "task_evals = 12")


def _run(
    tmp_path: Path,
    text: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> tuple[int, str, str]:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    return hgm(monkeypatch, capsys, "run", str(path), "--run-dir", str(tmp_path / "r"))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("task_evals = 300", 'task_evals = "10"'), ["budget.task_evals", "valid integer", "'10'"]),
        (("task_evals = 300", "task_evals = true"), ["budget.task_evals", "(given: true)"]),
        (("task_evals = 300", "task_evals = 3.0"), ["budget.task_evals", "valid integer"]),
        (("task_evals = 300", "task_evals = 300\nmoney_usd = inf"), ["budget.money_usd", "finite"]),
        (("task_evals = 300", "task_evals = 300\nwall_clock_s = nan"), ["wall_clock_s", "finite"]),
        (("beta = 1.0", "beta = inf"), ["policy.beta: must be a finite number (given: inf)"]),
        (("beta = 1.0", "beta = -inf"), ["policy.beta", "(given: -inf)"]),
        (("beta = 1.0", 'beta = "1.0"'), ["policy.beta", "valid number"]),
        (("workers = 4", "workers = false"), ["run.workers", "valid integer"]),
        (("task_evals = 300", "task_evlas = 300"), ["did you mean 'task_evals'?"]),
        (("cool_down = true", "cooldown = true"), ["policy.cooldown", "did you mean 'cool_down'"]),
        (("[world.sim]", "[world.sim]\nfail_prb = 0.1"), ["did you mean 'fail_prob'"]),
        (("task_evals = 300", "task_evals = 300\nzzz = 1"), ["budget.zzz", "allowed: task_evals"]),
    ],
)
def test_values_are_strict_and_keys_are_named(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    change: tuple[str, str],
    expected: list[str],
) -> None:
    assert change[0] in SIM
    assert_exit_2(_run(tmp_path, SIM.replace(*change, 1), monkeypatch, capsys), *expected)
    assert not (tmp_path / "r").exists()


def test_whole_numbers_are_accepted_where_decimals_are_allowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = SMALL.replace("beta = 1.0", "beta = 1").replace(
        "task_evals = 12", "task_evals = 12\nmoney_usd = 5"
    )
    code, _, err = _run(tmp_path, text, monkeypatch, capsys)
    assert code == 0, err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ["[run] is missing", "[budget] is missing", "[world] is missing"]),
        ("# only a comment\n", ["[run] is missing"]),
        ('[run]\nname = "x"\n[budget]\n[world]\nkind = "sim"', ["budget.task_evals is missing"]),
        ('[run]\nname = "x"\n[budget]\ntask_evals = 3\n[world]\nkind = "sim"', ["[world.sim]"]),
    ],
)
def test_missing_tables_and_keys_are_named(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    text: str,
    expected: list[str],
) -> None:
    result = _run(tmp_path, text, monkeypatch, capsys)
    assert_exit_2(result, *expected)
    assert "(top level)" not in result[2]


@pytest.mark.parametrize("depth", [40, 5000])
def test_deeply_nested_arrays_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], depth: int
) -> None:
    nested = "[" * depth + "]" * depth
    text = SIM.replace("[world.sim]", f"[world.sim]\ndeep = {nested}")
    assert_exit_2(_run(tmp_path, text, monkeypatch, capsys), "nested")


def test_simulate_checks_its_output_paths_before_the_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no" / "such" / "plot.png"
    args = ("simulate", "--seeds", "100000", "--budget", "1000")  # hours, were it run
    assert_exit_2(hgm(monkeypatch, capsys, *args, "--plot", str(missing)), "does not exist")
    assert_exit_2(hgm(monkeypatch, capsys, *args, "--plot", str(tmp_path / "p.gif")), ".png")
    assert_exit_2(hgm(monkeypatch, capsys, *args, "--json", str(tmp_path)), "is a directory")


@pytest.mark.parametrize(
    "option", [("--policies", "hgm:beta=inf"), ("--param", "fail_prob=nan"), ("--epsilon", "nan")]
)
def test_simulate_refuses_numbers_that_are_not_finite(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], option: tuple[str, str]
) -> None:
    result = hgm(monkeypatch, capsys, "simulate", "--seeds", "2", "--budget", "10", *option)
    assert_exit_2(result, option[1].split("=")[0].split(":")[0])
    assert "finite" in result[2] or "(0, 0.5)" in result[2]


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sim_run(tmp_path_factory.mktemp("finished"), SMALL)


def _copy(run_dir: Path, to: Path) -> Path:
    to.mkdir()
    for name in ("run.toml", "run.db"):
        (to / name).write_bytes((run_dir / name).read_bytes())
    return to


def test_a_damaged_database_is_named_by_status_and_resume(
    finished_run: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    damaged = _copy(finished_run, tmp_path / "damaged")
    db = damaged / "run.db"
    with sqlite3.connect(db) as connection:
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        (root,) = connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'evaluations'"
        ).fetchone()
    with db.open("r+b") as file:  # overwrite the evaluations table's root page
        file.seek((root - 1) * page_size)
        file.write(os.urandom(page_size))
    for command in ("status", "resume", "tree"):
        result = hgm(monkeypatch, capsys, command, str(damaged))
        assert_exit_2(result, "is damaged", ".recover")


def test_a_run_lock_that_is_a_directory_is_named(
    finished_run: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run_dir = _copy(finished_run, tmp_path / "locked")
    (run_dir / "run.lock").mkdir()
    config = run_dir / "run.toml"
    config.write_text(config.read_text().replace("task_evals = 12", "task_evals = 14"))
    result = hgm(monkeypatch, capsys, "resume", str(run_dir))
    assert_exit_2(result, "run.lock: cannot open the run's lock file", "remove it")
    code, out, _ = hgm(monkeypatch, capsys, "status", str(run_dir), "--json")
    assert code == 0 and '"state": "finished"' in out, "status still reads the run"
