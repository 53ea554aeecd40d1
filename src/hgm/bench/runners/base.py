"""What every language's test runner provides, and helpers they share."""

from __future__ import annotations

import os
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from hgm.bench.canaries.plan import CANARY_COUNT, CanaryPlan
from hgm.bench.types import TestOutcome
from hgm.sandbox.types import Mount

# The runner's combined output goes to this file inside the work dir (no tail truncation).
LOG_NAME = ".hgm-test-output.log"
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"


RewriteTests = Callable[[str, random.Random, int], tuple[str, CanaryPlan]]


@dataclass(frozen=True, slots=True)
class RunPlan:
    """One sandboxed shell script (run with the work dir as cwd) plus what it needs mounted."""

    script: str
    env: dict[str, str] = field(default_factory=dict)
    mounts: tuple[Mount, ...] = ()

    def command(self) -> list[str]:
        return ["/bin/sh", "-c", f"( {self.script} ) > {LOG_NAME} 2>&1"]


class TestRunner(Protocol):
    language: str

    def problem(self) -> str | None:
        """None when the toolchain works here; otherwise what is missing and how to fix it."""
        ...

    def prepare(self, work: Path, token: str) -> bool:
        """Adjust the graded tree on the host before the run (e.g. enable skipped tests).

        Returns True when the runner itself will print `token` on a line of its own after
        its final summary (hidden from the code under test); grading then counts only the
        output before it, and a run without it (code that exited early) gets no credit.
        """
        ...

    def canaries(self, work: Path, test_files: tuple[str, ...], rng: random.Random) -> CanaryPlan:
        """Rename the hidden tests in `work` and add canary tests among them (see canaries/)."""
        ...

    def finished(self, output: str) -> bool:
        """True when `output` shows the runner's own end of run (unused with a token)."""
        ...

    def integrity(self, work: Path, test_files: tuple[str, ...]) -> list[str]:
        """Tamper evidence in the graded tree before the run: solution code that can only
        serve to subvert this runner (e.g. redefining the test framework's macros)."""
        ...

    def plan(self, work: Path, test_files: tuple[str, ...]) -> RunPlan: ...

    def parse(self, output: str) -> list[TestOutcome]: ...

    def expected_tests(self, test_sources: list[str]) -> list[str]:
        """Test names declared in the hidden test files (used when no reference run lists
        them); each must be seen passing."""
        ...

    def expected_from(self, outcomes: list[TestOutcome], test_files: tuple[str, ...]) -> list[str]:
        """From the reference solution's run, the tests every solution must pass: those the
        hidden test files contribute and the run did not skip."""
        ...

    def cause(self, output: str) -> str:
        """Why a run failed before its tests could (hgm.bench.causes), or "" when unknown."""
        ...


def read_only(*paths: Path) -> tuple[Mount, ...]:
    """Host paths made visible at the same place inside the sandbox, read-only."""
    unique = dict.fromkeys(path.resolve() for path in paths)
    return tuple(Mount(source=path, target=str(path)) for path in unique)


def base_env(path_dirs: list[Path]) -> dict[str, str]:
    path = os.pathsep.join([*(str(d) for d in path_dirs), SYSTEM_PATH])
    return {"PATH": path, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}


def home_exports() -> str:
    """Shell exports that keep HOME, temp and XDG dirs inside the work dir."""
    return (
        'mkdir -p .hgm-home/tmp && export HOME="$PWD/.hgm-home" TMPDIR="$PWD/.hgm-home/tmp" '
        'XDG_CACHE_HOME="$PWD/.hgm-home/.cache" XDG_CONFIG_HOME="$PWD/.hgm-home/.config"'
    )


def outcomes_from(
    pattern: re.Pattern[str],
    output: str,
    passed_words: set[str],
    skipped_words: frozenset[str] = frozenset(),
) -> list[TestOutcome]:
    """Outcomes from regex matches with groups (name, status); any failing report fails a name.

    A name reported only as skipped is skipped (neither passed nor failed).
    """
    rank = {"skip": 0, "pass": 1, "fail": 2}
    found: dict[str, str] = {}
    for match in pattern.finditer(output):
        name, status = match.group("name").strip(), match.group("status")
        word = "pass" if status in passed_words else "skip" if status in skipped_words else "fail"
        found[name] = max(found.get(name, word), word, key=rank.__getitem__)
    return [
        TestOutcome(name=name, passed=word == "pass", skipped=word == "skip")
        for name, word in found.items()
    ]


def not_skipped(outcomes: list[TestOutcome]) -> list[str]:
    """Names of the outcomes that ran (passed or failed), in order."""
    return [o.name for o in outcomes if not o.skipped]


def output_before(token: str, output: str) -> str | None:
    """The output before the last line that is exactly `token`; None if it never came."""
    lines = output.splitlines()
    ends = [index for index, line in enumerate(lines) if line.strip() == token]
    return "\n".join(lines[: ends[-1]]) if ends else None


def integrity_notes(token: str, output: str) -> list[str]:
    """Findings the runner's own trusted part printed as `<token> integrity: <finding>` lines."""
    prefix = f"{token} integrity: "
    return [line.strip()[len(prefix) :] for line in output.splitlines() if line.startswith(prefix)]


def rewrite_tests(
    work: Path, test_files: tuple[str, ...], rewrite: RewriteTests, rng: random.Random
) -> CanaryPlan:
    """Apply a language's canary rewrite to each hidden test file, sharing the canaries out."""
    plan = CanaryPlan()
    share = max(1, CANARY_COUNT // max(1, len(test_files)))
    for name in test_files:
        path = work / name
        if path.is_file() and not path.is_symlink():
            text, found = rewrite(path.read_text(errors="replace"), rng, share)
            path.write_text(text)
            plan = plan.merged(found)
    return plan


def source_findings(
    work: Path, test_files: tuple[str, ...], suffixes: tuple[str, ...], pattern: re.Pattern[str]
) -> list[str]:
    """`file: line` for each match of `pattern` in the tree's non-test source files."""
    found: list[str] = []
    skip = set(test_files)
    for path in sorted(work.rglob("*")):
        relative = path.relative_to(work).as_posix()
        if relative.startswith((".hgm", "test/", "target/")) or relative in skip:
            continue
        if path.suffix in suffixes and path.is_file() and not path.is_symlink():
            text = path.read_text(errors="replace")
            found += [f"{relative}: {m.group(0).strip()}" for m in pattern.finditer(text)]
    return found


def write_secret(path: Path, token: str) -> None:
    """A file the runner reads and deletes at start-up, before any code under test loads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(token)
    path.chmod(0o600)


def shell_quote(value: str | Path) -> str:
    return "'" + str(value).replace("'", "'\"'\"'") + "'"
