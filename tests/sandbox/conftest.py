"""Fixtures for sandbox tests: a real bubblewrap sandbox, a work directory, a fake home."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hgm.sandbox import BubblewrapConfig, Sandbox, check_backend, make_sandbox
from hgm.sandbox.cgroups import RunCgroups


@pytest.fixture(scope="session")
def bwrap_sandbox() -> Sandbox:
    problem = check_backend(BubblewrapConfig())
    if problem is not None:
        pytest.skip(f"bubblewrap unusable here: {problem}")
    return make_sandbox(BubblewrapConfig())


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    directory = tmp_path / "work"
    directory.mkdir()
    return directory


@pytest.fixture
def fake_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A temporary HOME (and XDG dirs) holding a secret file, outside the work directory."""
    home = tmp_path / "home"
    (home / ".config").mkdir(parents=True)
    (home / "secret.txt").write_text("hgm-host-secret-file\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    yield home


@pytest.fixture(scope="session")
def cgroup_controllers() -> frozenset[str]:
    """The cgroup v1 controllers this machine lets hgm create per-run groups in."""
    groups = RunCgroups.create(None, None)
    try:
        return frozenset(groups.dirs)
    finally:
        groups.close()


@pytest.fixture
def needs_memory_and_pids_cgroups(cgroup_controllers: frozenset[str]) -> None:
    if not {"memory", "pids", "cpuacct"} <= cgroup_controllers:
        pytest.skip(f"per-run cgroups unavailable here (have: {sorted(cgroup_controllers)})")
