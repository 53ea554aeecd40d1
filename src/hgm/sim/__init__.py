"""hgm.sim: synthetic worlds and the policy comparison behind `hgm simulate`."""

from hgm.sim.config import (
    WORLD_CONFIGS,
    DriftWorldConfig,
    FragileWorldConfig,
    MismatchWorldConfig,
    SimWorldConfig,
    TasksWorldConfig,
    world_config,
)
from hgm.sim.worlds import SimWorld, make_world

__all__ = [
    "WORLD_CONFIGS",
    "DriftWorldConfig",
    "FragileWorldConfig",
    "MismatchWorldConfig",
    "SimWorld",
    "SimWorldConfig",
    "TasksWorldConfig",
    "make_world",
    "world_config",
]
