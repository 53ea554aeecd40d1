"""The study suite behind `hgm study`: a fixed grid of worlds, budgets, workers and costs.

Every cell (world family, budget B, workers W, expansion cost C) runs every policy
on the same seeds (paired). The first policy, the candidate, also runs at the
extra budgets of the cost ladder (B / 2 for every grid budget B), so that its
cost-to-match against faithful HGM can be read at a finer resolution than the grid.
Runs are spread over worker processes in chunks of seeds, the longest first.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

from hgm.errors import UserError
from hgm.search import PolicyConfig
from hgm.sim.compare import SimRun, SimSetup, policy_configs, simulate_one
from hgm.sim.config import WORLD_CONFIGS, world_config

STUDY_WORLDS: tuple[str, ...] = tuple(WORLD_CONFIGS)
STUDY_BUDGETS: tuple[int, ...] = (60, 150, 400, 800)
STUDY_WORKERS: tuple[int, ...] = (1, 4, 16)
STUDY_COSTS: tuple[float, ...] = (0.0, 1.0, 3.0)
STUDY_POLICIES = "default,hgm,greedy,dgm"
STUDY_SEEDS = 200
STUDY_SEED_START = 0
REFERENCE = "hgm"
"""Cost-to-match is measured against this policy (faithful HGM)."""
CHUNK_SEEDS = 25


@dataclass(frozen=True, slots=True)
class Cell:
    """One point of the grid."""

    world: str
    budget: int
    workers: int
    cost: float


@dataclass(frozen=True, slots=True)
class StudyRun:
    """One simulated run of the study: where in the grid, and what it gave."""

    world: str
    budget: int
    workers: int
    cost: float
    ladder: bool
    """True for the candidate's extra runs at a cost-ladder budget outside the grid."""
    run: SimRun


