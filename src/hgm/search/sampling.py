"""Shared pieces of the Thompson-sampling policies: widening, temperature, draws, task choice."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from hgm.search.compiled_draws import COMPILED
from hgm.search.state import SearchState
from hgm.search.tree import Tree

TEMPERATURE_CAP = 10_000.0
SMALL_DRAW = 256
"""Up to this many candidates, Thompson draws take the cheaper small-array path."""
SCALAR_DRAW = 4
"""Up to this many candidates, the small path draws one gamma at a time in plain Python:
numpy's per-call checks on an array (6 to 9 us) cost more than 2 x 4 scalar draws."""
WARMUP_CAP = 5
"""The most warm-up expansions of the root when none is configured."""


def warmup_count(configured: int | None, workers: int, alpha: float) -> int:
    """Parallel root expansions at the start: the configured number or min(5, floor(W^alpha))."""
    if configured is not None:
        return configured
    return min(WARMUP_CAP, math.floor(workers**alpha + 1e-9))


def in_warmup(state: SearchState, configured: int | None, alpha: float) -> bool:
    """True while the warm-up expansions of the root (`warmup_count`) have not all started."""
    if not state.can_expand:
        return False
    started = state.expansions_started
    if configured is None and started >= WARMUP_CAP:  # past any default warm-up
        return False
    return started < warmup_count(configured, state.workers, alpha)


def widening_says_expand(tree: Tree, state: SearchState, alpha: float) -> bool:
    """UCB-Air: expand iff N_t^alpha >= |T| (agents except the root, plus expansions running)."""
    size = len(tree) - 1 + state.expansions_running
    return state.evaluations_started**alpha >= size


def temperature(state: SearchState, cool_down: bool, beta: float) -> float:
    """tau = (B / b)^beta, the factor clamped to 10000 when b reaches 0; 1 when off."""
    if not cool_down:
        return 1.0
    remaining = state.remaining
    ratio = state.budget / remaining if remaining > 0 else TEMPERATURE_CAP
    return min(ratio, TEMPERATURE_CAP) ** beta


def thompson_argmax(
    rng: np.random.Generator,
    successes: NDArray[np.int64],
    failures: NDArray[np.int64],
    tau: float,
) -> int:
    """Draw theta ~ Beta(tau*(1+s), tau*(1+f)) for each candidate; the position of the max."""
    if tau > 1.0 and COMPILED is not None:  # both shapes > 1: numpy's beta is Ga / (Ga + Gb)
        return COMPILED.gamma_argmax(rng, successes + 1.0, failures + 1.0, tau)
    if tau > 1.0 and successes.size <= SMALL_DRAW:
        return _small_thompson_argmax(rng, successes, failures, tau)
    a = successes + 1.0
    b = failures + 1.0
    if tau != 1.0:
        a *= tau
        b *= tau
    return int(rng.beta(a, b).argmax())


def _small_thompson_argmax(
    rng: np.random.Generator,
    successes: NDArray[np.int64],
    failures: NDArray[np.int64],
    tau: float,
) -> int:
    """`thompson_argmax` with the very same draws, cheaper on a few candidates.

    With tau > 1 both Beta parameters exceed 1, so numpy's beta draw is
    Ga / (Ga + Gb) with Ga ~ Gamma(a) drawn before Gb ~ Gamma(b): drawing the
    interleaved gammas in one call consumes the generator identically and gives
    bit-identical thetas, with one argument check instead of two (numpy's
    per-call checks dominate on small arrays).
    """
    if successes.size <= SCALAR_DRAW:
        pairs = zip(successes.tolist(), failures.tolist(), strict=True)
        return _scalar_thompson_argmax(rng, [(s + 1.0, f + 1.0) for s, f in pairs], tau)
    shapes = np.empty(2 * successes.size)  # a, b interleaved: flat draws cost less than 2-D
    shapes[0::2] = successes
    shapes[1::2] = failures
    shapes += 1.0
    shapes *= tau
    return _interleaved_argmax(rng.standard_gamma(shapes))


def _interleaved_argmax(gammas: NDArray[np.float64]) -> int:
    """The position of the max of Ga / (Ga + Gb) over interleaved gammas [Ga, Gb, ...]."""
    first = gammas[0::2]
    return int((first / (first + gammas[1::2])).argmax())


def _scalar_thompson_argmax(
    rng: np.random.Generator, shapes: list[list[float]] | list[tuple[float, float]], tau: float
) -> int:
    """`_small_thompson_argmax` on [s + 1, f + 1] pairs, one scalar gamma draw at a time in
    the same order (numpy draws an array's gammas one by one with the same routine), with
    the same double arithmetic; the first position of the max, as numpy's argmax."""
    gamma = rng.standard_gamma
    best, best_theta = 0, -1.0
    for position, (a, b) in enumerate(shapes):
        first = gamma(a * tau)
        theta = first / (first + gamma(b * tau))
        if theta > best_theta:
            best, best_theta = position, theta
    return best


def thompson_argmax_own(
    rng: np.random.Generator, tree: Tree, tau: float, candidates: NDArray[np.intp] | None = None
) -> int:
    """`thompson_argmax(rng, own_s, own_f, tau)` over every agent, or over the dense indices
    `candidates` (then the position among them), with the same draws: on the compiled and
    small-array paths the shapes come from the tree's running [s + 1, f + 1]."""
    size = len(tree) if candidates is None else candidates.size
    if tau > 1.0 and (COMPILED is not None or size <= SMALL_DRAW):
        shapes = tree.own_shapes if candidates is None else tree.own_shapes[candidates]
        if COMPILED is not None:
            return COMPILED.gamma_argmax(rng, shapes[:, 0], shapes[:, 1], tau)
        if size <= SCALAR_DRAW:
            return _scalar_thompson_argmax(rng, shapes.tolist(), tau)
        return _interleaved_argmax(rng.standard_gamma(shapes.ravel() * tau))
    if candidates is None:
        return thompson_argmax(rng, tree.own_s, tree.own_f, tau)
    return thompson_argmax(rng, tree.own_s[candidates], tree.own_f[candidates], tau)


def choose_task(
    rng: np.random.Generator, state: SearchState, tree: Tree, agent: int, random_level: float
) -> str:
    """A free task of `agent`: uniform with probability `random_level`, else the first in order.

    The uniform choice first tries a few uniform draws over all tasks (accepting a free
    one is a uniform draw over the free ones) and lists the free tasks only if they fail.
    """
    if rng.random() < random_level:
        tasks = state.tasks
        for _ in range(8):
            task = tasks[int(rng.random() * len(tasks))]
            if not tree.is_evaluated(agent, task) and not state.in_flight(agent, task):
                return task
        free = state.free_tasks(tree, agent)
        return free[int(rng.random() * len(free))]
    task = state.first_free_task(tree, agent)
    assert task is not None, "agent has no free task"
    return task


def thompson_evaluate(
    rng: np.random.Generator, tree: Tree, state: SearchState, tau: float, random_level: float
) -> tuple[int, str] | None:
    """Own-count Thompson sampling over agents with a free task, then a task; None if none."""
    if state.all_open(tree):  # the common case: no need to gather the candidates
        agent = int(tree.ids[thompson_argmax_own(rng, tree, tau)])
    else:
        candidates = state.open_mask(tree).nonzero()[0]
        if candidates.size == 0:
            return None
        agent = int(tree.ids[candidates[thompson_argmax_own(rng, tree, tau, candidates)]])
    return agent, choose_task(rng, state, tree, agent, random_level)
