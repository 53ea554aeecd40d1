"""`hgm best`: the agent a run ships under a final-selection rule (reads the run only).

Fast: SQL and plain Python (`hgm.runconfig.status.shipped_agent`), no numpy or pydantic.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from hgm.errors import UserError
from hgm.runconfig.facts import read_run_facts
from hgm.runconfig.status import shipped_agent
from hgm.store.agent_counts import read_agents
from hgm.store.run_dir import RunDir
from hgm.store.run_store import RunStore
from hgm.store.shipped import PLAIN_RULES


def best(
    run_dir: Path = typer.Argument(..., help="the run directory"),
    rule: str | None = typer.Option(
        None,
        "--rule",
        help="best-belief | best-mean | lcb | lineage (default: the run's [select] rule)",
    ),
    epsilon: float | None = typer.Option(
        None, "--epsilon", help="best-belief's posterior quantile (default: the run's [select])"
    ),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object for scripts"),
) -> None:
    """Show the agent the run ships under a rule, with its mean, interval and evaluations.

    The id it prints is what `hgm show`, `hgm diff` and `hgm export` take (they also take
    `best` for it). Rules: docs/ALGORITHMS.md, "final agent".

    Examples:

    ```
    hgm best runs/quickstart
    hgm best runs/quickstart --rule lcb --json
    ```
    """
    directory = RunDir.open(run_dir)
    facts = read_run_facts(directory.config_path)
    chosen_rule = facts.rule if rule is None else rule
    chosen_epsilon = facts.epsilon if epsilon is None else epsilon
    if chosen_rule not in PLAIN_RULES:  # the others need hgm.search (numpy)
        from hgm.search.selection import SELECTION_RULES

        if chosen_rule not in SELECTION_RULES:
            allowed = ", ".join(SELECTION_RULES)
            raise UserError(f"--rule {chosen_rule!r} is not allowed; use one of {allowed}")
    if not 0.0 < chosen_epsilon < 0.5:
        raise UserError(f"--epsilon must be in (0, 0.5), given {chosen_epsilon}")
    with RunStore.open_for_reading(directory.db_path) as store:
        agents = read_agents(store.connection)
        selection = shipped_agent(store.connection, chosen_rule, chosen_epsilon)
    if selection is None:
        raise UserError(f"{run_dir}: the run has no agents yet")
    successes = next(a.successes for a in agents if a.agent == selection.agent)
    record = {
        "agent": selection.agent,
        "rule": chosen_rule,
        "epsilon": chosen_epsilon,
        "mean": selection.mean,
        "interval": list(selection.interval),
        "evaluations": selection.evaluations,
        "successes": successes,
        "agents": len(agents),
    }
    if as_json:
        typer.echo(json.dumps(record, indent=2))
        return
    low, high = selection.interval
    typer.echo(
        f"agent {selection.agent} ({chosen_rule}): mean {selection.mean:.3f} "
        f"({successes} of {selection.evaluations} evaluations succeeded), "
        f"posterior interval [{low:.3f}, {high:.3f}] (Beta(1+s, 1+f), quantiles "
        f"{chosen_epsilon:g} and {1 - chosen_epsilon:g}); {len(agents)} agents in the run"
    )


def register(app: typer.Typer) -> None:
    """Add `best` to the `hgm` app."""
    app.command()(best)
