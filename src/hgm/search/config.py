"""Policy configurations: one pydantic model per policy, chosen by its `kind` tag.

Defaults are the paper's (arXiv 2510.21614) unless a field says otherwise;
where the reference code differs, the field's description names its value.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


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


class LineagePolicyConfig(_PolicyConfig):
    """HGM made cost-aware: wider widening that shrinks with the expansion cost, children that
    inherit their parent's clade standing, top-two Thompson evaluation, evaluations kept for
    the children being built (docs/policies.md)."""

    kind: Literal["lineage"] = "lineage"
    alpha: float = Field(0.6, gt=0.0, le=1.0, description="widening exponent on N_t")
    widening_scale: float = Field(
        4.0, gt=0.0, description="s: expand iff s / (1 + C)^gamma * N_t^alpha >= |T| (HGM: 1)"
    )
    cost_exponent: float = Field(
        0.66, ge=0.0, description="gamma: how the widening shrinks with the expansion cost C"
    )
    count_failed: bool = Field(
        False, description="count failed expansions in |T| (HGM: no, they are retried)"
    )
    inherited_prior: float = Field(
        5.0, ge=0.0, description="k: pseudo-evaluations of a clade's prior at its parent's mean"
    )
    inherited_trend: float = Field(
        0.0, ge=0.0, description="add this share of the parent's gain over its own parent"
    )
    leader_share: float = Field(
        0.5, gt=0.0, le=1.0, description="top-two: chance to evaluate the Thompson leader"
    )
    challenger_redraw: bool = Field(
        True, description="top-two challenger from a second draw (else the same draw's runner-up)"
    )
    exact_beta: bool = Field(
        False, description="Thompson draws from the Beta posteriors (else their normal match)"
    )
    cool_down: bool = Field(True, description="temperature tau = (B/b)^beta, as HGM")
    beta: float = Field(1.0, ge=0.0, description="temperature exponent")
    eval_random_level: float = Field(
        1.0, ge=0.0, le=1.0, description="chance of a uniformly random task, else fixed order"
    )
    warmup_expansions: int | None = Field(
        None, ge=0, description="parallel root expansions at start; None: min(5, W^alpha)"
    )
    warmup_share: float = Field(
        0.2,
        gt=0.0,
        le=1.0,
        description="the default warm-up stops before its expansions cost more than this share "
        "of the budget (the first always starts)",
    )
    eval_reserve: float = Field(
        16.0,
        ge=0.0,
        description="evaluation units kept for each child being built: wait rather than spend "
        "them on agents already in the tree (0: never wait)",
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


DEFAULT_KIND = "lineage"
"""The policy that the name `default` stands for (the current default policy)."""
POLICY_KINDS: tuple[str, ...] = ("default", "lineage", "hgm", "dgm", "sica", "greedy", "random")


def resolve_default(data: Any) -> Any:
    """Read `kind = "default"` as the current default policy's kind (knobs kept as given);
    an unknown kind is an error that lists every allowed one."""
    if not isinstance(data, dict) or "kind" not in data:
        return data
    if data["kind"] == "default":
        return {**data, "kind": DEFAULT_KIND}
    if data["kind"] not in POLICY_KINDS:
        raise ValueError(
            f"unknown policy kind {data['kind']!r}; allowed: {', '.join(POLICY_KINDS)}"
        )
    return data


PolicyConfig = Annotated[
    Annotated[
        HGMPolicyConfig
        | LineagePolicyConfig
        | GreedyPolicyConfig
        | RandomPolicyConfig
        | DGMPolicyConfig
        | SICAPolicyConfig,
        Field(discriminator="kind"),
    ],
    BeforeValidator(resolve_default),
]
