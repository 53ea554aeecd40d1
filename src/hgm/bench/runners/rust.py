"""Rust exercises: `cargo test --offline` with ignored tests included, homes inside the work dir.

Crates come from a read-only directory source (hgm's vendored crates or Debian's registry,
`hgm.bench.deps.rust`). Test names are reported with the target they ran in
(`tests/wordy.rs::addition`), so a test the hidden test file contributes cannot be stood in
for by a same-named test elsewhere. `--no-fail-fast`: every test binary runs even though the
canaries fail the first one.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
from pathlib import Path

from hgm.bench import causes
from hgm.bench.canaries.plan import CanaryPlan
from hgm.bench.canaries.rust_tests import rust_canaries
from hgm.bench.deps.rust import cargo_config, crate_source, warm_target, warm_target_key
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

RESULT = re.compile(r"^test (?P<name>.+?) \.\.\. (?P<status>ok|FAILED|ignored)\s*$", re.M)
# Each test binary's results follow a header naming its target.
TARGET = re.compile(r"^\s+(?:Running (?:unittests )?(?P<path>\S+) \(|Doc-tests (?P<doc>\S+))", re.M)
MISSING_CRATE = re.compile(
    r"no matching package named|failed to select a version for the requirement|"
    r"failed to get `[^`]+` as a dependency|attempting to make an HTTP request, but --offline",
)
COMPILE_ERROR = re.compile(r"could not compile `|failed to parse manifest|^error\[E\d+\]", re.M)
CARGO_HOME = ".hgm-home/cargo"
IGNORED = frozenset({"ignored"})
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
        self.crates = crate_source()

    def problem(self) -> str | None:
        if self.sysroot is None:
            return f"no Rust toolchain with cargo found: {FIX}"
        return None

    def env(self) -> dict[str, str]:
        """The environment cargo runs with (also for prebuilding dependencies)."""
        assert self.sysroot is not None, self.problem()
        bin_dir = self.sysroot / "bin"
        return base_env([bin_dir]) | {
            "RUSTC": str(bin_dir / "rustc"),
            "CARGO_TERM_COLOR": "never",
            "CARGO_INCREMENTAL": "0",
        }

    def prepare(self, work: Path, token: str) -> bool:
        """CARGO_HOME's config for the offline crates, and the crates the manifest names
        already built (a copy, timestamps kept, of what `hgm bench setup` prebuilt)."""
        assert self.sysroot is not None, self.problem()
        home = work / CARGO_HOME
        home.mkdir(parents=True, exist_ok=True)
        manifest = work / "Cargo.toml"
        if self.crates is None or not manifest.is_file():
            return False
        (home / "config.toml").write_text(cargo_config(self.crates))
        key = warm_target_key(manifest.read_text(), self.crates, self.sysroot / "bin")
        warm = warm_target(key) if key else None
        if warm is not None and not (work / "target").exists():
            shutil.copytree(warm, work / "target")
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
            f'export CARGO_HOME="$PWD/{CARGO_HOME}" CARGO_TARGET_DIR="$PWD/target" && '
            f"exec {q(bin_dir / 'cargo')} test --offline --no-fail-fast --color never -- "
            "--include-ignored --color never --test-threads 2"
        )
        sources = () if self.crates is None else (self.crates,)
        return RunPlan(script, self.env(), read_only(self.sysroot, *sources))

    def parse(self, output: str) -> list[TestOutcome]:
        """Outcomes named `<target>::<test>`: the target from the header cargo prints before
        each test binary's results (`tests/wordy.rs`, `src/lib.rs`, `doc-tests`)."""
        headers = list(TARGET.finditer(output))
        outcomes = []
        for index, header in enumerate(headers):
            end = headers[index + 1].start() if index + 1 < len(headers) else len(output)
            target = header["path"] or "doc-tests"
            section = outcomes_from(RESULT, output[header.end() : end], {"ok"}, IGNORED)
            outcomes += [TestOutcome(f"{target}::{o.name}", o.passed, o.skipped) for o in section]
        return outcomes

    def expected_tests(self, test_sources: list[str]) -> list[str]:
        return [name for source in test_sources for name in TEST_FN.findall(source)]

    def expected_from(self, outcomes: list[TestOutcome], test_files: tuple[str, ...]) -> list[str]:
        return [n for n in not_skipped(outcomes) if n.split("::", 1)[0] in test_files]

    def cause(self, output: str) -> str:
        if MISSING_CRATE.search(output):
            return causes.MISSING_CRATE
        return causes.COMPILE_ERROR if COMPILE_ERROR.search(output) else ""
