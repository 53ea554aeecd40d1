"""The run config: one TOML file, validated by pydantic, copied verbatim into the run directory.

```toml
[run]       name, seed, workers, pause_after_failures
[budget]    task_evals, expansions, wall_clock_s, money_usd
[policy]    kind = "hgm" | "dgm" | "sica" | "greedy" | "random", then that policy's knobs
[select]    rule = "best-belief" | "best-mean" | "lcb", epsilon
[world]     kind = "sim" | "real", then that world's settings (real: hgm.runconfig.real_world)
```

Every table forbids unknown keys; every error names the key, the value given
and what is allowed (see `hgm.errors.describe_validation_error`).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hgm.errors import UserError, describe_validation_error
from hgm.runconfig.real_world import RealWorldSection
from hgm.search.config import HGMPolicyConfig, PolicyConfig
from hgm.sim.config import SimWorldConfig


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
    rule: Literal["best-belief", "best-mean", "lcb"] = Field(
        "best-belief", description="how the run picks the agent it ships"
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


def parse_run_config(text: str, source: str) -> RunConfig:
    """Validate a run config's TOML text; any problem is one `UserError` naming the key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UserError(f"{source}: not valid TOML: {error}") from error
    try:
        return RunConfig.model_validate(data)
    except ValidationError as error:
        raise UserError(describe_validation_error(error, source, data)) from error


def read_run_config(path: Path) -> tuple[RunConfig, str]:
    """The validated config at `path` and its text, verbatim (for the run directory)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise UserError(f"{path}: no such config file") from error
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as error:
        raise UserError(f"{path}: cannot read the config file ({error})") from error
    return parse_run_config(text, str(path)), text
