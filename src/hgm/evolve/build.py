"""Assembling the real world of one run: sandbox, benchmark split, archive, gateways, harnesses.

`open_real_world(...)` is a context manager: it starts the LLM gateway (provider keys stay
in this process) and the free smoke-run gateway, creates the archive `<run>/agents.git`
from the root agent (or re-opens it on resume), and stops the gateways on the way out.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from hgm.archive import Archive
from hgm.bench.registry import make_benchmark
from hgm.bench.subsets import split_tasks
from hgm.bench.types import Benchmark, Task
from hgm.errors import UserError
from hgm.evolve.agent_dir import SEED_AGENT_DIR
from hgm.evolve.agent_task import AgentLimits
from hgm.evolve.bounded_diff import MIB
from hgm.evolve.expansion import ExpansionContext
from hgm.evolve.harness import Harness
from hgm.evolve.quickstart import quickstart_gateway
from hgm.evolve.validation import ChildValidator, smoke_gateway_config
from hgm.evolve.versions import AgentVersions
from hgm.evolve.world import RealWorld
from hgm.llm.config import GatewayConfig, Role
from hgm.llm.gateway import Gateway
from hgm.llm.model_facts import ModelFacts, configured_facts
from hgm.runconfig.real_world import AgentLimitsSection, RealWorldSection
from hgm.sandbox import Sandbox, make_sandbox

ARCHIVE_NAME = "agents.git"
SMOKE_RUN_SUFFIX = ":smoke"


def agent_limits(section: AgentLimitsSection) -> AgentLimits:
    """The harness's limits for one agent job: the agent is told wall_clock_s."""
    return AgentLimits(
        wall_s=section.wall_clock_s + section.grace_s,
        grace_s=section.grace_s,
        memory_mb=section.memory_mb,
        max_steps=section.max_steps,
        max_tokens=section.max_tokens,
        command_timeout_s=section.command_timeout_s,
        max_diff_bytes=int(section.max_diff_mb * MIB),
    )


def root_source(section: RealWorldSection) -> Path | str:
    return SEED_AGENT_DIR if section.agent.source == "seed" else section.agent.source


@dataclass(frozen=True, slots=True)
class BenchSetup:
    benchmark: Benchmark
    search: list[Task]
    heldout: list[Task]


def load_bench(section: RealWorldSection, sandbox: Sandbox) -> BenchSetup:
    bench = section.bench
    try:
        benchmark = make_benchmark(bench.name, bench.path, sandbox, **bench.options)
    except TypeError as error:  # an option the adapter does not take
        raise UserError(f"[world.bench.options] for {bench.name!r}: {error}") from None
    search, heldout = split_tasks(benchmark.tasks(), bench.subset)
    return BenchSetup(benchmark, search, heldout)


def gateway_config(section: RealWorldSection, setup: BenchSetup, run_path: Path) -> GatewayConfig:
    """[world.llm], or the quick start's scripted models (rule files under <run>/quickstart)."""
    if section.llm is not None:
        return section.llm
    assert section.quickstart is not None
    tasks = [*setup.search, *setup.heldout]
    return quickstart_gateway(section.quickstart, setup.benchmark, tasks, run_path / "quickstart")


@contextmanager
def started_gateway(config: GatewayConfig, db_path: Path, run: str) -> Iterator[Gateway]:
    """A running gateway whose socket lives in a short private directory under /tmp."""
    socket_dir = Path(tempfile.mkdtemp(prefix="hgm-gw-", dir="/tmp"))
    try:
        with Gateway(config, socket_dir=socket_dir / "s", db_path=db_path, run=run) as gateway:
            yield gateway
    finally:
        shutil.rmtree(socket_dir, ignore_errors=True)


def open_archive(section: RealWorldSection, run_path: Path) -> Archive:
    """The run's archive; made from the root agent on first use (again if a crash cut its
    creation short: it then holds no agent at all)."""
    path = run_path / ARCHIVE_NAME
    if (path / "HEAD").is_file():
        archive = Archive.open(path)
        if archive.agents():
            return archive
        shutil.rmtree(path)
    return Archive.create(path, root_source(section), ref=section.agent.ref)


def make_validator(
    section: RealWorldSection, sandbox: Sandbox, smoke_gateway: Gateway, run: str
) -> ChildValidator:
    smoke = Harness(sandbox, smoke_gateway, run + SMOKE_RUN_SUFFIX, python=sys.executable)
    return ChildValidator(sandbox, smoke, section.validation)


@contextmanager
def open_real_world(
    section: RealWorldSection,
    run: str,
    seed: int,
    run_path: Path,
    db_path: Path,
    models: dict[Role, ModelFacts] | None = None,
) -> Iterator[RealWorld]:
    """The world of a run at `run_path` (see the module docstring). `models`: each role's
    model as the pre-flight found it (default: as configured, no server asked)."""
    sandbox = make_sandbox(section.sandbox)
    setup = load_bench(section, sandbox)
    config = gateway_config(section, setup, run_path)
    models = models or configured_facts(config)
    archive = open_archive(section, run_path)
    limits = agent_limits(section.limits)
    with ExitStack() as stack:
        gateway = stack.enter_context(started_gateway(config, db_path, run))
        smoke_gateway = stack.enter_context(
            started_gateway(smoke_gateway_config(), db_path, run + SMOKE_RUN_SUFFIX)
        )
        context = ExpansionContext(
            run=run,
            seed=seed,
            db_path=db_path,
            artifacts=run_path / "artifacts",
            archive=archive,
            versions=AgentVersions(archive, run_path / "agents"),
            harness=Harness(sandbox, gateway, run, limits, models=models),
            validator=make_validator(section, sandbox, smoke_gateway, run),
            tasks={task.id: task for task in [*setup.search, *setup.heldout]},
            search_tasks=[task.id for task in setup.search],
            config=section.expansion,
            limits=limits,
            models=models,
        )
        yield RealWorld(context, setup.benchmark, setup.search, setup.heldout)
