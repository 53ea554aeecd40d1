"""The agent a run ships, from its stored counts in plain Python (no numpy, no scipy).

The same choice and numbers as `hgm.search.selection.select_final` (tests compare the two on
random trees) for the rules `best-belief`, `best-mean` and `lcb`: read-only commands use it
to start fast; `shipped` returns None for a rule it does not know, and callers then use
`select_final`. The Beta quantile is the inverse of the regularized incomplete beta
function, evaluated by its continued fraction (Lentz's method) and inverted by Newton steps
kept inside a shrinking bracket, to about 1e-15: agents with the same counts get the same
score, so ties break as in `select_final` (more evaluations, then the older agent).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from hgm.store.agent_counts import Agent

LCB_Z = 1.96
PLAIN_RULES = ("best-belief", "best-mean", "lcb")  # the rules this module computes
_TINY = 1e-300
_EPS = 1e-16


@dataclass(frozen=True, slots=True)
class Shipped:
    """The shipped agent, its own mean, the epsilon and 1-epsilon quantiles of
    Beta(1 + s, 1 + f), and its number of evaluations (`hgm.search.selection.Selection`)."""

    agent: int
    mean: float
    low: float
    high: float
    n: int


def _continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of I_x(a, b) (Numerical Recipes' betacf, Lentz's method)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        for numerator in (
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + numerator / c
            c = c if abs(c) > _TINY else _TINY
            h *= d * c
        if abs(d * c - 1.0) < _EPS:
            break
    return h


def _log_beta(a: float, b: float) -> float:
    """log B(a, b); exact up to rounding for whole a and b (the counts plus one, here)."""
    if float(a).is_integer() and float(b).is_integer():
        whole_a, whole_b = int(a), int(b)
        return -math.log(whole_a + whole_b - 1) - math.log(
            math.comb(whole_a + whole_b - 2, whole_a - 1)
        )
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def beta_cdf(x: float, a: float, b: float, log_beta: float | None = None) -> float:
    """The regularized incomplete beta function I_x(a, b) for a, b > 0 (`log_beta`: log
    B(a, b), when the caller has it)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_norm = _log_beta(a, b) if log_beta is None else log_beta
    front = math.exp(a * math.log(x) + b * math.log1p(-x) - log_norm)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _continued_fraction(a, b, x) / a
    return 1.0 - front * _continued_fraction(b, a, 1.0 - x) / b


def beta_quantile(p: float, a: float, b: float) -> float:
    """The x with I_x(a, b) = p (0 < p < 1): Newton steps inside a shrinking bracket."""
    low, high = 0.0, 1.0
    x = a / (a + b)
    log_norm = _log_beta(a, b)
    for _ in range(200):
        error = beta_cdf(x, a, b, log_norm) - p
        if abs(error) <= 1e-15 * min(p, 1.0 - p):
            return x
        if error > 0.0:
            high = x
        else:
            low = x
        density = math.exp((a - 1.0) * math.log(x) + (b - 1.0) * math.log1p(-x) - log_norm)
        step = x - error / density if density > 0.0 else math.nan
        if abs(step - x) <= 1e-15 * x:
            return step
        x = step if low < step < high else (low + high) / 2.0
        if high - low <= 2e-16 * high:
            break
    return x


def _score(rule: str, successes: int, n: int, epsilon: float) -> float:
    mean = successes / n
    if rule == "best-belief":
        return beta_quantile(epsilon, 1.0 + successes, 1.0 + n - successes)
    if rule == "best-mean":
        return mean
    return mean - LCB_Z * math.sqrt(mean * (1.0 - mean) / n)


def ship(
    agents: Sequence[Agent], rule: str, epsilon: float, excluded: Collection[int] = ()
) -> Shipped | None:
    """The agent `rule` ships among agents with an evaluation (else the root), never one of
    `excluded` (agents with a tampered grade); None for a rule this module does not compute
    (use `select_final`) or a run with no agents."""
    if rule not in PLAIN_RULES or not agents:
        return None
    scores: dict[tuple[int, int], float] = {}
    best: tuple[float, int, int] | None = None
    chosen: Agent | None = None
    for index, agent in enumerate(agents):
        n = agent.evaluations
        if n == 0 or agent.agent in excluded:
            continue
        key = (agent.successes, n)
        if key not in scores:
            scores[key] = _score(rule, agent.successes, n, epsilon)
        rank = (scores[key], n, -index)
        if best is None or rank > best:
            best, chosen = rank, agent
    if chosen is None:
        return Shipped(agents[0].agent, 0.0, epsilon, 1.0 - epsilon, 0)
    s, n = chosen.successes, chosen.evaluations
    a, b = 1.0 + s, 1.0 + n - s
    return Shipped(
        chosen.agent, s / n, beta_quantile(epsilon, a, b), beta_quantile(1 - epsilon, a, b), n
    )
