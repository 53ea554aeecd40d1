"""A real Ray cluster on this machine for tests: a head and worker nodes, each started with
`ray start` as its own processes, with its own temp directory and resources.

The head offers no CPU, so jobs run only on worker nodes. Every node's processes are found
by their temp directory in their command line (and their descendants), so a test can kill
exactly one node by PID, and the fixture stops exactly what it started. The nodes get an
environment without provider keys: jobs must never see one.

Start-up is kept lean (a cluster costs ~6 s of CPU instead of ~10): no autoscaler monitor,
log monitor, dashboard or usage stats, and each node's agent ports chosen here, so that its
raylet registers at once instead of waiting for its agents to report their ports (under
load, that wait is what trips Ray's fixed 30 s start-up timeout). Worker nodes start in
parallel; one whose start fails anyway is stopped and started once more.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

RAY_BIN = Path(sys.executable).with_name("ray")
OBJECT_STORE_BYTES = 80 * 1024 * 1024
START_TIMEOUT_S = 180
SECRET_PREFIXES = ("OPENAI", "ANTHROPIC", "HGM_TEST_KEY")


def ray_problem() -> str | None:
    """None when Ray can be started here."""
    try:
        import ray  # noqa: F401
    except ImportError:
        return "Ray is not installed (pip install 'huxley-godel-machine[ray]')"
    if not RAY_BIN.is_file():
        return f"no `ray` command at {RAY_BIN}"
    return None


def node_environment(root: Path) -> dict[str, str]:
    """The environment nodes start with: this one without keys, quiet, fast failure detection."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(SECRET_PREFIXES)}
    env.update(
        RAY_USAGE_STATS_ENABLED="0",
        RAY_DISABLE_DOCKER_CPU_WARNING="1",
        RAY_health_check_period_ms="1000",
        RAY_health_check_failure_threshold="3",
        HOME=str(root / "home"),
    )
    (root / "home").mkdir(exist_ok=True)
    return env


def _agent_ports() -> list[str]:
    """Free ports for a node's dashboard and runtime-env agents and metrics (see the module
    docstring), as `ray start` options."""
    probes = [socket.socket() for _ in range(4)]  # all open at once: four distinct ports
    for probe in probes:
        probe.bind(("127.0.0.1", 0))
    ports = [probe.getsockname()[1] for probe in probes]
    for probe in probes:
        probe.close()
    options = (
        "--dashboard-agent-listen-port", "--dashboard-agent-grpc-port",
        "--metrics-export-port", "--runtime-env-agent-port",
    )  # fmt: skip
    return [f"{option}={port}" for option, port in zip(options, ports, strict=True)]


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


@dataclass
class RayNode:
    name: str
    temp_dir: Path

    def pids(self) -> list[int]:
        """Every process of this node: those naming its temp dir, and their descendants."""
        marker = f"{self.temp_dir}/".encode()
        roots = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if marker in (entry / "cmdline").read_bytes():
                    roots.append(int(entry.name))
            except OSError:
                continue
        seen: set[int] = set()
        stack = list(roots)
        while stack:
            pid = stack.pop()
            if pid not in seen:
                seen.add(pid)
                stack += _children(pid)
        return sorted(seen)

    def kill(self) -> list[int]:
        pids = self.pids()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return pids


@dataclass
class LocalCluster:
    root: Path
    port: int = 0
    nodes: list[RayNode] = field(default_factory=list)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _start(self, name: str, arguments: list[str]) -> subprocess.Popen[bytes]:
        temp_dir = self.root / name
        temp_dir.mkdir(parents=True)
        self.nodes.append(RayNode(name, temp_dir))
        command = [
            str(RAY_BIN), "start", f"--temp-dir={temp_dir}", "--disable-usage-stats",
            f"--object-store-memory={OBJECT_STORE_BYTES}", "--node-ip-address=127.0.0.1",
            "--include-log-monitor=false", *_agent_ports(), *arguments,
        ]  # fmt: skip
        log = (self.root / f"{name}.log").open("wb")
        return subprocess.Popen(
            command, env=node_environment(self.root), stdout=log, stderr=subprocess.STDOUT
        )

    def _wait(self, processes: list[subprocess.Popen[bytes]]) -> list[str]:
        """The names of the nodes whose `ray start` failed."""
        failed = []
        for node, process in zip(self.nodes[-len(processes) :], processes, strict=True):
            if process.wait(timeout=START_TIMEOUT_S) != 0:
                failed.append(node.name)
        return failed

    def _failure(self, names: list[str]) -> RuntimeError:
        logs = "\n".join((self.root / f"{name}.log").read_text()[-2000:] for name in names)
        return RuntimeError(f"ray start failed for {', '.join(names)}:\n{logs}")

    def start(self, workers: dict[str, int]) -> LocalCluster:
        """A head without CPUs, then one worker node per entry (name -> CPUs), in parallel."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        head = [
            "--head", f"--port={self.port}", "--num-cpus=0", "--include-dashboard=false",
            "--no-monitor",
        ]  # fmt: skip
        if failed := self._wait([self._start("head", head)]):
            raise self._failure(failed)
        failed = self._wait([self._start_worker(name, cpus) for name, cpus in workers.items()])
        for name in failed:  # once more, alone
            self._restart(name, workers[name])
        return self

    def _restart(self, name: str, cpus: int) -> None:
        node = self.node(name)
        node.kill()
        self.nodes.remove(node)
        shutil.rmtree(node.temp_dir, ignore_errors=True)
        (self.root / f"{name}.log").rename(self.root / f"{name}.first.log")
        if self._wait([self._start_worker(name, cpus)]):
            raise self._failure([name])

    def _start_worker(self, name: str, cpus: int) -> subprocess.Popen[bytes]:
        return self._start(
            name,
            [f"--address={self.address}", f"--num-cpus={cpus}", f'--resources={{"{name}": 1}}'],
        )

    def add_worker(self, name: str, cpus: int) -> RayNode:
        if self._wait([self._start_worker(name, cpus)]):
            self._restart(name, cpus)
        return self.node(name)

    def processes(self) -> dict[int, str]:
        """Every process of every node (pid -> node name), from one pass over /proc: those
        naming a node's temp dir, and their descendants."""
        markers = {f"{node.temp_dir}/".encode(): node.name for node in self.nodes}
        owner: dict[int, str] = {}
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            try:
                command = (entry / "cmdline").read_bytes()
                parents[pid] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            for marker, name in markers.items():
                if marker in command:
                    owner[pid] = name
        for pid in parents:  # descendants: walk up to an owned ancestor
            chain, current = [], pid
            while current not in owner and current in parents and current not in chain:
                chain.append(current)
                current = parents[current]
            if current in owner:
                owner.update(dict.fromkeys(chain, owner[current]))
        return owner

    def node(self, name: str) -> RayNode:
        return next(node for node in self.nodes if node.name == name)

    def wait_for_nodes(self, alive: int, timeout_s: float = 60) -> None:
        """Until the cluster counts `alive` nodes (head included)."""
        import ray

        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if sum(1 for node in ray.nodes() if node.get("Alive")) == alive:
                return
            time.sleep(0.5)
        raise TimeoutError(f"the cluster did not reach {alive} alive nodes")

    def stop(self) -> None:
        for node in reversed(self.nodes):
            node.kill()
        shutil.rmtree(self.root, ignore_errors=True)
