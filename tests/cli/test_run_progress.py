"""The live progress display follows the engine's events and shows the best agent."""

from __future__ import annotations

import io
import re

from rich.console import Console
from rich.live import Live

from hgm.cli.progress import RunProgress
from hgm.engine.budget import Budget
from hgm.engine.engine import Engine, RunSummary
from hgm.runconfig.config import RunConfig, parse_run_config
from hgm.search.policies import make_policy
from hgm.sim import make_world

CONFIG = """
[run]
name = "progress"
workers = 3
[budget]
task_evals = 30
money_usd = 100.0
[world]
kind = "sim"
[world.sim]
kind = "drift"
n_tasks = 12
eval_cost_usd = 0.5
"""


def _run(config: RunConfig, progress: RunProgress) -> RunSummary:
    engine = Engine(
        make_world(config.world.sim, 0),
        make_policy(config.policy),
        Budget(task_evals=30, money_usd=100.0),
        workers=3,
        seed=0,
        observers=(progress,),
    )
    progress.bind(engine.tree, None)
    return engine.run()


def test_progress_shows_budget_money_workers_tree_and_best() -> None:
    config = parse_run_config(CONFIG, "test")
    out = io.StringIO()
    console = Console(file=out, width=120, force_terminal=False)
    with Live(console=console) as live:
        progress = RunProgress(config, live)
        summary = _run(config, progress)
    text = out.getvalue()
    assert "30/30" in text
    assert "$15.00 / $100.00" in text
    assert re.search(r"workers busy +0 / 3", text)
    assert f"{summary.agents} agents, {summary.expansions_failed} failed expansions" in text
    assert "best (best-belief)  agent " in text
    assert "interval [" in text


def test_off_a_terminal_the_progress_goes_to_the_log_as_lines(monkeypatch) -> None:
    """rich shows a live display only at its end where the output is not a terminal: a run
    writing to a log prints a line of the same facts every `log_every_s` seconds."""
    monkeypatch.setattr("hgm.cli.progress.REFRESH_S", 0.0)
    config = parse_run_config(CONFIG, "test")
    out = io.StringIO()
    with Live(console=Console(file=out, width=200, force_terminal=False)) as live:
        progress = RunProgress(config, live)
        assert progress.log_every_s == 30.0
        progress.log_every_s = 1e-9  # a line at every render
        _run(config, progress)
    lines = [line for line in out.getvalue().splitlines() if line.startswith("run: ")]
    assert len(lines) > 10
    shape = r"run: \d+/30 evaluations started, [0-3]/3 workers busy, \$\d+\.\d\d, "
    assert re.match(shape, lines[0])
    assert "best agent " in lines[-1] and "agents (" in lines[-1]
