"""Fixtures for the archive tests: real git in temporary directories, HOME isolated."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from archive_helpers import SEED_FILES, TEMPLATE_MARKER, USER_GITCONFIG, write_files

from hgm.archive import Archive


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private HOME holding a hostile user gitconfig the archive must ignore."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text(USER_GITCONFIG, encoding="utf-8")
    (home / "template").mkdir()
    (home / "template" / TEMPLATE_MARKER).write_text("user template\n", encoding="utf-8")
    monkeypatch.setenv("HOME", str(home))
    for name in list(os.environ):
        if name.startswith("GIT_"):
            monkeypatch.delenv(name)
    return home


@pytest.fixture
def seed_dir(tmp_path: Path) -> Path:
    return write_files(tmp_path / "seed", SEED_FILES)


@pytest.fixture
def archive(tmp_path: Path, seed_dir: Path) -> Archive:
    return Archive.create(tmp_path / "run" / "agents.git", seed_dir)


@pytest.fixture
def child_of(archive: Archive, tmp_path: Path) -> Callable[..., str]:
    """Commit a child made by editing a checkout of its parent; returns the commit id."""
    counter = iter(range(10_000))

    def make(parent: int, child: int, files: dict[str, str | bytes], **metadata: object) -> str:
        work = archive.checkout(parent, tmp_path / f"work-{next(counter)}")
        write_files(work, files)
        return archive.commit_child(parent, child, work, f"agent {child}", metadata)

    return make
