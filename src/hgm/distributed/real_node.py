"""A real world's jobs on a node: the same harness, sandbox and grading as in the hgm
process, with the agent version from the node's cache and the gateway through a forwarder.

Nothing here reads the run database or the archive (they live on the head): an expansion
arrives with what its diagnosis shows already gathered and leaves its child as a diff for
the head to commit. What a job produced travels back as a bounded tar of its job directory.
A job the infrastructure broke (the sandbox, the gateway out of reach, the provider failing
the diagnosis) comes back as `Unfinished`, naming the node; the head reads the gateway's
record of the job's calls itself when a result arrives.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hgm.bench.registry import make_benchmark
from hgm.bench.types import Benchmark, Task
from hgm.distributed.artifacts import pack
from hgm.distributed.forwarder import Forwarder, GatewayAddress
from hgm.distributed.node_cache import AgentBundle
from hgm.distributed.remote import NodeInfo
from hgm.engine.world import Unfinished
from hgm.errors import InfrastructureFailure, UserError
from hgm.evolve.agent_task import AgentLimits
from hgm.evolve.build import SMOKE_RUN_SUFFIX
from hgm.evolve.diagnosis import DiagnosisFailed, DiagnosisInput
from hgm.evolve.expansion import ExpansionFailed, Improver, improve
from hgm.evolve.harness import Harness
from hgm.evolve.validation import ChildValidator
from hgm.evolve.world import evaluation_details
from hgm.llm.config import Role
from hgm.llm.ledger import JobLimits, JobUsage
from hgm.llm.model_facts import ModelFacts
from hgm.runconfig.real_world import BenchSection, ValidationSection
from hgm.sandbox import Sandbox, make_sandbox
from hgm.sandbox.config import SandboxConfig


@dataclass(frozen=True, slots=True)
class RunSettings:
    """What every job of a real run needs on a node (shipped with each job; no secret)."""

    run: str
    sandbox: SandboxConfig
    bench: BenchSection
    limits: AgentLimits
    validation: ValidationSection
    diagnosis_attempts: int
    node_dir: Path
    max_result_bytes: int
    gateway: GatewayAddress
    smoke_gateway: GatewayAddress
    models: dict[Role, ModelFacts]  # each role's model as the head's pre-flight found it
    smoke_models: dict[Role, ModelFacts]  # the smoke-run gateway's free scripted model


@dataclass(frozen=True, slots=True)
class NodeResult:
    """What a real job sends back. `ok`: resolved (evaluation) or admitted (expansion)."""

    ok: bool
    seconds: float
    node_job_dir: str
    artifacts: bytes
    left_out: tuple[str, ...]
    details: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    diff: str = ""
    diagnosis: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class _Settings:
    timeout_s: float
    roles: dict[Role, Any] = field(default_factory=dict)


class ForwardedGateway:
    """The head's gateway as a node's harness sees it (a `hgm.llm.job_gateway.JobGateway`):
    the head opened the job's tokens, one per (job, role), and revokes them when the job
    ends; calls go through the node's forwarder; usage and the record are the head's."""

    db_path = None

    def __init__(self, forwarder: Forwarder, tokens: dict[tuple[str, str], str]) -> None:
        self.socket_dir = forwarder.socket_dir
        self.socket_path = forwarder.socket_path
        self.config = _Settings(forwarder.address.timeout_s)
        self._forwarder = forwarder
        self._tokens = tokens

    @property
    def serving(self) -> bool:
        return self._forwarder.unreachable is None

    def open_job(
        self, run: str, agent: str, job: str, role: Role, limits: JobLimits | None = None
    ) -> str:
        token = self._tokens.get((job, role))
        if token is None:
            raise RuntimeError(f"the head opened no gateway token for job {job}, role {role}")
        return token

    def close_job(self, token: str) -> JobUsage:
        return JobUsage()

    def job_socket(self, token: str) -> Path:
        """The forwarder's socket, alone in its private directory: the forwarder runs in the
        job's own worker process, so the socket is the job's own, as on the head."""
        return self.socket_path


@contextmanager
def job_scratch(settings: RunSettings, job: str, node: NodeInfo) -> Iterator[Path]:
    """A new job directory under the node's scratch space, removed afterwards."""
    parent = settings.node_dir / "jobs" / settings.run
    parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"{job}-a{node.attempt}-", dir=parent))
    try:
        yield scratch / "job"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def load_benchmark(settings: RunSettings, sandbox: Sandbox, node: NodeInfo) -> Benchmark:
    bench = settings.bench
    try:
        return make_benchmark(bench.name, bench.path, sandbox, **bench.options)
    except (UserError, TypeError) as error:
        raise UserError(f"node {node.label}: benchmark {bench.name!r}: {error}") from error


