"""The causes Polyglot's self-check met, reproduced in a small Exercism tree (data/causes/)
and graded through the real runners in the real sandbox.

- java/shape-area: a reference of two classes, one of them new;
- rust/pick-side: a reference whose `.meta/Cargo-example.toml` names a crate (`either`);
- rust/gated-sum: a test behind a Cargo feature the reference would fail;
- cpp/bench-gate: Catch2's layout (main prebuilt by hgm) and an EXERCISM_INCLUDE_BENCHMARK test;
- javascript/greeting and word-total: CommonJS and ES modules mixed both ways;
- go/refactor-me: a stub that already passes; python/write-tests: a test file without tests.

The crate, the jars and the warm caches come from the user's hgm deps directory, where the
README's test command (`scripts/setup-test-env.sh`) prepares them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from components import need
from hgm.bench import causes
from hgm.bench.check import check_benchmark
from hgm.bench.deps import deps_dir
from hgm.bench.deps.setup import still_missing
from hgm.bench.diffs import file_diff
from hgm.bench.exercises import ExercismBenchmark, make_exercises
from hgm.bench.exercism import reference_files
from hgm.bench.expected import ExpectedTests
from hgm.sandbox import BubblewrapConfig, make_sandbox

CAUSES = Path(__file__).resolve().parent / "data" / "causes"
USER_DEPS = deps_dir()  # HGM_DEPS, set by conftest.py to the user's deps directory
SETUP = f"hgm bench setup exercises --path {CAUSES}"
HGM_BENCH = (sys.executable, "-m", "hgm", "bench")


def isolated(tmp_path: Path, deps: Path = USER_DEPS) -> dict[str, str]:
    return {"HGM_CACHE": str(tmp_path / "cache"), "HGM_DEPS": str(deps)}


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[ExercismBenchmark]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in isolated(tmp_path).items():
            patch.setenv(name, value)
        benchmark = make_exercises(path=CAUSES, sandbox=make_sandbox(BubblewrapConfig()))
        exercises = [benchmark.exercise(task.id) for task in benchmark.tasks()]
        left = still_missing(exercises, SETUP)
        need("offline test dependencies", "; ".join(map(str, left.values())) or None)
        yield benchmark


@pytest.mark.slow
@pytest.mark.sandbox
def test_check_reports_each_cause(tmp_path: Path, bench: ExercismBenchmark) -> None:
    report_path = tmp_path / "check.json"
    env = dict(os.environ, COLUMNS="200", **isolated(tmp_path))
    done = subprocess.run(
        [*HGM_BENCH, "check", "exercises", "--path", str(CAUSES), "--json", str(report_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    report = json.loads(report_path.read_text())
    results = {r["task"]: r for r in report["results"]}
    assert done.returncode == 0, done.stdout[-3000:]
    assert "bench check exercises: 16/16 grades" in done.stdout  # progress without a terminal
    assert {task: r["status"] for task, r in results.items()} == {
        "cpp/bench-gate": "ok",
        "go/refactor-me": "no-signal",
        "java/shape-area": "ok",
        "javascript/greeting": "ok",
        "javascript/word-total": "ok",
        "python/write-tests": "no-signal",
        "rust/gated-sum": "ok",
        "rust/pick-side": "ok",
    }
    assert results["go/refactor-me"]["cause"] == "stub-passes"
    assert results["python/write-tests"]["cause"] == causes.NO_TESTS
    # Gated tests are not built, so they are not required: 2 of 3 in each file.
    assert results["rust/gated-sum"]["reference"]["tests"] == 2
    assert results["cpp/bench-gate"]["reference"]["tests"] == 2
    assert results["java/shape-area"]["reference"]["passed"] == 3
    assert report["counts"] == {"ok": 6, "no-signal": 2, "missing-dependency": 0, "failed": 0}


@pytest.mark.sandbox
def test_expected_tests_come_from_the_reference_run_under_the_exercise_configuration(
    tmp_path: Path, bench: ExercismBenchmark
) -> None:
    task = next(t for t in bench.tasks() if t.id == "rust/gated-sum")
    exercise = bench.exercise(task.id)
    reference = bench.reference_diff(task)
    assert bench.grade(task, reference).resolved
    (listing,) = (tmp_path / "cache" / "expected-tests").glob("*.json")
    assert sorted(json.loads(listing.read_text())["tests"]) == [
        "tests/gated-sum.rs::empty",
        "tests/gated-sum.rs::several",
    ]
    assert ExpectedTests().load(listing.stem) is not None
    manifest = (exercise.root / "Cargo.toml").read_text()
    stub, solved = (
        (exercise.root / "src/lib.rs").read_text(),
        reference_files(exercise)["src/lib.rs"],
    )

    def solution(cargo: str, lib: str) -> str:
        return file_diff("Cargo.toml", manifest, cargo) + file_diff("src/lib.rs", stub, lib)

    # A solution that turns the gated test on must pass it too (every test that ran counts).
    strict = bench.grade(task, solution(manifest + 'default = ["strict"]\n', solved))
    assert not strict.resolved and strict.cause == causes.TEST_FAILED
    # One that stops the hidden test file from building, with same-named tests of its own,
    # never stands in for it: names carry the target they ran in, and with the hidden tests
    # (and their canaries) gone the run exits 0 under names this run replaced: tampered.
    no_hidden = manifest.replace("[features]", "autotests = false\n\n[features]")
    own_tests = "\n#[test]\nfn empty() {}\n\n#[test]\nfn several() {}\n"
    sneaky = bench.grade(task, solution(no_hidden, solved + own_tests))
    assert not sneaky.resolved and sneaky.tampered
    assert sneaky.cause == causes.TAMPERED, sneaky.log_tail
    assert any("exited 0" in line for line in sneaky.tamper_evidence), sneaky.tamper_evidence
    assert "tests never seen passing" not in sneaky.error


def test_a_missing_crate_is_a_missing_dependency_never_a_wrong_verdict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in isolated(tmp_path, deps=tmp_path / "no-deps").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("hgm.bench.deps.rust.DEBIAN_REGISTRY", tmp_path / "no-debian")
    bench = make_exercises(path=CAUSES, languages="rust")
    task = next(t for t in bench.tasks() if t.id == "rust/pick-side")
    (missing,) = bench.missing_dependencies(task, reference=True)
    assert missing.what == "Rust crate either 1"
    assert missing.fix == "hgm bench setup exercises"
    assert bench.missing_dependencies(task) == []  # the workspace itself names no crate
    (check,) = check_benchmark(bench, [task], workers=1)
    assert check.status == "missing-dependency"
    assert check.reference is None and "either 1" in check.reason


def test_solutions_may_add_sources_the_build_picks_up_never_tests_or_build_files() -> None:
    bench = make_exercises(path=CAUSES)
    java = bench.exercise("java/shape-area")
    assert java.may_change("src/main/java/ShapeArea.java")
    assert java.may_change("src/main/java/geometry/Circle.java")
    assert not java.may_change("src/test/java/ShapeAreaTest.java")
    assert not java.may_change("src/test/java/ExtraTest.java")
    assert not java.may_change("build.gradle")
    assert set(reference_files(java)) == {
        "src/main/java/ShapeArea.java",
        "src/main/java/Circle.java",
    }
    rust = bench.exercise("rust/pick-side")
    assert rust.may_change("Cargo.toml") and rust.may_change("src/helpers.rs")
    assert not rust.may_change("tests/pick-side.rs") and not rust.may_change("build.rs")
    assert "either" in reference_files(rust)["Cargo.toml"]
    cpp = bench.exercise("cpp/bench-gate")
    assert cpp.may_change("bench_gate.h") and cpp.may_change("helpers.hpp")
    assert not cpp.may_change("CMakeLists.txt")
    assert not cpp.may_change("test/catch.hpp") and not cpp.may_change("test/extra.hpp")
    python = bench.exercise("python/write-tests")
    assert not python.may_change("conftest.py") and not python.may_change("helpers.py")
