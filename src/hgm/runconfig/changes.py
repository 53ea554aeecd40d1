"""An edited run.toml on `hgm resume`: what changed since the run recorded its config, and
whether a resumed run may take it.

A resumed run may get more budget (`[budget]`: a larger `task_evals`, `expansions`,
`wall_clock_s` or `money_usd`, or a cap removed), another number of workers and another
`pause_after_failures`; the engine state and every result so far stay valid under
those. Anything else (the policy, the world, the seed, a smaller budget) would make the
run a mix of two configs, so resume refuses it and names each change. Accepted changes
are recorded in run.db (`hgm.store.configs`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hgm.errors import UserError, shown
from hgm.runconfig.config import RunConfig, parse_run_config
from hgm.store.configs import recorded_configs
from hgm.store.schema import connect

GROWING = ("budget.task_evals", "budget.expansions", "budget.wall_clock_s", "budget.money_usd")
FREE = ("run.workers", "run.pause_after_failures")


@dataclass(frozen=True, slots=True)
class Change:
    path: str
    before: Any
    after: Any
    problem: str | None  # None: a resumed run may take it

    def describe(self) -> str:
        line = f"{self.path}: {_value(self.before)} -> {_value(self.after)}"
        return line if self.problem is None else f"{line} ({self.problem})"


def _value(value: Any) -> str:
    return "unset" if value is None else shown(value)


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat |= _flatten(item, f"{prefix}.{key}" if prefix else str(key))
        return flat
    return {prefix: value}


def _problem(path: str, before: Any, after: Any, old: RunConfig, new: RunConfig) -> str | None:
    if path in FREE:
        return None
    if path not in GROWING:
        return "only [budget], run.workers and run.pause_after_failures may change on resume"
    if path == "budget.expansions":  # unset means twice task_evals
        before = old.budget.task_evals * 2 if before is None else before
        after = new.budget.task_evals * 2 if after is None else after
    if after is None or (before is not None and after >= before):
        return None
    return "a budget may only grow on resume"


def config_changes(old: RunConfig, new: RunConfig) -> list[Change]:
    """Every setting that differs between the two configs, in key order."""
    before = _flatten(old.model_dump(mode="json"))
    after = _flatten(new.model_dump(mode="json"))
    changes = []
    for path in sorted(before.keys() | after.keys()):
        if before.get(path) != after.get(path):
            old_value, new_value = before.get(path), after.get(path)
            changes.append(
                Change(path, old_value, new_value, _problem(path, old_value, new_value, old, new))
            )
    return changes


@dataclass(frozen=True, slots=True)
class Reconciled:
    """run.toml differs from the recorded config in ways a resumed run may take: `lines`
    to record with it, and the `changed` keys (empty when only comments or layout changed,
    or the run predates recorded configs)."""

    lines: tuple[str, ...]
    changed: frozenset[str]


ENDING_KEYS = {
    "budget": ("budget.task_evals",),
    "money": ("budget.money_usd",),
    "wall-clock": ("budget.wall_clock_s",),
    "no-work": GROWING,
}


def finished_blocker(
    reason: str | None,
    config: RunConfig,
    reconciled: Reconciled | None,
    evaluations_started: int,
    money_usd: float,
) -> str | None:
    """None when a run that finished for `reason` has more to do under `config` (run.toml,
    as `reconciled` with the recorded one); else what to change to continue it."""
    budget = config.budget
    if reason == "budget" and budget.task_evals > evaluations_started:
        return None
    if reason == "money" and (budget.money_usd is None or budget.money_usd > money_usd):
        return None
    keys = ENDING_KEYS.get(reason or "", ())
    if reason not in ("budget", "money") and reconciled and reconciled.changed & set(keys):
        return None
    if not keys:
        return "nothing to continue"
    names = " or ".join(key.removeprefix("budget.") for key in keys)
    return f"to continue it, raise [budget] {names} in run.toml and resume again"


def reconcile_config(db_path: Path, config: RunConfig, text: str) -> Reconciled | None:
    """None when run.toml is what the run recorded last; else what to record with it.
    A change a resumed run may not take is a UserError naming each."""
    connection = connect(db_path, readonly=True)
    try:
        recorded = recorded_configs(connection)
    finally:
        connection.close()
    if not recorded:
        return Reconciled((), frozenset())
    last = recorded[-1].config
    if last == text:
        return None
    try:
        old = parse_run_config(last, f"{db_path} (the config the run recorded)")
    except UserError as error:
        note = f"the recorded config no longer reads with this hgm ({error}); run.toml taken"
        return Reconciled((note,), frozenset())
    changes = config_changes(old, config)
    refused = [change for change in changes if change.problem is not None]
    if refused:
        lines = "\n".join(f"  {change.describe()}" for change in refused)
        raise UserError(
            f"{db_path.parent / 'run.toml'} was edited since the run recorded it, in ways a "
            f"resumed run cannot take:\n{lines}\n"
            "A resumed run may only get more budget ([budget]: task_evals, expansions, "
            "wall_clock_s, money_usd) or another run.workers; undo the other edits (the "
            "values before each arrow are the recorded ones)."
        )
    return Reconciled(
        tuple(change.describe() for change in changes),
        frozenset(change.path for change in changes),
    )
