"""The run config: one TOML file, validated by pydantic, copied verbatim into the run directory.

```toml
[run]       name, seed, workers, pause_after_failures
[budget]    task_evals, expansions, wall_clock_s, money_usd
[policy]    kind = "default" | "lineage" | "hgm" | "dgm" | "sica" | "greedy" | "random", then knobs
[select]    rule = "policy" | "best-belief" | "best-mean" | "lcb" | "lineage", epsilon
[world]     kind = "sim" | "real", then that world's settings (real: hgm.runconfig.real_world)
[executor]  kind = "local" | "ray": where jobs run (hgm.runconfig.executor)
```

Every table forbids unknown keys; every error names the key, the value given
and what is allowed (see `hgm.errors.describe_validation_error`), a missing table by
its name, and a mistyped key with the nearest valid one. Types are strict: `"10"` or
`true` is no number, and numbers must be finite (`hgm.runconfig.toml_input`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hgm.errors import UserError, describe_validation_error
from hgm.runconfig.executor import ExecutorSection, LocalExecutorSection
from hgm.runconfig.real_world import RealWorldSection
from hgm.runconfig.toml_input import load_toml
from hgm.search.config import HGMPolicyConfig, PolicyConfig
from hgm.search.selection import policy_rule
from hgm.sim.config import SimWorldConfig


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class RunSection(_Section):
    name: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
        max_length=100,
        description="run name; the default run directory is runs/<name>",
    )
    seed: int = Field(0, ge=0, description="drives every random draw of the search and world")
    workers: int = Field(4, ge=1, le=1024, description="jobs run at the same time")
    pause_after_failures: int = Field(
        3,
        ge=1,
        le=1000,
        description="pause the run after this many jobs in a row failed because the "
        "infrastructure failed (provider, gateway, sandbox, toolchain); `hgm resume` continues",
    )


class BudgetSection(_Section):
    task_evals: int = Field(ge=1, description="task evaluations, charged when each one starts")
    expansions: int | None = Field(
        None, ge=1, description="cap on self-modifications started (default 2 x task_evals)"
    )
    wall_clock_s: float | None = Field(None, gt=0, description="cap on the run's seconds")
    money_usd: float | None = Field(None, gt=0, description="cap on the money the world reports")


class SelectSection(_Section):
    rule: Literal["policy", "best-belief", "best-mean", "lcb", "lineage"] = Field(
        "policy", description="how the run picks the agent it ships (policy: the policy's own)"
    )
    epsilon: float = Field(
        0.01, gt=0.0, lt=0.5, description="posterior quantile of best-belief (paper: 0.01)"
    )


class SimWorldSection(_Section):
    """A simulated world: synthetic agents, Bernoulli results, virtual job durations."""

    kind: Literal["sim"]
    sim: SimWorldConfig = Field(description="the world family and its parameters ([world.sim])")
    seconds_per_time_unit: float = Field(
        0.0,
        ge=0.0,
        le=60.0,
        description="real seconds slept per unit of a job's virtual duration "
        "(0: run as fast as possible in virtual time)",
    )
    heldout_tasks: int = Field(
        0,
        ge=0,
        le=100_000,
        description="extra simulated tasks never searched on, for `hgm certify` "
        "(ids continue after the search tasks)",
    )


class RunConfig(_Section):
    run: RunSection
    budget: BudgetSection
    policy: PolicyConfig = Field(default_factory=HGMPolicyConfig)
    select: SelectSection = Field(default_factory=SelectSection)
    world: SimWorldSection | RealWorldSection = Field(
        discriminator="kind", description='what does the work: `kind = "sim"` or `"real"`'
    )
    executor: ExecutorSection = Field(
        default_factory=LocalExecutorSection,
        discriminator="kind",
        description='where jobs run: `kind = "local"` or `"ray"`',
    )

    @model_validator(mode="after")
    def _resolve_policy_rule(self) -> RunConfig:
        """`rule = "policy"` (the default) becomes the policy's own final rule."""
        if self.select.rule != "policy":
            return self
        select = self.select.model_copy(update={"rule": policy_rule(self.policy.kind)})
        return self.model_copy(update={"select": select})


def parse_run_config(text: str, source: str) -> RunConfig:
    """Validate a run config's TOML text; any problem is one `UserError` naming the key.

    Validation is strict, as JSON: a number must be written as a number (no string, no
    boolean), while strings still stand for paths and arrays for tuples."""
    data = load_toml(text, source)
    try:
        return RunConfig.model_validate_json(json.dumps(data, default=str), strict=True)
    except ValidationError as error:
        raise UserError(describe_validation_error(error, source, data, RunConfig)) from None


def read_run_config(path: Path) -> tuple[RunConfig, str]:
    """The validated config at `path` and its text, verbatim (for the run directory)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise UserError(f"{path}: no such config file") from error
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as error:
        raise UserError(f"{path}: cannot read the config file ({error})") from error
    return parse_run_config(text, str(path)), text
