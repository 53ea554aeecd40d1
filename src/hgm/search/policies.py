"""The `Policy` protocol and the factory that builds a policy from its config."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from hgm.search.actions import Action
from hgm.search.config import (
    DGMPolicyConfig,
    GreedyPolicyConfig,
    HGMPolicyConfig,
    PolicyConfig,
    RandomPolicyConfig,
    SICAPolicyConfig,
)
from hgm.search.dgm_policy import DGMPolicy
from hgm.search.hgm_policy import GreedyPolicy, HGMPolicy
from hgm.search.random_policy import RandomPolicy
from hgm.search.sica_policy import SICAPolicy
from hgm.search.state import SearchState
from hgm.search.tree import Tree


class Policy(Protocol):
    """Decides the next action from the tree and the scheduler's state; keeps no memory."""

    def decide(self, tree: Tree, state: SearchState, rng: np.random.Generator) -> Action: ...


def make_policy(config: PolicyConfig) -> Policy:
    """The policy for `config` (a `PolicyConfig` variant)."""
    match config:
        case HGMPolicyConfig():
            return HGMPolicy(config)
        case GreedyPolicyConfig():
            return GreedyPolicy(config)
        case RandomPolicyConfig():
            return RandomPolicy(config)
        case DGMPolicyConfig():
            return DGMPolicy(config)
        case SICAPolicyConfig():
            return SICAPolicy(config)
    raise TypeError(f"not a policy config: {config!r}")
