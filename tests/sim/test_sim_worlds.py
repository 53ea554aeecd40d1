import numpy as np
import pytest

from hgm.errors import UserError
from hgm.sim import DriftWorldConfig, make_world, world_config


def _children(kind: str, n: int = 4000, params: list[str] | None = None, seed: int = 0):
    world = make_world(world_config(kind, params), seed)
    outcomes = [world.expand(0, child) for child in range(1, n + 1)]
    made = [child for child, outcome in zip(range(1, n + 1), outcomes, strict=True) if outcome.ok]
    return world, outcomes, made


def test_drift_world_has_the_specified_parameters() -> None:
    config = world_config("drift")
    assert config == DriftWorldConfig()
    assert (
        config.root_skill,
        config.drift_sd,
        config.noise_sd,
        config.fail_prob,
        config.n_tasks,
    ) == (
        0.10,
        0.04,
        0.03,
        0.05,
        60,
    )
    world, outcomes, made = _children("drift", params=["root_skill=0.5"])
    assert np.mean([not o.ok for o in outcomes]) == pytest.approx(0.05, abs=0.012)
    skills = np.array([world.true_skill(c) for c in made])
    assert skills.mean() == pytest.approx(0.5, abs=0.005)
    assert skills.std() == pytest.approx(0.05, abs=0.004)  # sqrt(0.04^2 + 0.03^2)


def test_drift_is_inherited() -> None:
    world = make_world(world_config("drift", ["noise_sd=0", "root_skill=0.5"]), 1)
    world.expand(0, 1)
    grandchildren = [c for c in range(2, 3000) if world.expand(1, c).ok]
    step1 = world.true_skill(1) - 0.5
    steps = np.array([world.true_skill(c) - world.true_skill(1) for c in grandchildren])
    assert steps.mean() == pytest.approx(step1, abs=0.004)  # the child's drift carries over


def test_evaluations_are_bernoulli_with_the_true_skill() -> None:
    world = make_world(world_config("drift", ["root_skill=0.3", "n_tasks=5000"]), 2)
    results = [world.evaluate(0, task).success for task in world.tasks()]
    assert np.mean(results) == pytest.approx(0.3, abs=0.02)


def test_tasks_world_easy_tasks_finish_sooner_and_are_shared() -> None:
    world = make_world(world_config("tasks", ["n_tasks=400"]), 3)
    tasks = world.tasks()
    difficulty = np.array([world._difficulty[i] for i in range(len(tasks))])
    durations = np.array([world.evaluate(0, t).duration for t in tasks])
    assert np.corrcoef(difficulty, np.log(durations))[0, 1] > 0.5
    world.expand(0, 1)
    hard = difficulty > 1.5
    solved = np.array([[world.evaluate(a, t).success for t in tasks] for a in (0, 1)])
    assert solved[:, hard].mean() < solved[:, ~hard].mean()


def test_fragile_world_breaks_children_and_broken_agents_cannot_expand() -> None:
    world, outcomes, made = _children("fragile")
    assert np.mean([not o.ok for o in outcomes]) == pytest.approx(0.3, abs=0.03)
    broken = [c for c in made if world.true_skill(c) == 0.0]
    assert len(broken) / len(made) == pytest.approx(0.3, abs=0.03)
    outcome = world.expand(broken[0], 99_999)
    assert not outcome.ok and outcome.reason == "parent is broken"


def test_mismatch_world_jumpers_are_dead_ends() -> None:
    world, _, made = _children("mismatch", n=3000, params=["noise_sd=0", "drift_sd=0.0001"])
    jumpers = [c for c in made if world.true_skill(c) > 0.15]
    assert len(jumpers) > 100
    steps = []
    for i, jumper in enumerate(jumpers[:100]):
        child = 10_000 + i
        if world.expand(jumper, child).ok:
            steps.append(world.true_skill(child) - world.true_skill(jumper))
    # a jumper's children fall back unless they jump themselves (25%)
    assert np.mean(np.array(steps) < 0) > 0.6
    assert np.mean(steps) < -0.02


def test_restore_rebuilds_the_same_agents() -> None:
    world, _, made = _children("mismatch", n=50, seed=7)
    again = make_world(world_config("mismatch"), 7)
    again.restore([(0, None), *((c, 0) for c in made)])
    assert [again.true_skill(c) for c in made] == [world.true_skill(c) for c in made]
    assert again.evaluate(made[0], "task-0003") == world.evaluate(made[0], "task-0003")


def test_bad_world_parameters_are_user_errors() -> None:
    with pytest.raises(UserError, match=r"allowed: .*drift_sd"):
        world_config("drift", ["speed=3"])
    with pytest.raises(UserError, match="fail_prob"):
        world_config("drift", ["fail_prob=2"])
    with pytest.raises(UserError, match="n_tasks"):
        world_config("drift", ["n_tasks=many"])
    with pytest.raises(UserError, match="key=value"):
        world_config("drift", ["fail_prob"])
    with pytest.raises(UserError, match="allowed: drift, mismatch, tasks, fragile"):
        world_config("chaos")
