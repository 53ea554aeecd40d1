"""The `polyglot` benchmark (Aider-AI polyglot-benchmark, Exercism layout) and fetching it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from hgm.bench.cache import cache_dir
from hgm.bench.exercises import ExercismBenchmark, grading_limits
from hgm.errors import UserError
from hgm.sandbox.types import Limits, Sandbox

POLYGLOT_URL = "https://github.com/Aider-AI/polyglot-benchmark"
# The upstream commit hgm pins (the checkout other HGM/aider reproductions use).
POLYGLOT_REF = "7e0611e77b54e2dea774cdc0aa00cf9f7ed6144f"
FETCH_RECORD = ".hgm-fetch.json"
REFACTORING = "a refactoring exercise: the untouched stub is a working implementation that passes"
# Exercises that carry no signal at the pinned commit (`hgm bench check polyglot` finds them
# as no-signal and says so when this list disagrees): out of `tasks()` unless asked for.
NO_SIGNAL = {
    "go/counter": "the test file declares no tests (the exercise is to write them)",
    "go/ledger": REFACTORING,
    "go/markdown": REFACTORING,
    "java/ledger": REFACTORING,
    "java/tree-building": REFACTORING,
    "javascript/ledger": REFACTORING,
}


def polyglot_dir() -> Path:
    return cache_dir() / "polyglot"


def _git(args: list[str], cwd: Path | None = None, timeout: float = 600) -> str:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "GIT_TERMINAL_PROMPT": "0",
    }
    try:
        result = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise UserError(f"git {args[0]} failed: {error}") from error
    if result.returncode != 0:
        raise UserError(f"git {' '.join(args[:2])} failed: {result.stderr.strip()[-800:]}")
    return result.stdout.strip()


def fetch_polyglot(
    url: str = POLYGLOT_URL, ref: str = POLYGLOT_REF, dest: Path | None = None
) -> Path:
    """Clone `url` at `ref` into the cache (replacing an older fetch); returns the directory."""
    dest = dest or polyglot_dir()
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".polyglot-fetch-") as scratch:
        clone = Path(scratch) / "clone"
        try:
            _git(["clone", "--quiet", "--no-checkout", url, str(clone)])
        except UserError as error:
            raise UserError(
                f"cannot clone the polyglot benchmark from {url} (no network, or a wrong "
                f"--url?): {error}. Pass --url with a reachable git URL or a local "
                "file:// mirror"
            ) from error
        try:
            _git(["checkout", "--quiet", "--detach", ref], cwd=clone)
        except UserError as error:
            raise UserError(f"{url} has no commit or tag {ref!r}: {error}") from error
        commit = _git(["rev-parse", "HEAD"], cwd=clone)
        shutil.rmtree(clone / ".git")
        record = {"url": url, "ref": ref, "commit": commit}
        (clone / FETCH_RECORD).write_text(json.dumps(record, indent=2) + "\n")
        if dest.exists():
            shutil.rmtree(dest)
        clone.rename(dest)
    return dest


def make_polyglot(
    path: Path | None = None,
    sandbox: Sandbox | None = None,
    languages: str | Iterable[str] | None = None,
    limits: Limits | Mapping[str, Any] | None = None,
    all_tests: bool = False,
    include_no_signal: bool = False,
) -> ExercismBenchmark:
    """`polyglot`: a checkout given by `path`, else the one `hgm bench fetch polyglot` made.

    `all_tests` also runs the tests aider's harness leaves skipped (JavaScript `xit` and
    `.skip`, Java's bare `@Disabled`); `include_no_signal` keeps the exercises in NO_SIGNAL
    (aider counts them: with both left False, scores compare with aider's on 219 tasks).
    """
    root = path or polyglot_dir()
    if not root.is_dir():
        raise UserError(
            f"the polyglot benchmark is not at {root}: run `hgm bench fetch polyglot` "
            "(needs network or --url to a mirror), or pass --path to a checkout"
        )
    return ExercismBenchmark(
        "polyglot",
        root,
        sandbox,
        languages,
        grading_limits(limits),
        all_tests=all_tests,
        no_signal=NO_SIGNAL,
        include_no_signal=include_no_signal,
    )
