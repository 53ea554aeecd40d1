"""Rust exercises: `cargo test --offline` with ignored tests included, homes inside the work dir.

`--no-fail-fast`: every test binary runs even though the canaries fail the first one.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
from pathlib import Path

from hgm.bench.canaries.plan import CanaryPlan
from hgm.bench.canaries.rust_tests import rust_canaries
from hgm.bench.runners.base import (
    RunPlan,
    base_env,
    home_exports,
    outcomes_from,
    read_only,
    rewrite_tests,
    source_findings,
)
from hgm.bench.runners.base import shell_quote as q
from hgm.bench.types import TestOutcome

RESULT = re.compile(r"^test (?P<name>.+?) \.\.\. (?P<status>ok|FAILED|ignored)\s*$", re.M)
SUMMARY = re.compile(r"^test result: (?:ok|FAILED)\. \d+ passed", re.M)
SHADOWED_MACROS = re.compile(r"macro_rules!\s*(?:assert|assert_eq|assert_ne|debug_assert\w*)\b")
TEST_FN = re.compile(r"#\[test\]\s*(?:#\[[^\]]*\]\s*)*(?:pub\s+)?fn\s+(\w+)")
FIX = "install Rust with rustup (https://rustup.rs) so that `rustc` is on PATH"


def rust_sysroot() -> Path | None:
    """The toolchain directory holding the real `cargo` and `rustc` (not rustup's proxies)."""
    rustc = shutil.which("rustc")
    if rustc is None:
        return None
    env = dict(os.environ)
    rustup_home = Path(rustc).parent.parent.parent / ".rustup"  # rustup's ~/.cargo/bin proxy
    if "RUSTUP_HOME" not in env and rustup_home.is_dir():
        env["RUSTUP_HOME"] = str(rustup_home)  # found even when HOME points elsewhere
    try:
        result = subprocess.run(
            [rustc, "--print", "sysroot"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
            env=env,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    sysroot = Path(result.stdout.strip())
    return sysroot if (sysroot / "bin" / "cargo").is_file() else None


class RustRunner:
    language = "rust"

    def __init__(self) -> None:
        self.sysroot = rust_sysroot()

    def problem(self) -> str | None:
        if self.sysroot is None:
            return f"no Rust toolchain with cargo found: {FIX}"
        return None

    def prepare(self, work: Path, token: str) -> bool:
        return False

    def canaries(self, work: Path, test_files: tuple[str, ...], rng: random.Random) -> CanaryPlan:
        return rewrite_tests(work, test_files, rust_canaries, rng)

    def finished(self, output: str) -> bool:
        return SUMMARY.search(output) is not None

    def integrity(self, work: Path, test_files: tuple[str, ...]) -> list[str]:
        findings = source_findings(work, test_files, (".rs",), SHADOWED_MACROS)
        return [f"the solution redefines an assertion macro ({f})" for f in findings]

    def plan(self, work: Path, test_files: tuple[str, ...]) -> RunPlan:
        assert self.sysroot is not None, self.problem()
        bin_dir = self.sysroot / "bin"
        script = (
            f"{home_exports()} && "
            'export CARGO_HOME="$PWD/.hgm-home/cargo" CARGO_TARGET_DIR="$PWD/target" && '
            f"exec {q(bin_dir / 'cargo')} test --offline --no-fail-fast --color never -- "
            "--include-ignored --color never --test-threads 2"
        )
        env = base_env([bin_dir]) | {
            "RUSTC": str(bin_dir / "rustc"),
            "CARGO_TERM_COLOR": "never",
            "CARGO_INCREMENTAL": "0",
        }
        return RunPlan(script, env, read_only(self.sysroot))

    def parse(self, output: str) -> list[TestOutcome]:
        return outcomes_from(RESULT, output, {"ok"})

    def expected_tests(self, test_sources: list[str]) -> list[str]:
        return [name for source in test_sources for name in TEST_FN.findall(source)]
