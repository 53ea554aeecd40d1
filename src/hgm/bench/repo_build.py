"""Git repositories for SWE-style instances: use a real one, or build one from plain files.

A plain directory becomes a one-commit repository with a fixed author, date and message,
so the same files always give the same commit hash (the instance's `base_commit`).
Built repositories are cached under <hgm cache>/swe-local/<commit> (see hgm.bench.cache).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from types import MappingProxyType

from hgm.bench.cache import cache_dir
from hgm.errors import UserError

FIXED_IDENTITY = MappingProxyType(
    {
        "GIT_AUTHOR_NAME": "hgm",
        "GIT_AUTHOR_EMAIL": "hgm@localhost",
        "GIT_AUTHOR_DATE": "2024-01-01T00:00:00+0000",
        "GIT_COMMITTER_NAME": "hgm",
        "GIT_COMMITTER_EMAIL": "hgm@localhost",
        "GIT_COMMITTER_DATE": "2024-01-01T00:00:00+0000",
    }
)
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".git")


def _git_env(home: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "LANG": "C.UTF-8",
        **FIXED_IDENTITY,
    }


def git(repo: Path, *args: str) -> bytes:
    """Run git in `repo` with no user or system configuration; UserError on failure."""
    result = subprocess.run(
        ["git", "-c", "core.autocrlf=false", "-c", "commit.gpgsign=false", *args],
        cwd=repo,
        capture_output=True,
        env=_git_env(repo),
        check=False,
    )
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip()
        raise UserError(f"git {' '.join(args[:2])} failed in {repo}: {message}")
    return result.stdout


def cache_root() -> Path:
    return cache_dir() / "swe-local"


def has_commit(repo: Path, commit: str) -> bool:
    try:
        git(repo, "cat-file", "-e", f"{commit}^{{commit}}")
    except UserError:
        return False
    return True


def extract_commit(repo: Path, commit: str, dest: Path) -> None:
    """Write the files of `commit` in `repo` into `dest` (plain files, no .git)."""
    archive = git(repo, "archive", "--format=tar", commit)
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:") as tar:
        tar.extractall(dest, filter="data")


def list_commit(repo: Path, commit: str) -> frozenset[str]:
    """The paths of every file in `commit`."""
    listing = git(repo, "ls-tree", "-r", "-z", "--name-only", commit)
    return frozenset(name.decode(errors="replace") for name in listing.split(b"\0") if name)


def build_repo(files: Path, dest: Path) -> str:
    """Copy `files` into a new repository at `dest` and commit them; return the commit hash."""
    shutil.copytree(files, dest, ignore=IGNORED)
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "--no-verify", "-m", "base")
    return git(dest, "rev-parse", "HEAD").decode().strip()


def materialize_repo(source: Path, base_commit: str, label: str) -> Path:
    """A repository holding `base_commit`: `source` itself if it is one, else built from it."""
    if (source / ".git").exists():
        if not has_commit(source, base_commit):
            raise UserError(f"{label}: base_commit {base_commit} is not a commit in {source}")
        return source
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="build-", dir=root))
    try:
        built = build_repo(source, staging / "repo")
        if not built.startswith(base_commit):
            raise UserError(
                f"{label}: the files in {source} build to commit {built}, but base_commit is "
                f"{base_commit}; set base_commit to {built} if the files are what you meant"
            )
        final = root / built
        if not final.exists():
            try:
                (staging / "repo").rename(final)
            except OSError:
                if not final.exists():
                    raise
        return final
    finally:
        shutil.rmtree(staging, ignore_errors=True)
