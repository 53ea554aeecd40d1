"""Synthetic worlds: agents with a hidden skill and an inherited lineage drift.

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
    FragileWorldConfig,
    MismatchWorldConfig,
    SimWorldConfig,
    TasksWorldConfig,
)
from hgm.sim.randomness import exponential, normal, uniform

ROOT = 0
FAIL, DRIFT, NOISE, EVAL, EVAL_TIME, EXPAND_TIME, BROKEN, JUMP, JUMP_SIZE, DIFFICULTY = range(10)


@dataclass(frozen=True, slots=True)
class SimAgent:
    skill: float
    drift: float
    broken: bool = False


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
        self._agents: dict[int, SimAgent] = {ROOT: SimAgent(config.root_skill, 0.0)}
        self._difficulty = np.zeros(config.n_tasks)
        if isinstance(config, TasksWorldConfig):
            self._difficulty = np.array(
                [config.difficulty_sd * normal(seed, DIFFICULTY, i) for i in range(config.n_tasks)]
            )
        self._task_skill: dict[int, float] = {}

    # ---- the World protocol ------------------------------------------------------------

    def tasks(self) -> list[str]:
        return list(self._tasks)

    def expand(self, parent: int, child: int) -> ExpandOutcome:
        config = self.config
        duration = exponential(config.expand_time_mean, self.seed, EXPAND_TIME, child)
        cost = config.expand_cost_usd
        made = self._make_child(parent, child)
        if made is None:
            reason = "parent is broken" if self._agents[parent].broken else "expansion failed"
            return ExpandOutcome(False, reason, cost, duration)
        self._agents[child] = made
        return ExpandOutcome(True, "", cost, duration, {"true_skill": self.true_skill(child)})

    def evaluate(self, agent: int, task: str) -> EvalOutcome:
        config = self.config
        index = self._task_index[task]
        p = self._solve_probability(agent, index)
        success = uniform(self.seed, EVAL, agent, index) < p
        mean = config.eval_time_mean
        if isinstance(config, TasksWorldConfig):
            mean *= math.exp(config.duration_slope * self._difficulty[index])
        duration = exponential(mean, self.seed, EVAL_TIME, agent, index)
        return EvalOutcome(success, config.eval_cost_usd, duration)

    # ---- reports and resume -------------------------------------------------------------

    def true_skill(self, agent: int) -> float:
        """The agent's expected success rate over the task set (hidden from the search)."""
        if not isinstance(self.config, TasksWorldConfig):
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

    def _make_child(self, parent: int, child: int) -> SimAgent | None:
        config, seed = self.config, self.seed
        ancestor = self._agents[parent]
        if ancestor.broken or uniform(seed, FAIL, child) < config.fail_prob:
            return None
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
        return SimAgent(_clip(skill), drift)

    def _solve_probability(self, agent: int, index: int) -> float:
        skill = self._agents[agent].skill
        if not isinstance(self.config, TasksWorldConfig):
            return skill
        return 1.0 / (1.0 + math.exp(self._difficulty[index] - _logit(skill)))

    def _task_probabilities(self, agent: int) -> np.ndarray:
        logit = _logit(self._agents[agent].skill)
        return 1.0 / (1.0 + np.exp(self._difficulty - logit))


def make_world(config: SimWorldConfig, seed: int) -> SimWorld:
    """The world of family `config.kind`, realized by `seed`."""
    return SimWorld(config, seed)
