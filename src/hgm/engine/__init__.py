"""hgm.engine: the asynchronous scheduler, its executors, budgets and resume state."""

from hgm.engine.budget import Budget
from hgm.engine.engine import Engine, RunSummary
from hgm.engine.executors import Executor, ThreadExecutor, VirtualTimeExecutor
from hgm.engine.jobs import Done, Job
from hgm.engine.state import ROOT, EngineState
from hgm.engine.world import EvalOutcome, ExpandOutcome, World

__all__ = [
    "ROOT",
    "Budget",
    "Done",
    "Engine",
    "EngineState",
    "EvalOutcome",
    "Executor",
    "ExpandOutcome",
    "Job",
    "RunSummary",
    "ThreadExecutor",
    "VirtualTimeExecutor",
    "World",
]
