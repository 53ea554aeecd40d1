"""Starting and resuming a run from its directory: world, policy, engine and store wired up.

`open_run(directory)` takes the run's lock, opens its database with a
new session and yields a `PreparedRun` that builds the engine. The store is
always the engine's first observer, so every event is durable before anyone
else sees it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from hgm.engine.budget import Budget
from hgm.engine.engine import Engine
from hgm.engine.events import Observer
from hgm.engine.executors import Executor, ThreadExecutor, VirtualTimeExecutor
from hgm.engine.state import EngineState
from hgm.engine.world import EvalOutcome, ExpandOutcome, World
from hgm.llm.config import Role
from hgm.llm.model_facts import ModelFacts
from hgm.runconfig.config import RunConfig, read_run_config
from hgm.runconfig.real_world import RealWorldSection
from hgm.search.policies import make_policy
from hgm.sim import make_world
from hgm.store.run_dir import RunDir, RunLock
from hgm.store.run_store import RunStore


class PacedWorld:
    """A world whose jobs also take real time: `seconds_per_time_unit` x their duration.

    Used for simulated worlds that should run like real ones (on threads, in wall
    time): live progress is watchable and a run can be interrupted mid-way.
    """

    def __init__(self, world: World, seconds_per_time_unit: float) -> None:
        self._world = world
        self._scale = seconds_per_time_unit

    def tasks(self) -> list[str]:
        return self._world.tasks()

    def expand(self, parent: int, child: int) -> ExpandOutcome:
        outcome = self._world.expand(parent, child)
        time.sleep(outcome.duration * self._scale)
        return outcome

    def evaluate(self, agent: int, task: str) -> EvalOutcome:
        outcome = self._world.evaluate(agent, task)
        time.sleep(outcome.duration * self._scale)
        return outcome


def build_world(
    config: RunConfig,
    resumed: EngineState | None,
    directory: RunDir,
    resources: ExitStack,
    models: dict[Role, ModelFacts] | None = None,
) -> tuple[World, Executor]:
    """The world of `config` (holding the agents of a resumed run) and its executor.

    A real world's gateways and archive live until `resources` closes (`hgm run` checks
    the set-up with `hgm.evolve.preflight` before it creates the run directory, and passes
    what it learned about each role's model as `models`).
    """
    world = config.world
    if isinstance(world, RealWorldSection):
        from hgm.evolve.build import open_real_world

        real = open_real_world(
            world, config.run.name, config.run.seed, directory.path, directory.db_path, models
        )
        return resources.enter_context(real), ThreadExecutor()
    simulated = make_world(world.sim, config.run.seed)
    if resumed is not None:
        tree = resumed.tree
        simulated.restore((agent, tree.parent(agent)) for agent in tree.agents())
    if world.seconds_per_time_unit > 0:
        return PacedWorld(simulated, world.seconds_per_time_unit), ThreadExecutor()
    return simulated, VirtualTimeExecutor()


def budget_of(config: RunConfig) -> Budget:
    section = config.budget
    return Budget(
        task_evals=section.task_evals,
        expansions=section.expansions,
        wall_clock_s=section.wall_clock_s,
        money_usd=section.money_usd,
    )


@dataclass
class PreparedRun:
    """A run ready to drive: its config, its open store and the state to continue from."""

    directory: RunDir
    config: RunConfig
    store: RunStore
    state: EngineState | None
    resources: ExitStack
    models: dict[Role, ModelFacts] | None = None

    def make_engine(self, observers: Sequence[Observer] = ()) -> Engine:
        world, executor = build_world(
            self.config, self.state, self.directory, self.resources, self.models
        )
        return Engine(
            world,
            make_policy(self.config.policy),
            budget_of(self.config),
            workers=self.config.run.workers,
            seed=self.config.run.seed,
            executor=executor,
            observers=(self.store, *observers),
            state=self.state,
            pause_after=self.config.run.pause_after_failures,
        )


@contextmanager
def open_run(
    directory: RunDir, models: dict[Role, ModelFacts] | None = None
) -> Iterator[PreparedRun]:
    """Lock the run, open its database (a new session) and load the state to continue from
    (None for a run that has not started: the engine then begins with the root agent).
    `models`: each role's model as the pre-flight found it (a real world only)."""
    config, _ = read_run_config(directory.config_path)
    with (
        RunLock(directory.lock_path),
        RunStore.open_for_writing(directory.db_path) as store,
        ExitStack() as resources,
    ):
        yield PreparedRun(directory, config, store, store.load_engine_state(), resources, models)
