"""Configurations of the synthetic worlds: one pydantic model per family, tagged by `kind`.

Every field is a named parameter settable from the command line (`--param key=value`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hgm.errors import UserError, describe_validation_error


class _SimWorldBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    root_skill: float = Field(0.10, ge=0.0, le=1.0, description="the root agent's skill")
    drift_sd: float = Field(0.04, ge=0.0, description="child drift = parent drift + N(0, sd)")
    noise_sd: float = Field(0.03, ge=0.0, description="child skill noise N(0, sd)")
    fail_prob: float = Field(0.05, ge=0.0, le=1.0, description="chance an expansion fails")
    n_tasks: int = Field(60, ge=1, le=100_000, description="number of benchmark tasks")
    eval_time_mean: float = Field(1.0, gt=0.0, description="mean evaluation duration (virtual s)")
    expand_time_mean: float = Field(1.0, gt=0.0, description="mean expansion duration (virtual s)")
    eval_cost_usd: float = Field(0.0, ge=0.0, description="money reported per evaluation")
    expand_cost_usd: float = Field(0.0, ge=0.0, description="money reported per expansion")


class DriftWorldConfig(_SimWorldBase):
    """Skill follows an inherited drift: productive lineages keep improving."""

    kind: Literal["drift"] = "drift"


class MismatchWorldConfig(_SimWorldBase):
    """Some children jump in skill at the cost of their lineage's drift: top scorers are
    often dead ends (the paper's metaproductivity-performance mismatch)."""

    kind: Literal["mismatch"] = "mismatch"
    jump_prob: float = Field(0.25, ge=0.0, le=1.0, description="chance a child jumps in skill")
    jump_sd: float = Field(0.15, ge=0.0, description="jump size |N(0, sd)|")
    jump_penalty: float = Field(
        0.6, ge=0.0, description="the jumper's drift drops by penalty * jump size"
    )


class TasksWorldConfig(_SimWorldBase):
    """Per-task difficulty: P(solve) = sigmoid(logit(skill) - difficulty); easy tasks end sooner."""

    kind: Literal["tasks"] = "tasks"
    difficulty_sd: float = Field(1.5, ge=0.0, description="task difficulty ~ N(0, sd)")
    duration_slope: float = Field(
        1.0, ge=0.0, description="evaluation time scales as exp(slope * difficulty)"
    )


class FragileWorldConfig(_SimWorldBase):
    """Many expansions fail, and some children are broken (skill 0, cannot modify themselves)."""

    kind: Literal["fragile"] = "fragile"
    fail_prob: float = Field(0.3, ge=0.0, le=1.0, description="chance an expansion fails")
    broken_prob: float = Field(0.3, ge=0.0, le=1.0, description="chance a child is broken")


class RareWorldConfig(_SimWorldBase):
    """Most self-modifications are neutral or harmful; rare ones bring a large gain. The
    chance of a gain is a lineage's inherited productivity (no drift in skill itself)."""

    kind: Literal["rare"] = "rare"
    drift_sd: float = Field(0.0, ge=0.0, description="unused by this family (no skill drift)")
    noise_sd: float = Field(0.01, ge=0.0, description="a neutral child's skill noise N(0, sd)")
    fail_prob: float = Field(0.1, ge=0.0, le=1.0, description="chance an expansion fails")
    gain_prob: float = Field(0.1, ge=0.0, le=1.0, description="the root's chance of a gain")
    productivity_sd: float = Field(
        0.7, ge=0.0, description="a child's gain chance = its parent's * exp(N(0, sd))"
    )
    gain_sd: float = Field(0.15, ge=0.0, description="gain size |N(0, sd)|")
    harm_prob: float = Field(0.45, ge=0.0, le=1.0, description="chance a child is worse")
    harm_sd: float = Field(0.06, ge=0.0, description="harm size |N(0, sd)|")


class ClusteredWorldConfig(_SimWorldBase):
    """Tasks of very different difficulty in categories: an agent that lacks a category's
    know-how fails its tasks together (correlated failures), as in the quick start."""

    kind: Literal["clustered"] = "clustered"
    categories: int = Field(6, ge=1, le=1000, description="task categories (task i: i mod k)")
    difficulty_sd: float = Field(2.0, ge=0.0, description="task difficulty ~ N(0, sd) logits")
    category_sd: float = Field(
        1.5, ge=0.0, description="the root's know-how per category ~ N(0, sd) logits"
    )
    category_mutation_sd: float = Field(
        0.5, ge=0.0, description="a child's know-how = its parent's + N(0, sd) per category"
    )
    duration_slope: float = Field(
        0.5, ge=0.0, description="evaluation time scales as exp(slope * difficulty)"
    )


class TimingWorldConfig(_SimWorldBase):
    """Slow and fast jobs: heavy-tailed durations, slow expansions, failures that end early
    and better agents that take longer (results arrive in a biased order)."""

    kind: Literal["timing"] = "timing"
    expand_time_mean: float = Field(4.0, gt=0.0, description="mean expansion duration")
    duration_sd: float = Field(
        1.0, ge=0.0, description="every duration is log-normal with this sd (mean kept)"
    )
    fail_time_factor: float = Field(
        0.3, gt=0.0, description="a failed evaluation takes this share of the time"
    )
    skill_slowdown: float = Field(
        1.0, ge=0.0, description="evaluation time scales as exp(slowdown * skill)"
    )


SimWorldConfig = Annotated[
    DriftWorldConfig
    | MismatchWorldConfig
    | TasksWorldConfig
    | FragileWorldConfig
    | RareWorldConfig
    | ClusteredWorldConfig
    | TimingWorldConfig,
    Field(discriminator="kind"),
]

WORLD_CONFIGS: dict[str, type[_SimWorldBase]] = {
    "drift": DriftWorldConfig,
    "mismatch": MismatchWorldConfig,
    "tasks": TasksWorldConfig,
    "fragile": FragileWorldConfig,
    "rare": RareWorldConfig,
    "clustered": ClusteredWorldConfig,
    "timing": TimingWorldConfig,
}


def world_config(kind: str, params: list[str] | None = None) -> SimWorldConfig:
    """The config of world family `kind` with `key=value` overrides (from the command line)."""
    if kind not in WORLD_CONFIGS:
        raise UserError(f"unknown world {kind!r}; allowed: {', '.join(WORLD_CONFIGS)}")
    model = WORLD_CONFIGS[kind]
    allowed = sorted(name for name in model.model_fields if name != "kind")
    values: dict[str, str] = {}
    for param in params or []:
        key, sep, value = param.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UserError(f"--param {param!r} is not key=value; keys: {', '.join(allowed)}")
        if key not in allowed:
            raise UserError(
                f"unknown parameter {key!r} for world {kind!r}; allowed: {', '.join(allowed)}"
            )
        values[key] = value.strip()
    try:
        return model.model_validate({"kind": kind, **values})  # type: ignore[return-value]
    except ValidationError as error:
        raise UserError(describe_validation_error(error, f"world {kind!r}")) from error
