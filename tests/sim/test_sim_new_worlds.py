"""The rare, clustered and timing world families."""

import numpy as np
import pytest

from hgm.sim import make_world, world_config


def _children(kind: str, parent: int = 0, n: int = 3000, params=None, seed: int = 0):
    world = make_world(world_config(kind, params), seed)
    made = [c for c in range(1, n + 1) if world.expand(parent, c).ok]
    return world, made


def test_rare_gains_are_rare_and_large_and_most_changes_neutral_or_harmful() -> None:
    world, made = _children("rare", params=["root_skill=0.5"])
    steps = np.array([world.true_skill(c) - 0.5 for c in made])
    gains = steps > 0.05
    assert 0.06 < gains.mean() < 0.14  # gain_prob 0.1
    assert steps[gains].mean() > 0.1  # |N(0, 0.15)| given > 0.05
    assert (steps < -0.005).mean() > 0.4  # harm_prob 0.45
    assert np.median(np.abs(steps)) < 0.05


def test_rare_productivity_is_inherited() -> None:
    world, made = _children("rare", n=400, params=["root_skill=0.5"], seed=4)
    by_chance = sorted(made, key=lambda c: world._agents[c].gain_prob)
    low, high = by_chance[:20], by_chance[-20:]
    rates = []
    for group, start in ((low, 10_000), (high, 20_000)):
        outcomes = []
        for i, parent in enumerate(group):
            for j in range(100):
                child = start + 100 * i + j
                if world.expand(parent, child).ok:
                    change = world.true_skill(child) - world.true_skill(parent)
                    outcomes.append(change > 0.05)
        rates.append(np.mean(outcomes))
    assert rates[1] > 2 * rates[0]  # productive parents have productive children


def test_clustered_failures_are_correlated_within_a_category() -> None:
    world = make_world(world_config("clustered", ["n_tasks=600"]), 2)
    made = [c for c in range(1, 40) if world.expand(0, c).ok]
    tasks = world.tasks()
    solved = np.array([[world.evaluate(a, t).success for t in tasks] for a in made], dtype=float)
    category = np.arange(len(tasks)) % 6
    per_category = np.array([solved[:, category == k].mean(axis=1) for k in range(6)])
    # an agent's success rates differ across categories far more than chance would allow
    spread = per_category.std(axis=0).mean()
    chance = np.sqrt(solved.mean() * (1 - solved.mean()) / 100)
    assert spread > 3 * chance
    assert 0.0 < np.mean([world.true_skill(a) for a in made]) < 1.0


def test_timing_failures_end_early_and_better_agents_take_longer() -> None:
    world = make_world(world_config("timing", ["n_tasks=4000", "root_skill=0.5"]), 1)
    outcomes = [world.evaluate(0, task) for task in world.tasks()]
    failed = np.array([o.duration for o in outcomes if not o.success])
    solved = np.array([o.duration for o in outcomes if o.success])
    assert failed.mean() == pytest.approx(0.3 * solved.mean(), rel=0.15)
    assert solved.mean() == pytest.approx(np.exp(0.5), rel=0.1)  # exp(slowdown * skill)
    expansions = [world.expand(0, c).duration for c in range(1, 3000)]
    assert np.mean(expansions) == pytest.approx(4.0, rel=0.08)  # log-normal, mean kept


@pytest.mark.parametrize("kind", ["rare", "clustered", "timing"])
def test_new_worlds_restore_the_same_agents(kind: str) -> None:
    world, made = _children(kind, n=60, seed=7)
    again = make_world(world_config(kind), 7)
    again.restore([(0, None), *((c, 0) for c in made)])
    assert [again.true_skill(c) for c in made] == [world.true_skill(c) for c in made]
    assert again.evaluate(made[0], "task-0003") == world.evaluate(made[0], "task-0003")
