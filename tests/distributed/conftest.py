"""One real Ray cluster per test session, started when a test first asks for it: a head
without CPUs and two worker nodes (`w1`, `w2`), each its own `ray start` processes on
127.0.0.1. The test that kills the nodes runs last (tests/distributed/test_ray_runs.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from ray_cluster import LocalCluster, ray_problem

from components import need

HGM = Path(sys.executable).with_name("hgm")
SECRET = "sk-hgm-test-secret-0123456789abcdef"


@pytest.fixture(scope="session")
def cluster() -> Iterator[LocalCluster]:
    need("ray", ray_problem())
    import ray

    root = Path(tempfile.mkdtemp(prefix="hgm-ray-", dir="/tmp"))
    started = LocalCluster(root)
    try:
        started.start({"w1": 2, "w2": 2})
        ray.init(address=started.address, log_to_driver=False, logging_level="ERROR")
        yield started
    finally:
        if ray.is_initialized():
            ray.shutdown()
        started.stop()


def run_env(tmp_path: Path) -> dict[str, str]:
    """The hgm process's environment: a provider key that must never reach a node."""
    env = dict(os.environ, OPENAI_API_KEY=SECRET, HGM_TEST_KEY=SECRET)
    env["HOME"] = str(tmp_path / "home")
    (tmp_path / "home").mkdir(exist_ok=True)
    return env


def hgm(*arguments: str, env: dict[str, str], cwd: Path, timeout: float = 300):
    return subprocess.run(
        [str(HGM), *arguments], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


def start_hgm(*arguments: str, env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(HGM), *arguments],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def kill_group(process: subprocess.Popen[str]) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def wait_for(condition, timeout_s: float = 120, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise TimeoutError(f"timed out waiting for {what}")
