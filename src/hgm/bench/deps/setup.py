"""`hgm bench setup`: prepare on the host, once, everything a benchmark's runners need offline.

Rust crates vendored from crates.io, Java jars from Maven Central, a warm Go build cache for
the standard packages the exercises import, Catch2 mains prebuilt; Boost is checked (it
comes from the system's packages). Where a registry is out of reach the step says so and
falls back (Debian's crate registry and jars); what is still missing is named per exercise
with the command that fixes it, and those exercises grade as `missing-dependency`.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass

from hgm.bench.deps.cpp import Catch2Mains
from hgm.bench.deps.java import Coordinate, fetch_jars, jars_for
from hgm.bench.deps.needs import Missing, Needs, missing_for, needs_of
from hgm.bench.deps.rust import (
    build_warm_target,
    crate_source,
    crates_in,
    missing_crates,
    vendor_crates,
    vendor_dir,
    warm_target_key,
)
from hgm.bench.exercism import CARGO_EXAMPLE, Exercise
from hgm.bench.runners import make_runner
from hgm.bench.runners.go import GoRunner
from hgm.bench.runners.rust import RustRunner

GO_IMPORT = re.compile(r'^\s*(?:[\w.]+\s+)?"([\w./-]+)"\s*$', re.M)
GO_IMPORT_BLOCK = re.compile(r"^import\s*\((.*?)^\)", re.M | re.S)
GO_SINGLE_IMPORT = re.compile(r'^import\s+(?:[\w.]+\s+)?"([\w./-]+)"', re.M)


@dataclass(frozen=True, slots=True)
class Step:
    """One line of the setup report."""

    name: str
    ok: bool
    detail: str


def _error_text(error: Exception) -> str:
    stderr = getattr(error, "stderr", None)
    if isinstance(stderr, bytes):
        stderr = stderr.decode(errors="replace")
    text = (stderr or str(error)).strip().splitlines()
    return text[-1] if text else repr(error)


def _rust(exercises: list[Exercise], fallback_note: str) -> Step:
    crates = sorted({c for e in exercises for c in needs_of(e, reference=True).crates})
    if not crates:
        return Step("rust crates", True, "no exercise names a crate")
    runner = RustRunner()
    if runner.sysroot is None:
        return Step("rust crates", False, f"no Rust toolchain: {runner.problem()}")
    try:
        vendor_crates(crates, runner.sysroot / "bin" / "cargo")
    except (OSError, subprocess.SubprocessError) as error:
        source = crate_source()
        left = missing_crates(crates, source)
        where = f"using {source}" if source else "no fallback registry either"
        return Step(
            "rust crates",
            not left,
            f"crates.io unreachable ({_error_text(error)}); {where}"
            + (f"; still missing: {', '.join(map(str, left))} ({fallback_note})" if left else ""),
        )
    return Step("rust crates", True, f"{len(crates)} crate requirements vendored in {vendor_dir()}")


def _rust_builds(exercises: list[Exercise], on_progress: Callable[[str], None]) -> Step:
    """The crates each exercise's own and reference manifests name, built once."""
    runner, source = RustRunner(), crate_source()
    if runner.sysroot is None or source is None:
        return Step("rust crate builds", False, "no Rust toolchain or no crates to build from")
    bin_dir = runner.sysroot / "bin"
    manifests = {
        key: text
        for exercise in exercises
        for name in ("Cargo.toml", CARGO_EXAMPLE)
        if name in exercise.files
        for text in [(exercise.root / name).read_text(errors="replace")]
        for key in [warm_target_key(text, source, bin_dir)]
        if key is not None and not missing_crates(crates_in(text), source)
    }
    for index, manifest in enumerate(manifests.values(), 1):
        on_progress(f"building the crates of manifest {index}/{len(manifests)}")
        try:
            build_warm_target(manifest, source, bin_dir, runner.env())
        except (OSError, subprocess.SubprocessError) as error:
            return Step("rust crate builds", False, f"cargo failed: {_error_text(error)}")
    return Step("rust crate builds", True, f"{len(manifests)} dependency sets prebuilt")


