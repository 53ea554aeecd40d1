from engine_helpers import Recorder

from hgm.engine import Budget, Engine
from hgm.search import DGMPolicyConfig, HGMPolicyConfig, RandomPolicyConfig, make_policy
from hgm.sim import make_world, world_config


def _events(config: object, seed: int, world_seed: int = 0) -> list:
    recorder = Recorder()
    world = make_world(world_config("tasks"), world_seed)
    Engine(world, make_policy(config), Budget(150), 3, seed, observers=[recorder]).run()  # type: ignore[arg-type]
    return recorder.events


def test_same_seed_same_decisions() -> None:
    for config in (HGMPolicyConfig(), DGMPolicyConfig(), RandomPolicyConfig()):
        assert _events(config, 11) == _events(config, 11)


def test_another_policy_seed_gives_other_decisions() -> None:
    assert _events(HGMPolicyConfig(), 11) != _events(HGMPolicyConfig(), 12)


def test_the_world_realization_does_not_depend_on_the_policy_seed() -> None:
    worlds = [make_world(world_config("drift"), 3) for _ in range(2)]
    worlds[0].evaluate(0, "task-0001")  # order of calls does not matter
    for world in worlds:
        world.expand(0, 5)
    assert worlds[0].true_skill(5) == worlds[1].true_skill(5)
    assert worlds[0].evaluate(5, "task-0002") == worlds[1].evaluate(5, "task-0002")
