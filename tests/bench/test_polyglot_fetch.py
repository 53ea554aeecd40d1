"""`polyglot`: fetching a pinned commit into the cache (from a local git repo) and using it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hgm.bench.exercises import BUILTIN_DIR
from hgm.bench.polyglot import FETCH_RECORD, fetch_polyglot, make_polyglot, polyglot_dir
from hgm.errors import UserError
from hgm.sandbox import BubblewrapConfig, make_sandbox

SLUG = "python/exercises/practice/bracket-depth"


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[Path]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(tmp_path / "home"))
        patch.setenv("HGM_CACHE", str(tmp_path / "cache"))
        yield tmp_path / "cache"


def git(*args: str, cwd: Path) -> str:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd), "GIT_CONFIG_NOSYSTEM": "1"}
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    result = subprocess.run(["git", *identity, *args], cwd=cwd, env=env, capture_output=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.decode().strip()


@pytest.fixture
def mirror(tmp_path: Path) -> tuple[Path, str, str]:
    """A git repo in the polyglot layout with two commits; returns (repo, first, second)."""
    repo = tmp_path / "mirror"
    shutil.copytree(BUILTIN_DIR / SLUG, repo / SLUG)
    git("init", "-q", cwd=repo)
    git("add", ".", cwd=repo)
    git("commit", "-qm", "one exercise", cwd=repo)
    first = git("rev-parse", "HEAD", cwd=repo)
    (repo / "README.md").write_text("later\n")
    git("add", ".", cwd=repo)
    git("commit", "-qm", "later", cwd=repo)
    return repo, first, git("rev-parse", "HEAD", cwd=repo)


def test_fetch_pins_the_ref_and_records_it(cache: Path, mirror: tuple[Path, str, str]) -> None:
    repo, first, _second = mirror
    dest = fetch_polyglot(url=repo.as_uri(), ref=first)
    assert dest == polyglot_dir() == cache / "polyglot"
    assert not (dest / "README.md").exists()
    assert not (dest / ".git").exists()
    record = json.loads((dest / FETCH_RECORD).read_text())
    assert record == {"url": repo.as_uri(), "ref": first, "commit": first}
    tasks = make_polyglot().tasks()
    assert [t.id for t in tasks] == ["python/bracket-depth"]


@pytest.mark.sandbox
def test_fetched_polyglot_grades_like_exercises(cache: Path, mirror: tuple[Path, str, str]) -> None:
    repo, _first, second = mirror
    fetch_polyglot(url=repo.as_uri(), ref=second)
    bench = make_polyglot(sandbox=make_sandbox(BubblewrapConfig()))
    (task,) = bench.tasks()
    assert bench.grade(task, bench.reference_diff(task)).resolved
    assert not bench.grade(task, "").resolved


def test_fetch_errors_are_clear(cache: Path, mirror: tuple[Path, str, str], tmp_path: Path) -> None:
    repo, _first, _second = mirror
    with pytest.raises(UserError, match="cannot clone the polyglot benchmark"):
        fetch_polyglot(url=(tmp_path / "nowhere").as_uri())
    with pytest.raises(UserError, match="has no commit or tag 'v9'"):
        fetch_polyglot(url=repo.as_uri(), ref="v9")
    assert not polyglot_dir().exists()


def test_unfetched_polyglot_says_how_to_fetch(cache: Path) -> None:
    with pytest.raises(UserError, match="hgm bench fetch polyglot"):
        make_polyglot()


def test_cli_fetch_with_file_url(cache: Path, mirror: tuple[Path, str, str]) -> None:
    repo, first, _second = mirror
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cache.parent / "home"), "HGM_CACHE": str(cache)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "hgm",
            "bench",
            "fetch",
            "polyglot",
            "--url",
            repo.as_uri(),
            "--ref",
            first,
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert str(cache / "polyglot") in result.stdout
    assert json.loads((cache / "polyglot" / FETCH_RECORD).read_text())["commit"] == first
