"""Runs made once per test session for the ui tests: simulated ones (in-process, fast) and
the scripted quick start (a real run: sandbox, git, gateway, grading), certified and ablated."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cli_helpers import make_sim_run

from components import need
from hgm.sandbox import BubblewrapConfig, check_backend


def sim_config(name: str, policy: str = "hgm", budget: int = 120, pace: float = 0.0) -> str:
    return f"""
[run]
name = "{name}"
seed = 3
workers = 3

[budget]
task_evals = {budget}

[policy]
kind = "{policy}"

[world]
kind = "sim"
heldout_tasks = 20
seconds_per_time_unit = {pace}

[world.sim]
kind = "drift"
root_skill = 0.3
drift_sd = 0.08
fail_prob = 0.2
n_tasks = 40
"""


# Seed 2 splits HumanEval so that 7 of the 12 held-out tasks need the one guideline of
# category 1 (with `categories = 2` every other task needs none): an agent that holds it
# solves them all, and the variant without it loses exactly those 7 (McNemar p = 0.016).
QUICKSTART = """
[run]
name = "uiquick"
seed = 2
workers = 2

[budget]
task_evals = 12

[policy]
kind = "hgm"

[world]
kind = "real"

[world.quickstart]
categories = 2
broken_share = 0.0
harmful_share = 0.0
price_per_m = 1.0

[world.bench]
name = "humaneval"

[world.bench.subset]
size = 8
heldout_size = 12
seed = 2

[world.limits]
max_steps = 8
wall_clock_s = 60
grace_s = 10
"""


def make_sim(root: Path, name: str, policy: str = "hgm") -> Path:
    root.mkdir(parents=True)
    return make_sim_run(root, sim_config(name, policy))


def tool_env(home: Path) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "PYTHONUNBUFFERED": "1",
    }


def hgm_process(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hgm", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
        start_new_session=True,  # its own process group: its sandboxes die with it
        check=False,
    )


def make_quickstart(root: Path) -> Path:
    """The scripted quick start run, then `hgm ablate` and `hgm certify` of the agent it ships."""
    need("bubblewrap", check_backend(BubblewrapConfig()))
    root.mkdir(parents=True)
    config = root / "quick.toml"
    config.write_text(QUICKSTART)
    run = root / "run"
    env = tool_env(root / "home")
    done = hgm_process(env, "run", str(config), "--run-dir", str(run))
    assert done.returncode == 0, done.stdout + done.stderr
    ablated = hgm_process(env, "ablate", str(run), "--json")
    assert ablated.returncode == 0, ablated.stdout + ablated.stderr
    (root / "ablation.json").write_text(ablated.stdout)
    certified = hgm_process(env, "certify", str(run), "--json")  # reuses the agent's grades
    assert certified.returncode == 0, certified.stdout + certified.stderr
    return run
