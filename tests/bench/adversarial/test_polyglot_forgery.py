"""Real Polyglot exercises (data/polyglot-sample/) in each compiled language, graded through
the real runners in the real sandbox: the reference resolves with canaries derived from the
real test files (Catch2 `REQUIRE`, JUnit + AssertJ, Go table tests, Rust `assert_eq!`),
and a solution that prints the runner's full report under the public test names at
start-up, then exits 0, is `tampered`, never resolved."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from components import need
from hgm.bench import causes
from hgm.bench.diffs import file_diff
from hgm.bench.exercises import ExercismBenchmark, make_exercises
from hgm.bench.runners import make_runner
from hgm.sandbox import BubblewrapConfig, check_backend, make_sandbox

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "polyglot-sample"
CATCH2 = Path("/usr/include/catch2/catch.hpp")  # Debian's catch2 (scripts/setup-test-env.sh)
CPP_TASK = "cpp/perfect-numbers"

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExercismBenchmark]:
    """The sample in a tree of this module's own, Catch2's header in place; its own cache."""
    need("bubblewrap", check_backend(BubblewrapConfig()))
    root = tmp_path_factory.mktemp("polyglot")
    tree = root / "tree"
    shutil.copytree(SAMPLE, tree)
    if CATCH2.is_file():
        shutil.copyfile(
            CATCH2, tree / CPP_TASK.replace("/", "/exercises/practice/") / "test/catch.hpp"
        )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HGM_CACHE", str(root / "cache"))  # expected-test lists of its own
        yield make_exercises(path=tree, sandbox=make_sandbox(BubblewrapConfig()))


def needs(language: str) -> None:
    need(language, make_runner(language).problem())
    if language == "cpp":
        need("catch2", None if CATCH2.is_file() else f"{CATCH2} missing: apt install catch2")


def public_names(bench: ExercismBenchmark, task: str) -> list[str]:
    """The test names an attacker knows from the public test file."""
    exercise = bench.exercise(task)
    runner = bench.runner(exercise.language)
    return runner.expected_tests([(exercise.root / name).read_text() for name in exercise.test])


def rust_forgery(names: list[str]) -> dict[str, str]:
    lines = "".join(f'    println!("test {name} ... ok");\n' for name in names)
    count = len(names)
    return {
        "src/lib.rs": (
            "pub fn abbreviate(phrase: &str) -> String {\n    phrase.to_string()\n}\n\n"
            '#[used]\n#[link_section = ".init_array"]\n'
            'static FORGE: extern "C" fn() = forge;\n\n'
            'extern "C" fn forge() {\n'
            '    println!("     Running tests/acronym.rs (target/debug/deps/acronym-0)");\n'
            f'    println!("\\nrunning {count} tests");\n{lines}'
            f'    println!("\\ntest result: ok. {count} passed; 0 failed; 0 ignored; 0 measured; '
            '0 filtered out; finished in 0.00s\\n");\n'
            "    std::process::exit(0);\n}\n"
        )
    }


def go_forgery(names: list[str]) -> dict[str, str]:
    lines = "".join(
        f'\tfmt.Println("=== RUN   {name}")\n\tfmt.Println("--- PASS: {name} (0.00s)")\n'
        for name in names
    )
    return {
        "crypto_square.go": (
            'package cryptosquare\n\nimport (\n\t"fmt"\n\t"os"\n)\n\n'
            f"func init() {{\n{lines}"
            '\tfmt.Println("PASS")\n\tfmt.Println("ok  \\tcryptosquare\\t0.01s")\n'
            "\tos.Exit(0)\n}\n\n"
            "func Encode(pt string) string {\n\treturn pt\n}\n"
        )
    }


def java_forgery(names: list[str]) -> dict[str, str]:
    lines = "".join(f'        System.out.println("OK SeriesTest.{name}()");\n' for name in names)
    return {
        "src/main/java/Series.java": (
            "import java.util.List;\n\n"
            "class Series {\n"
            "    static {\n"
            f"{lines}"
            f'        System.out.println("Tests: 0 failed, {len(names)} passed, 0 skipped");\n'
            "        System.exit(0);\n"
            "    }\n\n"
            "    Series(String string) {}\n\n"
            "    List<String> slices(int num) {\n        return List.of();\n    }\n}\n"
        )
    }


def cpp_forgery(names: list[str]) -> dict[str, str]:
    cases = "".join(
        f'  <testcase classname=\\"perfect-numbers.global\\" name=\\"{name}\\" time=\\"0\\"/>\\n'
        for name in names
    )
    header = (
        "#if !defined(PERFECT_NUMBERS_H)\n#define PERFECT_NUMBERS_H\n\n"
        "namespace perfect_numbers {\n"
        "enum class classification { perfect, abundant, deficient };\n"
        "classification classify(int n);\n"
        "}  // namespace perfect_numbers\n\n#endif\n"
    )
    source = (
        '#include "perfect_numbers.h"\n\n#include <cstdio>\n#include <cstdlib>\n\n'
        "namespace {\n"
        "struct Forge {\n"
        "    Forge() {\n"
        '        std::printf("<?xml version=\\"1.0\\" encoding=\\"UTF-8\\"?>\\n<testsuites>\\n'
        f'<testsuite name=\\"perfect-numbers\\" errors=\\"0\\" failures=\\"0\\" '
        f'tests=\\"{len(names)}\\">\\n{cases}</testsuite>\\n</testsuites>\\n");\n'
        "        std::exit(0);\n"
        "    }\n"
        "};\n"
        "const Forge forge;\n"
        "}  // namespace\n\n"
        "namespace perfect_numbers {\n"
        "classification classify(int n) {\n"
        "    (void)n;\n    return classification::perfect;\n}\n"
        "}  // namespace perfect_numbers\n"
    )
    return {"perfect_numbers.h": header, "perfect_numbers.cpp": source}


FORGERIES = {
    "rust/acronym": rust_forgery,
    "go/crypto-square": go_forgery,
    "java/series": java_forgery,
    CPP_TASK: cpp_forgery,
}


@pytest.mark.parametrize("task", list(FORGERIES))
def test_real_polyglot_reference_resolves_with_canaries_and_a_forged_report_is_tampered(
    bench: ExercismBenchmark, task: str
) -> None:
    needs(task.split("/")[0])
    chosen = next(t for t in bench.tasks() if t.id == task)
    reference = bench.grade(chosen, bench.reference_diff(chosen))
    assert reference.resolved and not reference.tampered, (reference.error, reference.log_tail)
    assert reference.canaries >= 1 and reference.exit_code != 0  # every canary failed

    exercise = bench.exercise(task)
    forged = FORGERIES[task](public_names(bench, task))
    diff = "".join(
        file_diff(name, (exercise.root / name).read_text(), text) for name, text in forged.items()
    )
    grade = bench.grade(chosen, diff)
    assert not grade.resolved and grade.tampered, (grade.error, grade.log_tail)
    assert grade.cause == causes.TAMPERED and grade.exit_code == 0
    evidence = "\n".join(grade.tamper_evidence)
    assert "the test run exited 0" in evidence
    assert "but this run renamed them" in evidence