def find_task(benchmark: Benchmark, task_id: str, node: NodeInfo) -> Task:
    for task in benchmark.tasks():
        if task.id == task_id:
            return task
    raise UserError(
        f"node {node.label}: benchmark {benchmark.name!r} has no task {task_id!r} here "
        "(is its data the same version as on the head? see docs/distributed.md)"
    )


def broken_on_node(
    failure: InfrastructureFailure, node: NodeInfo, forwarders: tuple[Forwarder, ...]
) -> Unfinished:
    """What the head hears of a job the infrastructure broke on `node` (re-queued there,
    uncharged, as a local job would be), with the reason a forwarder could not reach the
    gateway, if that was it."""
    reasons = [failure.message]
    reasons += [f.unreachable for f in forwarders if f.unreachable is not None]
    return Unfinished(failure.component, f"on node {node.label}: " + "; ".join(reasons))


@dataclass(frozen=True, slots=True)
class EvaluationNodeJob:
    """Run agent `agent` on task `task` and grade it, as job `job`."""

    settings: RunSettings
    agent: AgentBundle
    task: str
    job: str
    tokens: dict[tuple[str, str], str]

    def run(self, node: NodeInfo) -> NodeResult | Unfinished:
        settings = self.settings
        sandbox = make_sandbox(settings.sandbox)
        benchmark = load_benchmark(settings, sandbox, node)
        task = find_task(benchmark, self.task, node)
        agent_dir = self.agent.directory(settings.node_dir)
        with (
            Forwarder(settings.gateway) as forwarder,
            job_scratch(settings, self.job, node) as job_dir,
        ):
            harness = Harness(
                sandbox,
                ForwardedGateway(forwarder, self.tokens),
                settings.run,
                settings.limits,
                models=settings.models,
            )
            try:
                evaluation = harness.evaluate(
                    agent_dir,
                    benchmark,
                    task,
                    job_dir,
                    agent=str(self.agent.agent),
                    job=self.job,
                    limits=settings.limits,
                )
            except InfrastructureFailure as failure:
                return broken_on_node(failure, node, (forwarder,))
            details = evaluation_details(self.job, job_dir, evaluation)
            packed = pack(job_dir, settings.max_result_bytes)
        return NodeResult(
            evaluation.resolved,
            evaluation.wall_s,
            str(job_dir),
            packed.data,
            packed.left_out,
            details,
        )


@dataclass(frozen=True, slots=True)
class ExpansionNodeJob:
    """Diagnose, self-modify and validate: `parent` makes agent `child` (committed on the head)."""

    settings: RunSettings
    parent: AgentBundle
    child: int
    given: DiagnosisInput
    tokens: dict[tuple[str, str], str]
    smoke_tokens: dict[tuple[str, str], str]

    def run(self, node: NodeInfo) -> NodeResult | Unfinished:
        settings = self.settings
        started = time.perf_counter()
        sandbox = make_sandbox(settings.sandbox)
        parent_dir = self.parent.directory(settings.node_dir)
        job = f"expand-{self.child}"
        with (
            Forwarder(settings.gateway) as forwarder,
            Forwarder(settings.smoke_gateway) as smoke_forwarder,
            job_scratch(settings, job, node) as job_dir,
        ):
            job_dir.mkdir()
            smoke = Harness(
                sandbox,
                ForwardedGateway(smoke_forwarder, self.smoke_tokens),
                settings.run + SMOKE_RUN_SUFFIX,
                python=sys.executable,
                models=settings.smoke_models,
            )
            gateway = ForwardedGateway(forwarder, self.tokens)
            improver = Improver(
                settings.run,
                Harness(sandbox, gateway, settings.run, models=settings.models),
                ChildValidator(sandbox, smoke, settings.validation),
                settings.diagnosis_attempts,
                settings.limits,
                settings.models,
            )
            details: dict[str, Any] = {}
            try:
                improvement = improve(
                    improver,
                    self.parent.agent,
                    self.child,
                    parent_dir,
                    self.given,
                    job_dir,
                    details,
                )
            except InfrastructureFailure as failure:
                return broken_on_node(failure, node, (forwarder, smoke_forwarder))
            except (ExpansionFailed, DiagnosisFailed) as error:
                ok, reason, diff, diagnosis = False, str(error), "", None
            else:
                ok, reason = True, ""
                diff, diagnosis = improvement.diff, improvement.diagnosis.model_dump()
            packed = pack(job_dir, settings.max_result_bytes, exclude=("child",))
        return NodeResult(
            ok,
            time.perf_counter() - started,
            str(job_dir),
            packed.data,
            packed.left_out,
            details,
            reason,
            diff,
            diagnosis,
        )


@dataclass(frozen=True, slots=True)
class SettledJob:
    """A job the head settled without a node's help (a recovered child, a failed plan)."""

    def run(self, node: NodeInfo) -> None:
        return None
