"""The `Policy` protocol and the factory that builds a policy from its config."""

from __future__ import annotations

from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from hgm.search.actions import Action
from hgm.search.config import (
    DGMPolicyConfig,
    GreedyPolicyConfig,
    HGMPolicyConfig,
    LineagePolicyConfig,
    PolicyConfig,
    RandomPolicyConfig,
    SICAPolicyConfig,
)
from hgm.search.dgm_policy import DGMPolicy
from hgm.search.hgm_policy import GreedyPolicy, HGMPolicy
from hgm.search.lineage_policy import LineagePolicy
from hgm.search.random_policy import RandomPolicy
from hgm.search.sica_policy import SICAPolicy
from hgm.search.state import SearchState
from hgm.search.tree import Tree


class Policy(Protocol):
    """Decides the next action from the tree and the scheduler's state; keeps no memory."""

    def decide(self, tree: Tree, state: SearchState, rng: np.random.Generator) -> Action: ...


class Guided(Protocol):
    """A policy whose expansions follow an estimate of each agent's clade metaproductivity."""

    def guidance(self, tree: Tree) -> NDArray[np.float64]:
        """The estimate per dense index (higher: expanding there looks more productive)."""
        ...


def guidance_of(policy: Policy, tree: Tree) -> NDArray[np.float64] | None:
    """The policy's guidance estimate for every agent, or None if it has none (random)."""
    guidance = getattr(policy, "guidance", None)
    return None if guidance is None else guidance(tree)


def make_policy(config: PolicyConfig) -> Policy:
    """The policy for `config` (a `PolicyConfig` variant)."""
    match config:
        case HGMPolicyConfig():
            return HGMPolicy(config)
        case LineagePolicyConfig():
            return LineagePolicy(config)
        case GreedyPolicyConfig():
            return GreedyPolicy(config)
        case RandomPolicyConfig():
            return RandomPolicy(config)
        case DGMPolicyConfig():
            return DGMPolicy(config)
        case SICAPolicyConfig():
            return SICAPolicy(config)
    raise TypeError(f"not a policy config: {config!r}")
