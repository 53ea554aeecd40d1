"""A real Ray cluster on this machine for tests: a head and worker nodes, each started with
`ray start` as its own processes, with its own temp directory and resources.

The head offers no CPU, so jobs run only on worker nodes. Every node's processes are found
by their temp directory in their command line (and their descendants), so a test can kill
exactly one node by PID, and the fixture stops exactly what it started. The nodes get an
environment without provider keys: jobs must never see one.
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
            *arguments,
        ]  # fmt: skip
        log = (self.root / f"{name}.log").open("wb")
        return subprocess.Popen(
            command, env=node_environment(self.root), stdout=log, stderr=subprocess.STDOUT
        )

    def _wait(self, processes: list[subprocess.Popen[bytes]]) -> None:
        for process in processes:
            code = process.wait(timeout=START_TIMEOUT_S)
            if code != 0:
                logs = "\n".join(p.read_text()[-2000:] for p in self.root.glob("*.log"))
                raise RuntimeError(f"ray start failed ({code}):\n{logs}")

    def start(self, workers: dict[str, int]) -> LocalCluster:
        """A head without CPUs, then one worker node per entry (name -> CPUs), in parallel."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        head = ["--head", f"--port={self.port}", "--num-cpus=0", "--include-dashboard=false"]
        self._wait([self._start("head", head)])
        self._wait([self._start_worker(name, cpus) for name, cpus in workers.items()])
        return self

    def _start_worker(self, name: str, cpus: int) -> subprocess.Popen[bytes]:
        return self._start(
            name,
            [f"--address={self.address}", f"--num-cpus={cpus}", f'--resources={{"{name}": 1}}'],
        )

    def add_worker(self, name: str, cpus: int) -> RayNode:
        self._wait([self._start_worker(name, cpus)])
        return self.nodes[-1]

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
