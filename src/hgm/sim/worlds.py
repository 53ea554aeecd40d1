"""Synthetic worlds: agents with a hidden skill and an inherited lineage productivity.

Evaluations are Bernoulli draws, expansions can fail, and every job reports a
virtual duration so that asynchrony matters. Every draw is keyed by (seed,
purpose, agent id, task index), so `restore` can rebuild a world for a resumed run.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from hgm.engine.world import EvalOutcome, ExpandOutcome
from hgm.sim.config import (
    ClusteredWorldConfig,
    FragileWorldConfig,
    MismatchWorldConfig,
    RareWorldConfig,
    SimWorldConfig,
    TasksWorldConfig,
    TimingWorldConfig,
)
from hgm.sim.randomness import exponential, normal, uniform

ROOT = 0
(FAIL, DRIFT, NOISE, EVAL, EVAL_TIME, EXPAND_TIME, BROKEN, JUMP, JUMP_SIZE, DIFFICULTY) = range(10)
GAIN, GAIN_SIZE, PRODUCTIVITY, KNOW_HOW = range(10, 14)


@dataclass(frozen=True, slots=True)
class SimAgent:
    skill: float
    drift: float
    broken: bool = False
    gain_prob: float = 0.0
    """`rare`: the chance that a child of this agent gains (its inherited productivity)."""
    know_how: tuple[float, ...] = ()
    """`clustered`: logit offsets per task category."""


def _clip(value: float) -> float:
    return min(1.0, max(0.0, value))


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1.0 - 1e-6)
    return math.log(p / (1.0 - p))


class SimWorld:
    """A world of synthetic agents (a `hgm.engine.World`); `true_skill` is for reports only."""

    def __init__(self, config: SimWorldConfig, seed: int) -> None:
        self.config = config
        self.seed = seed
        self._tasks = [f"task-{i:04d}" for i in range(config.n_tasks)]
        self._task_index = {task: i for i, task in enumerate(self._tasks)}
        self._agents: dict[int, SimAgent] = {ROOT: self._root()}
        self._per_task = isinstance(config, TasksWorldConfig | ClusteredWorldConfig)
        self._difficulty = np.zeros(config.n_tasks)
        if isinstance(config, TasksWorldConfig | ClusteredWorldConfig):
            self._difficulty = np.array(
                [config.difficulty_sd * normal(seed, DIFFICULTY, i) for i in range(config.n_tasks)]
            )
        self._category = np.zeros(config.n_tasks, dtype=np.int64)
        if isinstance(config, ClusteredWorldConfig):
            self._category = np.arange(config.n_tasks) % config.categories
        # the same values as Python scalars, for the per-evaluation path (numpy's scalar
        # indexing and arithmetic cost more there; the results are the same doubles)
        self._difficulty_list: list[float] = self._difficulty.tolist()
        self._category_list: list[int] = self._category.tolist()
        self._task_skill: dict[int, float] = {}
        # per task: the mean evaluation time before agent effects (hard tasks take longer)
        self._eval_means = [config.eval_time_mean] * config.n_tasks
        if isinstance(config, TasksWorldConfig | ClusteredWorldConfig):
            self._eval_means = [
                config.eval_time_mean * math.exp(config.duration_slope * difficulty)
                for difficulty in self._difficulty
            ]
        self._timing = config if isinstance(config, TimingWorldConfig) else None

    # ---- the World protocol ------------------------------------------------------------

    def tasks(self) -> list[str]:
        return list(self._tasks)

    def expand(self, parent: int, child: int) -> ExpandOutcome:
        config = self.config
        if isinstance(config, TimingWorldConfig):
            duration = _log_normal(
                config.expand_time_mean, config.duration_sd, self.seed, EXPAND_TIME, child
            )
        else:
            duration = exponential(config.expand_time_mean, self.seed, EXPAND_TIME, child)
        cost = config.expand_cost_usd
        made = self._make_child(parent, child)
        if made is None:
            reason = "parent is broken" if self._agents[parent].broken else "expansion failed"
            return ExpandOutcome(False, reason, cost, duration)
        self._agents[child] = made
        return ExpandOutcome(True, "", cost, duration, {"true_skill": self.true_skill(child)})

    def evaluate(self, agent: int, task: str) -> EvalOutcome:
        index = self._task_index[task]
        per_task = self._per_task
        p = self._solve_probability(agent, index) if per_task else self._agents[agent].skill
        success = uniform(self.seed, EVAL, agent, index) < p
        mean = self._eval_means[index]
        timing = self._timing
        if timing is not None:
            mean *= math.exp(timing.skill_slowdown * self._agents[agent].skill)
            if not success:
                mean *= timing.fail_time_factor
            duration = _log_normal(mean, timing.duration_sd, self.seed, EVAL_TIME, agent, index)
        else:
            duration = exponential(mean, self.seed, EVAL_TIME, agent, index)
        return EvalOutcome(success, self.config.eval_cost_usd, duration)

    # ---- reports and resume -------------------------------------------------------------

    def true_skill(self, agent: int) -> float:
        """The agent's expected success rate over the task set (hidden from the search)."""
        if not self._per_task:
            return self._agents[agent].skill
        if agent not in self._task_skill:
            self._task_skill[agent] = float(np.mean(self._task_probabilities(agent)))
        return self._task_skill[agent]

    def restore(self, agents: Iterable[tuple[int, int | None]]) -> None:
        """Rebuild agents created in an earlier session: (agent, parent) in creation order."""
        for agent, parent in agents:
            if parent is None or agent in self._agents:
                continue
            made = self._make_child(parent, agent)
            if made is None:
                raise ValueError(f"agent {agent} cannot exist in this world (seed {self.seed})")
            self._agents[agent] = made

    # ---- the families -------------------------------------------------------------------

    def _root(self) -> SimAgent:
        config = self.config
        if isinstance(config, RareWorldConfig):
            return SimAgent(config.root_skill, 0.0, gain_prob=config.gain_prob)
        if isinstance(config, ClusteredWorldConfig):
            know_how = tuple(
                config.category_sd * normal(self.seed, KNOW_HOW, ROOT, k)
                for k in range(config.categories)
            )
            return SimAgent(config.root_skill, 0.0, know_how=know_how)
        return SimAgent(config.root_skill, 0.0)

    def _make_child(self, parent: int, child: int) -> SimAgent | None:
        config, seed = self.config, self.seed
        ancestor = self._agents[parent]
        if ancestor.broken or uniform(seed, FAIL, child) < config.fail_prob:
            return None
        if isinstance(config, RareWorldConfig):
            return _rare_child(config, seed, ancestor, child)
        drift = ancestor.drift + config.drift_sd * normal(seed, DRIFT, child)
        skill = ancestor.skill + drift + config.noise_sd * normal(seed, NOISE, child)
        if (
            isinstance(config, MismatchWorldConfig)
            and uniform(seed, JUMP, child) < config.jump_prob
        ):
            jump = abs(config.jump_sd * normal(seed, JUMP_SIZE, child))
            skill += jump
            drift -= config.jump_penalty * jump
        if (
            isinstance(config, FragileWorldConfig)
            and uniform(seed, BROKEN, child) < config.broken_prob
        ):
            return SimAgent(0.0, drift, broken=True)
        if isinstance(config, ClusteredWorldConfig):
            know_how = tuple(
                offset + config.category_mutation_sd * normal(seed, KNOW_HOW, child, k)
                for k, offset in enumerate(ancestor.know_how)
            )
            return SimAgent(_clip(skill), drift, know_how=know_how)
        return SimAgent(_clip(skill), drift)

    def _solve_probability(self, agent: int, index: int) -> float:
        if not self._per_task:
            return self._agents[agent].skill
        made = self._agents[agent]
        logit = _logit(made.skill) - self._difficulty_list[index]
        if made.know_how:
            logit += made.know_how[self._category_list[index]]
        return 1.0 / (1.0 + math.exp(-logit))

    def _task_probabilities(self, agent: int) -> np.ndarray:
        made = self._agents[agent]
        logit = _logit(made.skill) - self._difficulty
        if made.know_how:
            logit = logit + np.asarray(made.know_how)[self._category]
        return 1.0 / (1.0 + np.exp(-logit))


