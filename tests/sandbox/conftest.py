"""Fixtures for sandbox tests: a real bubblewrap sandbox, a work directory, a fake home."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from components import need
from hgm.sandbox import BubblewrapConfig, Sandbox, check_backend, make_sandbox
from hgm.sandbox.cgroups import CgroupParents, run_cgroups


@pytest.fixture(scope="session")
def bwrap_sandbox() -> Sandbox:
    need("bubblewrap", check_backend(BubblewrapConfig()))
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
def cgroup_limits() -> tuple[frozenset[str], str]:
    """What this machine lets hgm limit with per-run groups (memory, pids), and where."""
    parents = CgroupParents.detect()
    groups = run_cgroups(64, 64, parents)
    try:
        return frozenset(c for c in ("memory", "pids") if groups.enforces(c)), parents.describe()
    finally:
        groups.close()


@pytest.fixture
def needs_memory_and_pids_cgroups(cgroup_limits: tuple[frozenset[str], str]) -> None:
    limited, where = cgroup_limits
    missing = {"memory", "pids"} - limited
    need("cgroup limits", f"no per-run {sorted(missing)} limits ({where})" if missing else None)
