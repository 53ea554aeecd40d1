"""hgm: a runnable Huxley-Gödel Machine.

The public Python API is the names below (docs/api.md); every other module is internal.
They are imported on first use, so `import hgm` (and the `hgm` command) start fast.

    import hgm
    run = hgm.start("examples/sim.toml", run_dir="runs/sim")   # or hgm.Run("runs/sim")
    run.status(); run.agents().to_pandas(); run.best(); run.certify()
    hgm.simulate(world="drift", policies=["hgm", "greedy"], seeds=20)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from hgm.api.launch import load_config, resume, start
    from hgm.api.records import (
        Agent,
        CertifiedTask,
        Costs,
        Evaluation,
        Expansion,
        Records,
        RoleUsage,
        RunOutcome,
    )
    from hgm.api.run import Run
    from hgm.api.simulation import PolicySummary, Simulation, simulate
    from hgm.bench.registry import ENTRY_POINT_GROUP as BENCHMARK_ENTRY_POINTS
    from hgm.bench.registry import benchmark_names, make_benchmark
    from hgm.bench.task_files import Grader, TaskFiles
    from hgm.bench.types import Benchmark, Grade, Task, TestOutcome
    from hgm.errors import InfrastructureFailure, UserError
    from hgm.evolve.certify import Certification
    from hgm.runconfig.config import RunConfig
    from hgm.runconfig.status import BestAgent, RunStatus
    from hgm.sim.compare import SimRun
    from hgm.ui.model import ProgressPoint

_HOMES: dict[str, tuple[str, str]] = {
    # runs
    "Run": ("hgm.api.run", "Run"),
    "start": ("hgm.api.launch", "start"),
    "resume": ("hgm.api.launch", "resume"),
    "load_config": ("hgm.api.launch", "load_config"),
    "RunConfig": ("hgm.runconfig.config", "RunConfig"),
    "RunOutcome": ("hgm.api.records", "RunOutcome"),
    "RunStatus": ("hgm.runconfig.status", "RunStatus"),
    "BestAgent": ("hgm.runconfig.status", "BestAgent"),
    "Records": ("hgm.api.records", "Records"),
    "Agent": ("hgm.api.records", "Agent"),
    "Evaluation": ("hgm.api.records", "Evaluation"),
    "Expansion": ("hgm.api.records", "Expansion"),
    "CertifiedTask": ("hgm.api.records", "CertifiedTask"),
    "Costs": ("hgm.api.records", "Costs"),
    "RoleUsage": ("hgm.api.records", "RoleUsage"),
    "ProgressPoint": ("hgm.ui.model", "ProgressPoint"),
    "Certification": ("hgm.evolve.certify", "Certification"),
    # simulation
    "simulate": ("hgm.api.simulation", "simulate"),
    "Simulation": ("hgm.api.simulation", "Simulation"),
    "PolicySummary": ("hgm.api.simulation", "PolicySummary"),
    "SimRun": ("hgm.sim.compare", "SimRun"),
    # benchmarks
    "Benchmark": ("hgm.bench.types", "Benchmark"),
    "Task": ("hgm.bench.types", "Task"),
    "Grade": ("hgm.bench.types", "Grade"),
    "TestOutcome": ("hgm.bench.types", "TestOutcome"),
    "TaskFiles": ("hgm.bench.task_files", "TaskFiles"),
    "Grader": ("hgm.bench.task_files", "Grader"),
    "benchmark_names": ("hgm.bench.registry", "benchmark_names"),
    "make_benchmark": ("hgm.bench.registry", "make_benchmark"),
    "BENCHMARK_ENTRY_POINTS": ("hgm.bench.registry", "ENTRY_POINT_GROUP"),
    # errors
    "UserError": ("hgm.errors", "UserError"),
    "InfrastructureFailure": ("hgm.errors", "InfrastructureFailure"),
}

__all__ = [
    "BENCHMARK_ENTRY_POINTS",
    "Agent",
    "Benchmark",
    "BestAgent",
    "Certification",
    "CertifiedTask",
    "Costs",
    "Evaluation",
    "Expansion",
    "Grade",
    "Grader",
    "InfrastructureFailure",
    "PolicySummary",
    "ProgressPoint",
    "Records",
    "RoleUsage",
    "Run",
    "RunConfig",
    "RunOutcome",
    "RunStatus",
    "SimRun",
    "Simulation",
    "Task",
    "TaskFiles",
    "TestOutcome",
    "UserError",
    "__version__",
    "benchmark_names",
    "load_config",
    "make_benchmark",
    "resume",
    "simulate",
    "start",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'hgm' has no attribute {name!r}")
    module, attribute = home
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))
