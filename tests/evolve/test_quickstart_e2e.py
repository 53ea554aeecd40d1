"""The offline quick start end to end, through the `hgm` command: scripted model, real
sandbox, real git, real SQLite, real grading.

- a run grows agents by real self-modification, evaluates them, and ships an agent that
  beats the root on held-out tasks it never saw (evaluated here, both of them);
- a money budget stops the run cleanly, and the money recorded is the gateway's.

SIGKILL at several points of a real run and `hgm resume` after each:
tests/cli/test_real_kill_resume.py.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from components import need
from hgm.archive import Archive
from hgm.evolve.build import ARCHIVE_NAME, open_real_world
from hgm.runconfig.config import read_run_config
from hgm.runconfig.real_world import RealWorldSection
from hgm.sandbox import BubblewrapConfig, check_backend
from hgm.search.selection import select_final
from hgm.store.run_store import RunStore

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]


def config_text(
    name: str,
    *,
    evals: int,
    size: int,
    heldout: int,
    money: float | None = None,
    price: float = 0.0,
    seed: int = 0,
    broken: float = 0.15,
) -> str:
    money_line = f"money_usd = {money}" if money is not None else ""
    return f"""
[run]
name = "{name}"
seed = {seed}
workers = 2

[budget]
task_evals = {evals}
{money_line}

[policy]
kind = "hgm"

[world]
kind = "real"

[world.quickstart]
categories = 6
broken_share = {broken}
harmful_share = 0.1
price_per_m = {price}

[world.bench]
name = "humaneval"

[world.bench.subset]
size = {size}
heldout_size = {heldout}
seed = {seed}

[world.limits]
max_steps = 8
wall_clock_s = 60
grace_s = 10
"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    need("bubblewrap", check_backend(BubblewrapConfig()))
    home = tmp_path / "home"
    home.mkdir()
    return {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "PYTHONUNBUFFERED": "1",
    }


def hgm(env: dict[str, str], *args: str, cwd: Path | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "hgm", *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: the sandboxes die with it
    )


def finish(process: subprocess.Popen[bytes], timeout: float = 500) -> tuple[int, str]:
    output, _ = process.communicate(timeout=timeout)
    return process.returncode, output.decode(errors="replace")


def query(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db, timeout=30) as connection:
        return connection.execute(sql).fetchall()


def check_archive(run: Path) -> list[int]:
    """The archive is sound and holds exactly the agents the run admitted; returns them."""
    archive = Archive.open(run / ARCHIVE_NAME)
    assert archive.verify() == []
    admitted = sorted(int(row[0]) for row in query(run / "run.db", "SELECT id FROM agents"))
    assert archive.agents() == admitted
    return admitted


def test_the_quick_start_ships_an_agent_better_than_the_root(
    tmp_path: Path, env: dict[str, str]
) -> None:
    config = tmp_path / "quick.toml"
    # seed 0: the 12 held-out tasks cover every skill category, so the root (which solves
    # category 0 only) is beaten there by any agent that added a guideline to itself
    config.write_text(config_text("quick", evals=24, size=12, heldout=12, broken=0.0))
    run = tmp_path / "run"
    # relative paths, as the README's quick start gives them: jobs run in other directories
    code, output = finish(hgm(env, "run", "quick.toml", "--run-dir", "run", cwd=tmp_path))
    assert code == 0, output
    admitted = check_archive(run)
    assert len(admitted) >= 3, output
    archive = Archive.open(run / ARCHIVE_NAME)
    for child in admitted[1:]:  # every child is a real edit of the agent's own prompts
        assert "coding_agent/prompts.py" in archive.diff(child)
        assert archive.record(child).metadata["problem_statement"]
    db = run / "run.db"
    assert query(db, "SELECT count(*) FROM evaluations WHERE agent > 0")[0][0] > 0
    with RunStore.open_for_reading(db) as store:
        best = select_final(store.tree()).agent
    assert best != 0, "the search shipped the root"
    parsed, _ = read_run_config(config)
    assert isinstance(parsed.world, RealWorldSection)
    with open_real_world(parsed.world, "quick", 0, run, db) as world:
        heldout = world.heldout_tasks()
        pairs = [(agent, task) for agent in (0, best) for task in heldout]
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda pair: world.certify(*pair).success, pairs))
    root_solved, best_solved = sum(results[: len(heldout)]), sum(results[len(heldout) :])
    assert best_solved > root_solved, (root_solved, best_solved)


def test_a_money_budget_stops_the_run_cleanly(tmp_path: Path, env: dict[str, str]) -> None:
    config = tmp_path / "money.toml"
    config.write_text(config_text("money", evals=200, size=12, heldout=2, money=2.0, price=100))
    run = tmp_path / "run"
    code, output = finish(hgm(env, "run", str(config), "--run-dir", str(run)))
    assert code == 0, output
    db = run / "run.db"
    assert query(db, "SELECT end_reason FROM sessions") == [("money",)]
    started, done = query(
        db, "SELECT (SELECT count(*) FROM jobs), (SELECT count(*) FROM jobs WHERE status='done')"
    )[0]
    assert started == done and isinstance(started, int) and 0 < started < 200
    recorded = query(
        db,
        "SELECT (SELECT coalesce(sum(cost_usd), 0) FROM evaluations) + "
        "(SELECT coalesce(sum(cost_usd), 0) FROM expansions)",
    )[0][0]
    spent = query(db, "SELECT sum(cost_usd) FROM llm_calls WHERE run = 'money'")[0][0]
    assert isinstance(recorded, float) and isinstance(spent, float)
    assert recorded == pytest.approx(spent)
    assert recorded >= 2.0
    check_archive(run)