@dataclass(frozen=True)
class StudyGrid:
    """What to run: the grid, the paired seeds, the policies (the first is the candidate)."""

    worlds: tuple[str, ...] = STUDY_WORLDS
    budgets: tuple[int, ...] = STUDY_BUDGETS
    workers: tuple[int, ...] = STUDY_WORKERS
    costs: tuple[float, ...] = STUDY_COSTS
    seeds: tuple[int, ...] = tuple(range(STUDY_SEED_START, STUDY_SEED_START + STUDY_SEEDS))
    policies: str = STUDY_POLICIES
    select: str = "policy"
    ladder: bool = True

    def __post_init__(self) -> None:
        for world in self.worlds:
            world_config(world)  # a UserError naming the allowed families
        chosen = policy_configs(self.policies)
        if REFERENCE not in chosen:
            raise UserError(f"the study needs {REFERENCE!r} among --policies (cost-to-match)")
        for name, values, low in (
            ("budgets", self.budgets, 1),
            ("workers", self.workers, 1),
            ("seeds", self.seeds, 0),
        ):
            if not values or min(values) < low:
                raise UserError(f"--{name} must list values >= {low}, given {list(values)}")
        if not self.costs or min(self.costs) < 0:
            raise UserError(f"--costs must list values >= 0, given {list(self.costs)}")

    @property
    def candidate(self) -> str:
        return next(iter(policy_configs(self.policies)))

    def cells(self) -> list[Cell]:
        return [
            Cell(world, budget, workers, cost)
            for world in self.worlds
            for budget in self.budgets
            for workers in self.workers
            for cost in self.costs
        ]

    def ladder_budgets(self) -> tuple[int, ...]:
        """The candidate's extra budgets: B / 2 for each grid budget, when not already in it."""
        if not self.ladder:
            return ()
        halves = {max(1, budget // 2) for budget in self.budgets}
        return tuple(sorted(halves - set(self.budgets)))

    def units(self) -> list[_Unit]:
        """Work units: (world, budget, workers, cost, policies, seed chunk), longest first."""
        names = list(policy_configs(self.policies))
        chunks = [
            self.seeds[start : start + CHUNK_SEEDS]
            for start in range(0, len(self.seeds), CHUNK_SEEDS)
        ]
        units = []
        for world in self.worlds:
            for workers in self.workers:
                for cost in self.costs:
                    plans = [(budget, tuple(names), False) for budget in self.budgets]
                    plans += [(budget, (names[0],), True) for budget in self.ladder_budgets()]
                    for budget, chosen, ladder in plans:
                        for chunk in chunks:
                            units.append(_Unit(world, budget, workers, cost, chosen, ladder, chunk))
        return sorted(units, key=lambda unit: -unit.weight)

    def runs_planned(self) -> int:
        return sum(len(unit.policies) * len(unit.seeds) for unit in self.units())


@dataclass(frozen=True, slots=True)
class _Unit:
    world: str
    budget: int
    workers: int
    cost: float
    policies: tuple[str, ...]
    ladder: bool
    seeds: tuple[int, ...]

    @property
    def weight(self) -> float:
        """A rough guess of the CPU time it takes, to start long units first."""
        return self.budget * len(self.policies) * len(self.seeds) / (1.0 + 0.1 * self.cost)


def _run_unit(unit: _Unit, policies: dict[str, PolicyConfig], select: str) -> list[StudyRun]:
    setup = SimSetup(
        world=world_config(unit.world),
        budget=unit.budget,
        workers=unit.workers,
        select=select,
        expansion_cost=unit.cost,
    )
    return [
        StudyRun(
            unit.world,
            unit.budget,
            unit.workers,
            unit.cost,
            unit.ladder,
            simulate_one(setup, name, policies[name], seed),
        )
        for seed in unit.seeds
        for name in unit.policies
    ]


def run_study(
    grid: StudyGrid,
    processes: int | None = None,
    on_runs_done: Callable[[int], None] | None = None,
) -> list[StudyRun]:
    """Run the whole grid on `processes` worker processes (default: all cores)."""
    policies = policy_configs(grid.policies)
    units = grid.units()
    processes = processes or os.cpu_count() or 1
    runs: list[StudyRun] = []
    if processes == 1:
        for unit in units:
            done = _run_unit(unit, policies, grid.select)
            runs.extend(done)
            if on_runs_done is not None:
                on_runs_done(len(done))
    else:
        with ProcessPoolExecutor(max_workers=processes) as pool:
            futures = [pool.submit(_run_unit, unit, policies, grid.select) for unit in units]
            for future in as_completed(futures):
                done = future.result()
                runs.extend(done)
                if on_runs_done is not None:
                    on_runs_done(len(done))
    return sort_runs(runs, list(policies))


def sort_runs(runs: Sequence[StudyRun], names: list[str]) -> list[StudyRun]:
    """A stable order: by cell, then seed, then policy as listed."""
    return sorted(
        runs,
        key=lambda r: (r.world, r.budget, r.workers, r.cost, r.run.seed, names.index(r.run.policy)),
    )


def write_runs(path: Path, runs: Sequence[StudyRun]) -> None:
    """Every run as one JSON line: its cell (`expansion_cost` is C) and its `SimRun` fields."""
    with path.open("w") as out:
        for r in runs:
            cell = {"world": r.world, "budget": r.budget, "workers": r.workers}
            row = {**cell, "expansion_cost": r.cost, "ladder": r.ladder, **asdict(r.run)}
            out.write(json.dumps(row) + "\n")


def read_runs(path: Path, names: list[str]) -> list[StudyRun]:
    """Runs written by `write_runs`, in the study's order; a UserError if unreadable."""
    try:
        rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        runs = [
            StudyRun(
                row.pop("world"),
                row.pop("budget"),
                row.pop("workers"),
                row.pop("expansion_cost"),
                row.pop("ladder"),
                SimRun(**row),
            )
            for row in rows
        ]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UserError(f"cannot read runs from {path}: {error}") from error
    unknown = {r.run.policy for r in runs} - set(names)
    if unknown:
        raise UserError(f"{path} holds policies {sorted(unknown)} not in --policies")
    return sort_runs(runs, names)
