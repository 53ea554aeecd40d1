"""The policy comparison behind `hgm simulate`: every policy meets the same worlds (paired seeds).

World draws are keyed hashes of the seed (see `hgm.sim.randomness`) and the
policy's draws come from the engine's numpy generator, so a world's realization
never depends on which policy explores it.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from time import process_time_ns

import numpy as np
from pydantic import ValidationError

from hgm.engine import Budget, Engine
from hgm.errors import UserError, describe_validation_error
from hgm.search import (
    DEFAULT_KIND,
    POLICY_KINDS,
    DGMPolicyConfig,
    GreedyPolicyConfig,
    HGMPolicyConfig,
    LineagePolicyConfig,
    PolicyConfig,
    RandomPolicyConfig,
    SearchState,
    SICAPolicyConfig,
    Tree,
    make_policy,
    policy_rule,
    select_final,
)
from hgm.search.actions import Action
from hgm.search.policies import Policy, guidance_of
from hgm.sim.config import SimWorldConfig
from hgm.sim.guidance import guidance_correlation
from hgm.sim.worlds import make_world

DEFAULT_POLICIES: dict[str, type[PolicyConfig]] = {
    "lineage": LineagePolicyConfig,
    "hgm": HGMPolicyConfig,
    "dgm": DGMPolicyConfig,
    "sica": SICAPolicyConfig,
    "greedy": GreedyPolicyConfig,
    "random": RandomPolicyConfig,
}


def policy_configs(names: str) -> dict[str, PolicyConfig]:
    """Configs for a comma-separated list of policies, keyed by the text given.

    Each item is a policy kind with optional overrides of its knobs:
    `hgm`, `hgm:cool_down=false`, `dgm:generation_size=2:stage_threshold=0.3`;
    `default` is the current default policy (`hgm.search.DEFAULT_KIND`).
    """
    chosen = [name.strip() for name in names.split(",") if name.strip()]
    if not chosen:
        raise UserError(f"no policy given; allowed: {', '.join(POLICY_KINDS)}")
    if len(set(chosen)) != len(chosen):
        raise UserError(f"a policy is listed twice in {names!r}")
    return {item: _policy_config(item) for item in chosen}


def _policy_config(item: str) -> PolicyConfig:
    name, *overrides = item.split(":")
    kind = DEFAULT_KIND if name == "default" else name
    if kind not in DEFAULT_POLICIES:
        raise UserError(f"unknown policy {name!r}; allowed: {', '.join(POLICY_KINDS)}")
    model = DEFAULT_POLICIES[kind]
    allowed = ", ".join(name for name in model.model_fields if name != "kind")
    values: dict[str, str] = {}
    for override in overrides:
        key, sep, value = override.partition("=")
        if not sep or key not in model.model_fields or key == "kind":
            raise UserError(f"bad policy option {override!r} in {item!r}; {kind} knobs: {allowed}")
        values[key] = value
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise UserError(describe_validation_error(error, f"policy {item!r}")) from error


@dataclass(frozen=True, slots=True)
class SimRun:
    """One simulated run: what the final-selection rule shipped and what the tree held."""

    policy: str
    seed: int
    shipped_agent: int
    shipped_skill: float
    oracle_skill: float
    agents: int
    failed_expansions: int
    evaluations: int
    expansions: int
    cost: float
    elapsed_s: float
    stop_reason: str
    guidance: float | None
    """Spearman correlation of the policy's clade estimate with the true CMP (hgm.sim.guidance)."""
    decisions: int
    decide_us: float = field(compare=False)
    """Mean CPU microseconds per `decide` call (the policy's own decision cost; a
    measurement, so two runs of the same seed compare equal without it)."""


