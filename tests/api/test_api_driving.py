"""Starting, stopping and resuming runs from Python with the CLI's guarantees: the config
written to the run directory, a clean stop (in this process or another), a resume that ends
at exactly the budget with no (agent, task) pair twice."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

import hgm
from hgm.runconfig.overrides import apply_overrides, overridden_text, to_toml

SIM = Path(__file__).parents[2] / "examples" / "sim.toml"
PACED = {
    "run.name": "api-drive",
    "budget.task_evals": 120,
    "world.seconds_per_time_unit": 0.03,
}


def wait_for_evaluations(run: hgm.Run, at_least: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if run.is_running and run.status().task_evals_done >= at_least:
            return
        time.sleep(0.1)
    raise AssertionError(f"no {at_least} evaluations within {timeout} s")


def assert_exactly_once(run: hgm.Run, budget: int) -> None:
    db = sqlite3.connect(run.path / "run.db")
    pairs = db.execute("SELECT agent, task FROM evaluations").fetchall()
    started = db.execute("SELECT count(*) FROM jobs WHERE kind = 'evaluate'").fetchone()[0]
    db.close()
    assert len(pairs) == len(set(pairs)) == started == budget


def test_overrides_and_config_objects(tmp_path: Path) -> None:
    config = hgm.load_config(SIM, {"budget.task_evals": 10, "world.sim.n_tasks": 30})
    assert (config.budget.task_evals, config.world.sim.n_tasks) == (10, 30)
    with pytest.raises(hgm.UserError, match=r"budget\.task_evalz"):
        hgm.load_config(SIM, {"budget.task_evalz": 10})
    with pytest.raises(hgm.UserError, match=r"run\.name"):
        hgm.start(SIM, tmp_path / "bad", overrides={"run.name": "no spaces"}, progress=False)
    assert not (tmp_path / "bad").exists()  # nothing made before the config is good

    run = hgm.start(
        config.model_copy(update={"run": config.run.model_copy(update={"name": "from-object"})}),
        tmp_path / "obj",
        progress=False,
    )
    assert run.name == "from-object" and run.outcome is not None
    assert run.outcome.evaluations_finished == 10
    assert hgm.load_config(run.path / "run.toml") == run.config
    assert run.config.world.sim.n_tasks == 30
    with pytest.raises(hgm.UserError, match="already finished"):  # nothing more to do
        hgm.resume(run.path, progress=False)
    assert run.status().task_evals_done == 10


def test_toml_writer_round_trips() -> None:
    data = {
        "run": {"name": "x", "seed": 3, "ratio": 0.25, "on": True, "off": None},
        "world": {
            "kind": "real",
            "llm": {
                "providers": {"a b": {"kind": "scripted", "rules": [{"n": 'say "hi"\n', "t": 1}]}},
                "budgets": {},
            },
            "list": [1, 2.5, "ü"],
        },
    }
    text = to_toml(data, "a header\nof two lines")
    assert text.startswith("# a header\n# of two lines\n")
    expected = apply_overrides(data, {"run.off": None})
    assert tomllib.loads(text) == expected
    assert apply_overrides(data, {"world.llm.budgets.run_usd": 2.0})["world"]["llm"]["budgets"] == {
        "run_usd": 2.0
    }
    with pytest.raises(hgm.UserError, match=r"run\.name is a value"):
        apply_overrides(data, {"run.name.first": 1})
    with pytest.raises(hgm.UserError, match="dotted key"):
        apply_overrides(data, {"run..name": 1})


def test_background_stop_then_resume_ends_at_exactly_the_budget(tmp_path: Path) -> None:
    run = hgm.start(SIM, tmp_path / "run", overrides=PACED, background=True, progress=False)
    wait_for_evaluations(run, 10)
    assert run.outcome is None  # still driving
    run.stop(timeout=60)
    assert run.outcome is not None and run.outcome.reason == "stopped"
    status = run.status()
    assert status.state == "interrupted" and status.task_evals_done < 120
    resumed = hgm.resume(run.path, progress=False)
    assert resumed.outcome is not None and resumed.outcome.reason == "budget"
    assert resumed.status().state == "finished"
    assert_exactly_once(resumed, 120)


def test_stop_a_run_another_process_drives(tmp_path: Path) -> None:
    config = tmp_path / "sim.toml"
    config.write_text(overridden_text(SIM.read_text(), "sim", PACED))
    directory = tmp_path / "run"
    driver = subprocess.Popen(
        [Path(sys.executable).parent / "hgm", "run", str(config), "--run-dir", str(directory)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "120"},
    )
    try:
        deadline = time.monotonic() + 60
        while not (directory / "run.toml").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        run = hgm.Run(directory)
        wait_for_evaluations(run, 5)
        status = run.stop(timeout=60)
        assert status.state == "interrupted"
        assert driver.wait(timeout=30) == 130, driver.stderr.read() if driver.stderr else ""
    finally:
        if driver.poll() is None:
            driver.kill()
    run.stop()  # nothing drives it now: a no-op
    finished = hgm.resume(directory, progress=False)
    assert_exactly_once(finished, 120)
