"""`hgm ablate`: which self-modifications of an agent's lineage carry its gain.

Writes to the run like `hgm certify` (tables `ablation_steps`, `ablation_results`,
`certifications`; in a real world also the gateway's `llm_calls` and artifacts), holding
the run's lock so that no other process drives it meanwhile. See hgm.evolve.ablation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hgm.cli.counted_progress import CountedProgress
from hgm.errors import UserError
from hgm.evolve.ablation import ablate, lineage_steps, open_ablation_world, require_real_world
from hgm.evolve.ablation_store import ALPHA, read_ablation
from hgm.evolve.certify import check_request, choose_tasks
from hgm.evolve.certify_stats import DIFFERENCE_METHOD, TEST_METHOD
from hgm.runconfig.agent_report import require_agent
from hgm.runconfig.config import read_run_config
from hgm.runconfig.status import best_agent
from hgm.store.run_dir import RunDir, RunLock
from hgm.store.run_store import RunStore
from hgm.store.schema import connect


def _table(result: dict[str, Any]) -> Table:
    table = Table(
        title=f"ablation of agent {result['agent']}: agent minus the variant without each step",
        caption=f"difference: {DIFFERENCE_METHOD}; test: {TEST_METHOD}; verdicts at p < {ALPHA}",
    )
    for column in (
        "step",
        "variant",
        "agent",
        "difference",
        "95% CI",
        "McNemar p",
        "cost",
        "verdict",
    ):
        table.add_column(column)
    for row in result["steps"]:
        if row["verdict"] == "skipped":
            table.add_row(
                str(row["step"]), "", "", "", "", "", "", escape(f"skipped: {row['reason']}")
            )
            continue
        difference, variant, agent = row["difference"], row["variant"], row["agent"]
        table.add_row(
            str(row["step"]),
            f"{variant['resolved']}/{variant['tasks']}",
            f"{agent['resolved']}/{agent['tasks']}",
            f"{difference['estimate']:+.3f}",
            f"[{difference['ci95'][0]:+.3f}, {difference['ci95'][1]:+.3f}]",
            f"{difference['mcnemar_p']:.4g}",
            f"${row['cost_usd']:.4f}",
            row["verdict"],
        )
    return table


def ablate_command(
    run_dir: Path = typer.Argument(..., help="the run directory"),
    agent: int | None = typer.Argument(
        None, help="the agent to ablate (default: the one the run ships by its [select] rule)"
    ),
    tasks: str = typer.Option(
        "held-out",
        "--tasks",
        help="held-out | all (held-out + search tasks) | N (first N held-out)",
    ),
    workers: int | None = typer.Option(
        None, "--workers", min=1, max=256, help="graded at the same time (default: run.workers)"
    ),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object for scripts"),
) -> None:
    """Revert each step of an agent's lineage, grade the variants: which changes carry its gain.

    Each variant is graded on held-out tasks like `hgm certify` (docs/dashboard.md).

    Examples:

    ```
    hgm ablate runs/quickstart
    hgm ablate runs/quickstart 7 --tasks 10 --json
    ```
    """
    directory = RunDir.open(run_dir)
    config, _ = read_run_config(directory.config_path)
    require_real_world(config, directory)
    check_request(config, tasks)
    with RunStore.open_for_reading(directory.db_path) as store:
        tree = store.tree()
        shipped = best_agent(store, config)
    if shipped is None:
        raise UserError(f"{run_dir}: the run has no agents yet")
    chosen = shipped.agent if agent is None else agent
    require_agent(tree, chosen, run_dir)
    if tree.parent(chosen) is None:
        raise UserError(f"agent {chosen} is the root: it has no self-modification to revert")
    console = Console(stderr=True)
    with RunLock(directory.lock_path), open_ablation_world(config, directory) as world:
        chosen_tasks = choose_tasks(world.certifier, tasks, config)
        steps = lineage_steps(world.archive, chosen)
        db = connect(directory.db_path)
        try:
            total = len(chosen_tasks) * (len(steps) + 1)
            with CountedProgress(console, "ablating", "grades", total, as_json) as progress:

                def done(who: str, task: str, success: bool) -> None:
                    verdict = "resolved" if success else "failed"
                    progress.advance(1, f"{who} {task}: {verdict}")

                def skipped(step: int, reason: str) -> None:
                    progress.advance(len(chosen_tasks))
                    console.print(escape(f"step {step} skipped: {reason}"))

                spent = ablate(
                    world, db, chosen, chosen_tasks, workers or config.run.workers, done, skipped
                )
            result = read_ablation(db, chosen)
        finally:
            db.close()
    assert result is not None
    result["tasks"] = {"which": tasks, "count": len(chosen_tasks)}
    result["cost_usd_now"] = spent
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    Console().print(_table(result))
    typer.echo(f"cost of this ablation: ${spent:.4f} (pairs graded before were reused)")


def register(app: typer.Typer) -> None:
    """Add `ablate` to the `hgm` app."""
    app.command(name="ablate")(ablate_command)
