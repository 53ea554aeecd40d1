"""Fixtures for harness tests: the real bubblewrap sandbox, a real gateway behind a scripted
model (started in a short /tmp directory, stopped after the test), the built-in exercises."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from components import need
from hgm.bench.exercises import ExercismBenchmark, make_exercises
from hgm.bench.types import Task
from hgm.evolve.agent_task import AgentLimits
from hgm.evolve.harness import Harness
from hgm.llm import Gateway, GatewayConfig
from hgm.sandbox import BubblewrapConfig, Sandbox, check_backend, make_sandbox

SCRIPTS = Path(__file__).resolve().parent / "scripts"
TASK_ID = "python/bracket-depth"
RUN = "harness-test"

StartHarness = Callable[..., Harness]


@pytest.fixture(name="private_home", autouse=True)
def private_home_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Toolchains and git run with a HOME and XDG directories of the test's own."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))


@pytest.fixture(name="sandbox", scope="module")
def sandbox_fixture() -> Sandbox:
    need("bubblewrap", check_backend(BubblewrapConfig()))
    return make_sandbox(BubblewrapConfig())


@pytest.fixture(name="short_dir")
def short_dir_fixture() -> Iterator[Path]:
    """A directory with a short path (the gateway's Unix socket path is limited)."""
    path = Path(tempfile.mkdtemp(prefix="hgm-ev-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(name="exercises", scope="module")
def exercises_fixture(sandbox: Sandbox) -> ExercismBenchmark:
    return make_exercises(sandbox=sandbox, languages="python")


@pytest.fixture(name="task")
def task_fixture(exercises: ExercismBenchmark) -> Task:
    return next(task for task in exercises.tasks() if task.id == TASK_ID)


def scripted_config(script: Path, **providers: dict[str, Any]) -> GatewayConfig:
    """The `task` and `self_improve` roles answered by a scripted model; extra providers unused."""
    role = {"provider": "scripted", "model": "scripted-model"}
    return GatewayConfig.model_validate(
        {
            "providers": {"scripted": {"kind": "scripted", "script": str(script)}, **providers},
            "roles": {"task": role, "self_improve": role},
        }
    )


@pytest.fixture(name="start_harness")
def start_harness_fixture(sandbox: Sandbox, short_dir: Path) -> Iterator[StartHarness]:
    """`start_harness(script_name, limits=None, **extra_providers) -> Harness` on a new gateway."""
    started: list[Gateway] = []

    def start(script: str, limits: AgentLimits | None = None, **providers: Any) -> Harness:
        config = scripted_config(SCRIPTS / script, **providers)
        gateway = Gateway(
            config,
            socket_dir=short_dir / f"gw{len(started)}",
            db_path=short_dir / "run.db",
            run=RUN,
        ).start()
        started.append(gateway)
        return Harness(sandbox, gateway, RUN, limits or AgentLimits(wall_s=120, grace_s=5))

    yield start
    for gateway in started:
        gateway.stop()


def trajectory_steps(out_dir: Path) -> list[dict[str, Any]]:
    lines = (out_dir / "trajectory.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    return [record for record in records if record.get("type") == "step"]