def _java(exercises: list[Exercise], on_progress: Callable[[str], None]) -> Step:
    coordinates = sorted({c for e in exercises for c in needs_of(e).jars})
    if not coordinates:
        return Step("java jars", True, "no exercise names a jar")

    def fetched(coordinate: Coordinate) -> None:
        on_progress(f"fetching {coordinate}")

    try:
        fetch_jars(coordinates, on_fetch=fetched)
    except (OSError, ValueError) as error:
        left = [c for c in coordinates if jars_for(c) is None]
        detail = f"Maven Central unreachable ({_error_text(error)}); using Debian's jars"
        if left:
            detail += f"; still missing: {', '.join(map(str, left))}"
        return Step("java jars", not left, detail)
    return Step("java jars", True, f"{len(coordinates)} jars with their dependencies")


def _cpp(exercises: list[Exercise], on_progress: Callable[[str], None]) -> list[Step]:
    runner = make_runner("cpp")
    problem = runner.problem()
    if problem:
        return [Step("c++ toolchain", False, problem)]
    steps = []
    boost = sorted({c for e in exercises for c in needs_of(e).boost})
    if boost:
        left = missing_for(Needs(boost=tuple(boost)), "")
        steps.append(
            Step(
                "boost",
                not left,
                "; ".join(f"{m.what}: {m.fix}" for m in left) or f"found: {', '.join(boost)}",
            )
        )
    compiler = getattr(runner, "compiler", None)
    if compiler is None:
        return steps
    mains = Catch2Mains(compiler)
    trees = [e.root for e in exercises if mains.applies(e.root)]
    if trees:
        on_progress("building Catch2's main (once per distinct copy)")
        built = {mains.object_for(tree) for tree in trees}
        where = next(iter(built)).parent
        steps.append(Step("catch2 main", True, f"{len(built)} prebuilt object(s) in {where}"))
    return steps


def go_imports(exercises: list[Exercise]) -> list[str]:
    """Import paths named by the exercises' Go files (references and tests included)."""
    found: set[str] = set()
    for exercise in exercises:
        for relative in exercise.files:
            if not relative.endswith(".go"):
                continue
            source = (exercise.root / relative).read_text(errors="replace")
            for block in GO_IMPORT_BLOCK.findall(source):
                found.update(GO_IMPORT.findall(block))
            found.update(GO_SINGLE_IMPORT.findall(source))
    return sorted(found)


def _go(exercises: list[Exercise], on_progress: Callable[[str], None]) -> Step:
    runner = GoRunner()
    if runner.goroot is None:
        return Step("go build cache", False, str(runner.problem()))
    go = runner.goroot / "bin" / "go"
    listed = subprocess.run(
        [go, "list", "std"], capture_output=True, text=True, timeout=120, env=runner._env()
    )
    standard = set(listed.stdout.split())
    imports = tuple(name for name in go_imports(exercises) if name in standard)
    on_progress(f"warming Go's build cache ({len(imports)} standard packages)")
    try:
        cache = runner.warm_cache(imports)
    except (OSError, subprocess.SubprocessError) as error:
        return Step("go build cache", False, f"could not warm it: {_error_text(error)}")
    return Step("go build cache", True, f"{len(imports)} standard packages warm in {cache}")


def setup_exercises(
    exercises: list[Exercise],
    on_progress: Callable[[str], None] = lambda _text: None,
) -> list[Step]:
    """Prepare what `exercises` need; one Step per component, in the order done."""
    languages = {e.language for e in exercises}
    by_language = {lang: [e for e in exercises if e.language == lang] for lang in languages}
    steps: list[Step] = []
    if "rust" in languages:
        on_progress("vendoring Rust crates")
        steps.append(_rust(by_language["rust"], "apt install the matching librust-*-dev"))
        steps.append(_rust_builds(by_language["rust"], on_progress))
    if "java" in languages:
        on_progress("fetching Java jars")
        steps.append(_java(by_language["java"], on_progress))
    if "cpp" in languages:
        steps += _cpp(by_language["cpp"], on_progress)
    if "go" in languages:
        steps.append(_go(by_language["go"], on_progress))
    for language in sorted(languages & {"python", "javascript"}):
        problem = make_runner(language).problem()
        steps.append(Step(f"{language} toolchain", problem is None, problem or "ready"))
    return steps


def still_missing(exercises: list[Exercise], setup_command: str) -> dict[str, list[Missing]]:
    """Per task id, what its reference still needs after setup (empty when nothing)."""
    report = {}
    for exercise in exercises:
        missing = missing_for(needs_of(exercise, reference=True), setup_command)
        if missing:
            report[exercise.task_id] = missing
    return report