def _rare_child(config: RareWorldConfig, seed: int, parent: SimAgent, child: int) -> SimAgent:
    """A child of `parent` in the `rare` world: a gain with the parent's chance, else a harm
    with `harm_prob`, else neutral; the child's gain chance mutates log-normally."""
    draw = uniform(seed, GAIN, child)
    change = config.noise_sd * normal(seed, NOISE, child)
    if draw < parent.gain_prob:
        change = abs(config.gain_sd * normal(seed, GAIN_SIZE, child))
    elif draw < parent.gain_prob + config.harm_prob:
        change = -abs(config.harm_sd * normal(seed, GAIN_SIZE, child))
    productivity = config.productivity_sd * normal(seed, PRODUCTIVITY, child)
    gain_prob = min(0.5, parent.gain_prob * math.exp(productivity))
    return SimAgent(_clip(parent.skill + change), 0.0, gain_prob=gain_prob)


def _log_normal(mean: float, sd: float, *keys: int) -> float:
    """A log-normal draw with mean `mean` and log-sd `sd`, determined by `keys`."""
    return mean * math.exp(sd * normal(*keys) - 0.5 * sd * sd)


def make_world(config: SimWorldConfig, seed: int) -> SimWorld:
    """The world of family `config.kind`, realized by `seed`."""
    return SimWorld(config, seed)
