"""Policy configurations: one pydantic model per policy, chosen by its `kind` tag.

Defaults are the paper's (arXiv 2510.21614) unless a field says otherwise;
where the reference code differs, the field's description names its value.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class _PolicyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class HGMPolicyConfig(_PolicyConfig):
    """The Huxley-Gödel Machine: UCB-Air widening, clade Thompson sampling."""

    kind: Literal["hgm"] = "hgm"
    alpha: float = Field(0.6, gt=0.0, le=1.0, description="widening: expand iff N_t^alpha >= |T|")
    cool_down: bool = Field(
        True, description="temperature tau=(B/b)^beta (paper: on; reference code: off)"
    )
    beta: float = Field(1.0, ge=0.0, description="temperature exponent")
    eval_random_level: float = Field(
        1.0, ge=0.0, le=1.0, description="chance of a uniformly random task, else fixed order"
    )
    require_positive_mean: bool = Field(
        False, description="expand only agents with own mean > 0 (reference code: on)"
    )
    warmup_expansions: int | None = Field(
        None, ge=0, description="parallel root expansions at start; None: min(5, W^alpha)"
    )
    failed_expansion_counts_in_clade: bool = Field(
        False, description="count a failed child as a failure in its parent's clade (not paper)"
    )


class GreedyPolicyConfig(_PolicyConfig):
    """Control: HGM with the clade replaced by the agent itself (own counts everywhere)."""

    kind: Literal["greedy"] = "greedy"
    alpha: float = Field(0.6, gt=0.0, le=1.0)
    cool_down: bool = True
    beta: float = Field(1.0, ge=0.0)
    eval_random_level: float = Field(1.0, ge=0.0, le=1.0)
    warmup_expansions: int | None = Field(None, ge=0)


class RandomPolicyConfig(_PolicyConfig):
    """Control: uniform choices of parent, agent and task, with HGM's widening rule."""

    kind: Literal["random"] = "random"
    alpha: float = Field(0.6, gt=0.0, le=1.0)
    warmup_expansions: int | None = Field(None, ge=0)


class DGMPolicyConfig(_PolicyConfig):
    """Darwin Gödel Machine: archive sampling, staged evaluation, synchronous generations."""

    kind: Literal["dgm"] = "dgm"
    sigmoid_lambda: float = Field(10.0, gt=0.0, description="lambda in sigmoid(l*(acc-a0))")
    sigmoid_midpoint: float = Field(0.5, ge=0.0, le=1.0, description="alpha_0")
    stage_tasks: tuple[int, ...] = Field(
        (10, 50), min_length=1, description="tasks per evaluation stage (10, then 50 more)"
    )
    stage_threshold: float = Field(
        0.4, ge=0.0, le=1.0, description="resolved share needed to enter the next stage"
    )
    generation_size: int = Field(
        4, ge=1, description="children per synchronous generation (paper: 2 SWE, 4 Polyglot)"
    )


class SICAPolicyConfig(_PolicyConfig):
    """Self-Improving Coding Agent: full evaluation of each new agent; latest within best's LCB."""

    kind: Literal["sica"] = "sica"
    z: float = Field(1.96, gt=0.0, description="LCB = mean - z*sd/sqrt(n)")
    eval_tasks: int | None = Field(
        None, ge=1, description="size of the full evaluation set; None: every task"
    )


PolicyConfig = Annotated[
    HGMPolicyConfig | GreedyPolicyConfig | RandomPolicyConfig | DGMPolicyConfig | SICAPolicyConfig,
    Field(discriminator="kind"),
]

POLICY_KINDS: tuple[str, ...] = ("hgm", "dgm", "sica", "greedy", "random")
