"""Before a run on a cluster spends anything: can every node that may get jobs do them?

One check task is pinned to each alive node that offers a job's resources. It reports,
naming the node: an hgm or Python version other than the head's (jobs are pickled
between them), a sandbox backend that does not work there, a benchmark that does not
load, lacks the run's tasks or whose first reference solution fails (a missing
toolchain), and a head address it cannot reach (where the gateway will listen). Fewer
good nodes than `[executor] require_nodes` stops the run before it starts.
"""

from __future__ import annotations

import socket
import sys
from dataclasses import dataclass

import hgm
from hgm.distributed.cluster import ClusterNode, alive_nodes, connect, disconnect
from hgm.distributed.node import this_node
from hgm.errors import UserError
from hgm.runconfig.config import RunConfig
from hgm.runconfig.executor import RayExecutorSection
from hgm.runconfig.real_world import BenchSection, RealWorldSection
from hgm.sandbox.config import SandboxConfig

ANSWER_TIMEOUT_S = 600.0
CONNECT_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class NodeCheck:
    """What one node is asked to verify (picklable)."""

    version: str
    python: tuple[int, int]
    sandbox: SandboxConfig | None
    bench: BenchSection | None
    tasks: tuple[str, ...]
    head: tuple[str, int] | None

    def run(self) -> list[str]:
        node = this_node(0).label
        problems = []
        if self.version != hgm.__version__ or self.python != sys.version_info[:2]:
            here = f"hgm {hgm.__version__}, Python {sys.version_info[0]}.{sys.version_info[1]}"
            head = f"hgm {self.version}, Python {self.python[0]}.{self.python[1]}"
            problems.append(f"node {node}: {here}, the head has {head}; install the same")
        if self.head is not None:
            try:
                socket.create_connection(self.head, timeout=CONNECT_TIMEOUT_S).close()
            except OSError as error:
                problems.append(
                    f"node {node}: cannot reach the head at {self.head[0]}:{self.head[1]} "
                    f"({error}); the gateway listens there ([executor.gateway] host)"
                )
        if self.sandbox is not None:
            problems += [f"node {node}: {problem}" for problem in self._world_problems()]
        return problems

    def _world_problems(self) -> list[str]:
        from hgm.bench.registry import make_benchmark
        from hgm.sandbox import check_backend, make_sandbox

        assert self.sandbox is not None and self.bench is not None
        backend = check_backend(self.sandbox)
        if backend is not None:
            return [f"sandbox {self.sandbox.kind}: {backend}"]
        try:
            sandbox = make_sandbox(self.sandbox)
            benchmark = make_benchmark(
                self.bench.name, self.bench.path, sandbox, **self.bench.options
            )
            tasks = {task.id: task for task in benchmark.tasks()}
        except (UserError, TypeError) as error:
            return [f"benchmark {self.bench.name!r}: {error}"]
        missing = [task for task in self.tasks if task not in tasks]
        if missing:
            return [
                f"benchmark {self.bench.name!r} lacks {len(missing)} of the run's tasks "
                f"(first: {missing[0]}): give every node the same benchmark data"
            ]
        first = tasks[self.tasks[0]]
        grade = benchmark.grade(first, benchmark.reference_diff(first))
        if not grade.resolved:
            detail = (grade.error or grade.log_tail[-300:]).strip()
            return [
                f"benchmark {self.bench.name!r}: the reference solution of {first.id} fails "
                f"here ({detail}); is the toolchain installed? see `hgm doctor`"
            ]
        return []


def _run_check(check: NodeCheck) -> list[str]:
    return check.run()


def _offers(node: ClusterNode, section: RayExecutorSection) -> bool:
    needs = {"CPU": section.cpus_per_job, **section.resources}
    if section.memory_mb_per_job:
        needs["memory"] = section.memory_mb_per_job * 1024 * 1024
    return all(node.resources.get(name, 0.0) >= amount for name, amount in needs.items() if amount)


def node_check(config: RunConfig, head: tuple[str, int] | None) -> NodeCheck:
    world = config.world
    if not isinstance(world, RealWorldSection):
        return NodeCheck(hgm.__version__, sys.version_info[:2], None, None, (), head)
    from hgm.evolve.build import load_bench
    from hgm.sandbox import make_sandbox

    setup = load_bench(world, make_sandbox(world.sandbox))
    tasks = tuple(task.id for task in [*setup.search, *setup.heldout])
    return NodeCheck(hgm.__version__, sys.version_info[:2], world.sandbox, world.bench, tasks, head)


def cluster_problems(config: RunConfig, section: RayExecutorSection) -> list[str]:
    """Every problem found on the cluster's nodes (empty: the run may start). The connection
    to the cluster stays open for the run (`hgm.distributed.cluster.connect`)."""
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    from hgm.distributed.setup import cluster_listener

    connect(section.address)
    listener = None
    try:
        head = None
        if isinstance(config.world, RealWorldSection):
            listen = cluster_listener(section)
            listener = socket.create_server((listen.host, 0))
            head = (section.gateway.advertise or listen.host, listener.getsockname()[1])
        nodes = [node for node in alive_nodes() if _offers(node, section)]
        if len(nodes) < section.require_nodes:
            return [
                f"the cluster at {section.address} has {len(nodes)} alive nodes with what a job "
                f"needs ({section.cpus_per_job:g} CPU, {section.memory_mb_per_job} MB, "
                f"{section.resources or 'no custom resources'}); require_nodes is "
                f"{section.require_nodes}: start worker nodes (docs/distributed.md)"
            ]
        check = node_check(config, head)
        probe = ray.remote(_run_check)
        answers = {
            node.node_id: probe.options(
                num_cpus=0,
                scheduling_strategy=NodeAffinitySchedulingStrategy(node.node_id, soft=False),
            ).remote(check)
            for node in nodes
        }
        problems: list[str] = []
        for node_id, answer in answers.items():
            try:
                problems += ray.get(answer, timeout=ANSWER_TIMEOUT_S)
            except Exception as error:  # a node that died or hung: name it
                problems.append(f"node {node_id[:8]}: the check did not answer ({error})")
        return problems
    finally:
        if listener is not None:
            listener.close()


def check_cluster(config: RunConfig) -> None:
    """Raise one UserError listing every node problem (the CLI exits 2, nothing spent)."""
    section = config.executor
    assert isinstance(section, RayExecutorSection)
    problems = cluster_problems(config, section)
    if problems:
        disconnect()  # no run follows
        listed = "\n".join(f"  - {problem}" for problem in problems)
        raise UserError(f"the cluster cannot run this: \n{listed}")
