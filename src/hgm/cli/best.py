"""`hgm best`: the agent a run ships under a final-selection rule (reads the run only)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from hgm.errors import UserError
from hgm.runconfig.config import read_run_config
from hgm.search.selection import SELECTION_RULES, select_final
from hgm.store.run_dir import RunDir
from hgm.store.run_store import RunStore


def best(
    run_dir: Path = typer.Argument(..., help="the run directory"),
    rule: str | None = typer.Option(
        None, "--rule", help="best-belief | best-mean | lcb | lineage (default: the run's [select])"
    ),
    epsilon: float | None = typer.Option(
        None, "--epsilon", help="best-belief's posterior quantile (default: the run's [select])"
    ),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object for scripts"),
) -> None:
    """Show the agent the run ships under a rule, with its mean, interval and evaluations."""
    directory = RunDir.open(run_dir)
    config, _ = read_run_config(directory.config_path)
    chosen_rule = config.select.rule if rule is None else rule
    chosen_epsilon = config.select.epsilon if epsilon is None else epsilon
    if chosen_rule not in SELECTION_RULES:
        raise UserError(
            f"--rule {chosen_rule!r} is not allowed; use one of {', '.join(SELECTION_RULES)}"
        )
    with RunStore.open_for_reading(directory.db_path) as store:
        tree = store.tree()
    if len(tree) == 0:
        raise UserError(f"{run_dir}: the run has no agents yet")
    selection = select_final(tree, chosen_rule, chosen_epsilon)
    record = {
        "agent": selection.agent,
        "rule": chosen_rule,
        "epsilon": chosen_epsilon,
        "mean": selection.mean,
        "interval": [selection.low, selection.high],
        "evaluations": selection.n,
        "successes": tree.own_successes(selection.agent),
        "agents": len(tree),
    }
    if as_json:
        typer.echo(json.dumps(record, indent=2))
        return
    interval = f"[{selection.low:.3f}, {selection.high:.3f}]"
    typer.echo(
        f"agent {selection.agent} ({chosen_rule}): mean {selection.mean:.3f} "
        f"({record['successes']}/{selection.n} evaluations), "
        f"posterior interval {interval} (Beta(1+s, 1+f), quantiles {chosen_epsilon:g} "
        f"and {1 - chosen_epsilon:g}); {len(tree)} agents in the run"
    )


def register(app: typer.Typer) -> None:
    """Add `best` to the `hgm` app."""
    app.command()(best)