class _TimedPolicy:
    """Wraps a policy and times every `TIMED_EVERY`-th decision on the process's CPU clock
    (reading that clock is a system call: timing them all would cost 5% of a simulation)."""

    TIMED_EVERY = 8

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.calls = 0
        self.timed = 0
        self.nanoseconds = 0

    def decide(self, tree: Tree, state: SearchState, rng: np.random.Generator) -> Action:
        self.calls += 1
        if self.calls % self.TIMED_EVERY:
            return self.policy.decide(tree, state, rng)
        start = process_time_ns()
        action = self.policy.decide(tree, state, rng)
        self.nanoseconds += process_time_ns() - start
        self.timed += 1
        return action

    @property
    def mean_us(self) -> float:
        """Mean CPU microseconds of the timed decisions (0 if none was timed)."""
        return self.nanoseconds / max(self.timed, 1) / 1e3


@dataclass(frozen=True, slots=True)
class SimSetup:
    """Everything a run needs besides the policy and the seed (picklable for worker processes).

    `select` is a final-selection rule, or "policy": each policy's own (`policy_rule`).
    """

    world: SimWorldConfig
    budget: int
    workers: int
    select: str
    epsilon: float = 0.01
    expansion_cost: float = 0.0

    def __post_init__(self) -> None:
        Budget(self.budget, expansion_cost=self.expansion_cost)  # its checks, before any run


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector (as it was before, after): a simulated run
    allocates millions of short-lived objects and no reference cycle, so the collections
    they would trigger find nothing and cost about 5% of its CPU time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def simulate_one(setup: SimSetup, name: str, policy: PolicyConfig, seed: int) -> SimRun:
    """Run `policy` on the world realized by `seed` with virtual time; ship per the rule."""
    with collector_paused():
        return _simulate_one(setup, name, policy, seed)


def _simulate_one(setup: SimSetup, name: str, policy: PolicyConfig, seed: int) -> SimRun:
    world = make_world(setup.world, seed)
    # the default expansion cap stops a world of failures
    budget = Budget(setup.budget, expansion_cost=setup.expansion_cost)
    timed = _TimedPolicy(make_policy(policy))
    engine = Engine(world, timed, budget, setup.workers, seed)
    summary = engine.run()
    tree = engine.tree
    rule = policy_rule(policy.kind) if setup.select == "policy" else setup.select
    chosen = select_final(tree, rule, setup.epsilon)
    skill = np.array([world.true_skill(agent) for agent in tree.agents()])
    return SimRun(
        policy=name,
        seed=seed,
        shipped_agent=chosen.agent,
        shipped_skill=world.true_skill(chosen.agent),
        oracle_skill=float(skill.max()),
        agents=summary.agents,
        failed_expansions=summary.expansions_failed,
        evaluations=summary.evaluations_finished,
        expansions=summary.expansions_started,
        cost=summary.evaluations_started + setup.expansion_cost * summary.expansions_started,
        elapsed_s=summary.elapsed_s,
        stop_reason=summary.reason,
        guidance=guidance_correlation(tree, guidance_of(timed.policy, tree), skill),
        decisions=timed.calls,
        decide_us=timed.mean_us,
    )


def _simulate_seed(setup: SimSetup, policies: dict[str, PolicyConfig], seed: int) -> list[SimRun]:
    return [simulate_one(setup, name, policy, seed) for name, policy in policies.items()]


def compare(
    setup: SimSetup,
    policies: dict[str, PolicyConfig],
    seeds: Sequence[int],
    processes: int | None = None,
    on_seed_done: Callable[[], None] | None = None,
) -> list[SimRun]:
    """Run every policy on every seed; `processes` worker processes (default: all cores)."""
    processes = processes or os.cpu_count() or 1
    runs: list[SimRun] = []
    if processes == 1:
        for seed in seeds:
            runs.extend(_simulate_seed(setup, policies, seed))
            if on_seed_done is not None:
                on_seed_done()
    else:
        with ProcessPoolExecutor(max_workers=processes) as pool:
            futures = [pool.submit(_simulate_seed, setup, policies, seed) for seed in seeds]
            for future in as_completed(futures):
                runs.extend(future.result())
                if on_seed_done is not None:
                    on_seed_done()
    return sorted(runs, key=lambda run: (run.seed, list(policies).index(run.policy)))
