"""The tests every solution of an exercise must pass: those its reference solution's run
reports under the exercise's own configuration, kept on disk per exercise content.

A test the configuration does not build (a Cargo feature, `EXERCISM_INCLUDE_BENCHMARK`, a Go
build tag) or leaves skipped is not listed, so it neither blocks a correct solution nor,
being absent from every run, lets a wrong one through. The list is keyed by a digest of
every file of the exercise and the runner's options, so an edited exercise is listed anew.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from hgm.bench.cache import cache_dir
from hgm.bench.exercism import Exercise

LISTING_VERSION = 1


def exercise_digest(exercise: Exercise, options: str) -> str:
    """sha256 over the listing version, the runner options and every file of the exercise."""
    digest = hashlib.sha256(f"{LISTING_VERSION}\0{exercise.language}\0{options}\0".encode())
    for relative in sorted(exercise.files):
        digest.update(relative.encode() + b"\0")
        digest.update((exercise.root / relative).read_bytes() + b"\0")
    return digest.hexdigest()


class ExpectedTests:
    """Listed test names per exercise digest, in `<hgm cache>/expected-tests/`."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or cache_dir() / "expected-tests"

    def _path(self, digest: str) -> Path:
        return self.directory / f"{digest}.json"

    def load(self, digest: str) -> list[str] | None:
        path = self._path(digest)
        try:
            names = json.loads(path.read_text())["tests"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return [str(name) for name in names] if isinstance(names, list) else None

    def store(self, digest: str, task_id: str, names: list[str]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        payload = json.dumps({"task": task_id, "tests": names}, indent=1) + "\n"
        with tempfile.NamedTemporaryFile(
            "w", dir=self.directory, suffix=".tmp", delete=False
        ) as handle:
            handle.write(payload)
        os.replace(handle.name, self._path(digest))
