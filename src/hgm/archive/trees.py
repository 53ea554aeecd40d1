"""Directories to git trees and back, each through a private temporary index.

A private index per operation (`GIT_INDEX_FILE`) and an explicit working tree
mean that any number of threads can import and materialize versions at once
without touching each other or the repository's own (unused) index.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from hgm.archive.errors import ArchiveError
from hgm.archive.git import Git
from hgm.errors import UserError

# Never part of an agent: git metadata and Python's caches.
IGNORED_NAMES = frozenset({".git", "__pycache__"})
IGNORED_SUFFIXES = (".pyc",)
# Written by `export` next to an agent's files; skipped on import so that an
# exported agent can be used as the root of a new run as it is.
MANIFEST_NAME = "LINEAGE.json"


def is_ignored(relative: Path) -> bool:
    """True for paths that are never stored: `.git`, `__pycache__`, `*.pyc`, the top manifest."""
    if relative.as_posix() == MANIFEST_NAME:
        return True
    return relative.name in IGNORED_NAMES or relative.name.endswith(IGNORED_SUFFIXES)


def stored_files(directory: Path) -> Iterator[str]:
    """Relative paths of the regular files and symlinks that an import stores.

    Symlinks are stored as links, never followed; sockets, fifos and devices are skipped.
    """
    for current, dirnames, filenames in os.walk(directory):
        base = Path(current)
        relative_base = base.relative_to(directory)
        kept_dirs = []
        for name in sorted(dirnames):
            relative = relative_base / name
            if is_ignored(relative):
                continue
            if (base / name).is_symlink():
                yield relative.as_posix()
            else:
                kept_dirs.append(name)
        dirnames[:] = kept_dirs
        for name in sorted(filenames):
            relative = relative_base / name
            if is_ignored(relative):
                continue
            mode = os.lstat(base / name).st_mode
            if stat.S_ISREG(mode) or stat.S_ISLNK(mode):
                yield relative.as_posix()


def write_tree(git: Git, directory: Path) -> str:
    """Store the files under `directory` (see stored_files) as a tree; return its id."""
    if not directory.is_dir():
        raise ArchiveError(f"{directory}: not a directory, cannot store it as an agent version")
    paths = b"".join(os.fsencode(path) + b"\0" for path in stored_files(directory))
    with tempfile.TemporaryDirectory(prefix="hgm-index-") as scratch:
        index = Path(scratch) / "index"
        if paths:
            git.run(
                "update-index",
                "--add",
                "-z",
                "--stdin",
                stdin=paths,
                cwd=directory,
                work_tree=directory,
                index_file=index,
            )
        return git.run("write-tree", index_file=index).decode().strip()


def prepare_destination(dest: Path) -> None:
    """Create `dest` for a checkout; a user error when something is already there."""
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise UserError(f"{dest} already exists and is not empty: choose a new directory")
    dest.mkdir(parents=True, exist_ok=True)


def materialize(git: Git, treeish: str, dest: Path) -> Path:
    """Write the files of `treeish` into `dest` (created; must not exist or be empty)."""
    prepare_destination(dest)
    with tempfile.TemporaryDirectory(prefix="hgm-index-") as scratch:
        index = Path(scratch) / "index"
        git.run("read-tree", treeish, work_tree=dest, index_file=index)
        git.run("checkout-index", "--all", "--force", work_tree=dest, index_file=index, cwd=dest)
    return dest
