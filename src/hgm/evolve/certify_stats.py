"""The statistics of `hgm certify`: two agents graded on the same tasks.

- Each agent's resolved rate: the Wilson score interval (95%).
- The paired difference (agent minus root, same tasks): Newcombe's hybrid score interval
  for paired proportions (Newcombe 1998, Statistics in Medicine 17:2635, method 10),
  built from the two Wilson intervals and the phi correlation of the per-task 2x2 table
  (with Newcombe's continuity adjustment of phi); it stays inside [-1, 1] and is not
  degenerate when every task gives the same difference, unlike a t-interval.
- McNemar's exact test: a two-sided binomial test of the discordant tasks (solved by
  one agent only) against p = 1/2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import binom

Z_95 = 1.959963984540054
DIFFERENCE_METHOD = "Newcombe hybrid score interval for paired proportions (method 10)"
RATE_METHOD = "Wilson score interval"
TEST_METHOD = "exact McNemar (two-sided binomial test on discordant tasks)"


@dataclass(frozen=True, slots=True)
class Rate:
    """Resolved tasks out of `tasks`, with its 95% Wilson interval."""

    resolved: int
    tasks: int
    rate: float
    ci95: tuple[float, float]


@dataclass(frozen=True, slots=True)
class PairedDifference:
    """Agent minus root on the same tasks; `agent_only`/`root_only` are the discordant tasks."""

    estimate: float
    ci95: tuple[float, float]
    both: int
    agent_only: int
    root_only: int
    neither: int
    mcnemar_p: float


def wilson(resolved: int, tasks: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of `resolved / tasks`; (0, 1) when there are no tasks."""
    if not 0 <= resolved <= tasks:
        raise ValueError(f"resolved must be in 0..{tasks}, given {resolved}")
    if tasks == 0:
        return (0.0, 1.0)
    p = resolved / tasks
    denominator = 1.0 + z * z / tasks
    centre = (p + z * z / (2 * tasks)) / denominator
    half = z * math.sqrt(p * (1 - p) / tasks + z * z / (4 * tasks * tasks)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def rate(outcomes: list[bool]) -> Rate:
    resolved, tasks = sum(outcomes), len(outcomes)
    return Rate(resolved, tasks, resolved / tasks if tasks else 0.0, wilson(resolved, tasks))


def mcnemar_exact(agent_only: int, root_only: int) -> float:
    """Two-sided exact McNemar p-value: P(a split at least this uneven | no difference)."""
    discordant = agent_only + root_only
    if discordant == 0:
        return 1.0
    tail = float(binom.cdf(min(agent_only, root_only), discordant, 0.5))
    return min(1.0, 2.0 * tail)


def _phi(both: int, agent_only: int, root_only: int, neither: int) -> float:
    """Newcombe's adjusted phi of the paired 2x2 table (0 when a margin is empty)."""
    n = both + agent_only + root_only + neither
    margins = (
        (both + agent_only) * (root_only + neither) * (both + root_only) * (agent_only + neither)
    )
    if margins == 0:
        return 0.0
    cross = both * neither - agent_only * root_only
    if cross > n / 2:
        adjusted = cross - n / 2
    elif cross < 0:
        adjusted = float(cross)
    else:
        adjusted = 0.0
    return adjusted / math.sqrt(margins)


def paired_difference(agent: list[bool], root: list[bool]) -> PairedDifference:
    """Agent minus root resolved rate on the same tasks (lists in the same task order)."""
    if len(agent) != len(root):
        raise ValueError("paired outcomes need the same tasks for both agents")
    n = len(agent)
    both = sum(1 for a, r in zip(agent, root, strict=True) if a and r)
    agent_only = sum(1 for a, r in zip(agent, root, strict=True) if a and not r)
    root_only = sum(1 for a, r in zip(agent, root, strict=True) if r and not a)
    neither = n - both - agent_only - root_only
    p_value = mcnemar_exact(agent_only, root_only)
    if n == 0:
        return PairedDifference(0.0, (-1.0, 1.0), 0, 0, 0, 0, p_value)
    p1, p2 = (both + agent_only) / n, (both + root_only) / n
    l1, u1 = wilson(both + agent_only, n)
    l2, u2 = wilson(both + root_only, n)
    phi = _phi(both, agent_only, root_only, neither)
    estimate = p1 - p2
    below = (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2
    above = (p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1) ** 2
    low = max(-1.0, estimate - math.sqrt(max(0.0, below)))
    high = min(1.0, estimate + math.sqrt(max(0.0, above)))
    return PairedDifference(estimate, (low, high), both, agent_only, root_only, neither, p_value)
