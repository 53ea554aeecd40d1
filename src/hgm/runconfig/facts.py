"""What reading a run needs from its config, read with `tomllib` alone (no pydantic).

A run directory's `run.toml` was validated in full when the run was created, so the
read-only commands (`hgm status`, `hgm tree`, `hgm best`) and `hgm.Run` take the few values
they need straight from the TOML, with the same defaults as `hgm.runconfig.config`
(tests/store/test_run_facts.py checks that the defaults agree). Anything else needs
`read_run_config`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hgm.errors import UserError

DEFAULT_WORKERS = 4
DEFAULT_SEED = 0
DEFAULT_RULE = "policy"
DEFAULT_POLICY_KIND = "lineage"
"""The kind `kind = "default"` stands for (`hgm.search.config.DEFAULT_KIND`)."""
DEFAULT_EPSILON = 0.01
DEFAULT_POLICY = "hgm"


@dataclass(frozen=True, slots=True)
class RunFacts:
    """The run's name, size, budget and final-selection rule, and its world's kind."""

    name: str
    seed: int
    workers: int
    task_evals: int
    money_usd: float | None
    rule: str
    epsilon: float
    policy: str
    world: str
    policy_settings: dict[str, Any]


def _table(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name, {})
    return value if isinstance(value, dict) else {}


def _rule(rule: str, policy: dict[str, Any]) -> str:
    """`rule = "policy"` (the default) read as the policy's own final rule, as
    `hgm.search.selection.policy_rule` does: `lineage` for the lineage policy (also when
    named `default`), else the paper's `best-belief`."""
    if rule != "policy":
        return rule
    kind = str(policy.get("kind", DEFAULT_POLICY))
    if kind == "default":
        kind = DEFAULT_POLICY_KIND
    return "lineage" if kind == "lineage" else "best-belief"


def parse_run_facts(text: str, source: str) -> RunFacts:
    try:
        data = tomllib.loads(text)
        run, budget = _table(data, "run"), _table(data, "budget")
        select, policy = _table(data, "select"), _table(data, "policy")
        return RunFacts(
            name=str(run["name"]),
            seed=int(run.get("seed", DEFAULT_SEED)),
            workers=int(run.get("workers", DEFAULT_WORKERS)),
            task_evals=int(budget["task_evals"]),
            money_usd=None if budget.get("money_usd") is None else float(budget["money_usd"]),
            rule=_rule(str(select.get("rule", DEFAULT_RULE)), policy),
            epsilon=float(select.get("epsilon", DEFAULT_EPSILON)),
            policy=str(policy.get("kind", DEFAULT_POLICY)),
            world=str(_table(data, "world")["kind"]),
            policy_settings=policy,
        )
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as error:
        raise UserError(f"{source}: not a valid run config ({error!r}); see docs/runs.md") from None


def read_run_facts(path: Path) -> RunFacts:
    """The facts of the run config at `path` (a run directory's `run.toml`)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{path}: no such config file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"{path}: cannot read the config file ({error})") from None
    return parse_run_facts(text, str(path))
