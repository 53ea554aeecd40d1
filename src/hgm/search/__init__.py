"""hgm.search: the pure, I/O-free tree search (tree, policies, final selection)."""

from hgm.search.actions import Action, Evaluate, Expand, Wait
from hgm.search.config import (
    DEFAULT_KIND,
    POLICY_KINDS,
    DGMPolicyConfig,
    GreedyPolicyConfig,
    HGMPolicyConfig,
    LineagePolicyConfig,
    PolicyConfig,
    RandomPolicyConfig,
    SICAPolicyConfig,
)
from hgm.search.policies import Policy, make_policy
from hgm.search.selection import SELECTION_RULES, Selection, policy_rule, select_final
from hgm.search.state import SearchState
from hgm.search.tree import Tree

__all__ = [
    "DEFAULT_KIND",
    "POLICY_KINDS",
    "SELECTION_RULES",
    "Action",
    "DGMPolicyConfig",
    "Evaluate",
    "Expand",
    "GreedyPolicyConfig",
    "HGMPolicyConfig",
    "LineagePolicyConfig",
    "Policy",
    "PolicyConfig",
    "RandomPolicyConfig",
    "SICAPolicyConfig",
    "SearchState",
    "Selection",
    "Tree",
    "Wait",
    "make_policy",
    "policy_rule",
    "select_final",
]
