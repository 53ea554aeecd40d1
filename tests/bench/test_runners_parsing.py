"""Each language runner: parsing real output shapes, expected test names, toolchain report."""

from __future__ import annotations

from pathlib import Path

import pytest

from hgm.bench.runners import LANGUAGES, make_runner, toolchain_status
from hgm.errors import UserError
from hgm.sandbox import UnsafeLocalConfig, make_sandbox

PYTEST_OUT = """\
two_test.py::test_a PASSED
=========================== short test summary info ============================
PASSED two_test.py::test_a
PASSED two_test.py::test_p[1-2]
FAILED two_test.py::Suite::test_b - AssertionError: boom
ERROR two_test.py::test_c - fixture 'x' not found
"""
CARGO_OUT = """\
running 3 tests
test zero_takes_no_steps ... ok
test tests::two_steps ... FAILED
test ignored_one ... ignored
"""
GO_OUT = """\
=== RUN   TestEmpty
--- PASS: TestEmpty (0.00s)
=== RUN   TestScaling
    --- PASS: TestScaling/one_label (0.00s)
    --- FAIL: TestScaling/rounds_down (0.00s)
--- FAIL: TestScaling (0.00s)
"""
NODE_OUT = "PASS chunk > empty array\nFAIL chunk > exact multiple\n  Error: expected\n"
JUNIT_XML = """\
<testsuite name="JUnit Jupiter" tests="2">
<testcase name="addition()" classname="CalcTest" time="0.01"/>
<testcase name="division()" classname="CalcTest" time="0.01">
<failure message="boom" type="AssertionFailedError">trace</failure>
</testcase>
</testsuite>
"""
CATCH_XML = """\
<testsuite name="hgm" tests="2" failures="1">
  <testcase classname="hgm" name="single number"/>
  <testcase classname="hgm" name="run &amp; more"><failure message="x"/></testcase>
</testsuite>
"""


def outcomes(language: str, output: str) -> dict[str, bool]:
    return {o.name: o.passed for o in make_runner(language).parse(output)}


def test_pytest_output() -> None:
    assert outcomes("python", PYTEST_OUT) == {
        "two_test.py::test_a": True,
        "two_test.py::test_p[1-2]": True,
        "two_test.py::Suite::test_b": False,
        "two_test.py::test_c": False,
    }


def test_cargo_output_counts_ignored_as_not_passed() -> None:
    assert outcomes("rust", CARGO_OUT) == {
        "zero_takes_no_steps": True,
        "tests::two_steps": False,
        "ignored_one": False,
    }


def test_go_output_with_subtests() -> None:
    assert outcomes("go", GO_OUT) == {
        "TestEmpty": True,
        "TestScaling/one_label": True,
        "TestScaling/rounds_down": False,
        "TestScaling": False,
    }


def test_node_runner_output() -> None:
    assert outcomes("javascript", NODE_OUT) == {
        "chunk > empty array": True,
        "chunk > exact multiple": False,
    }


def test_junit_console_xml() -> None:
    assert outcomes("java", JUNIT_XML) == {
        "CalcTest.addition()": True,
        "CalcTest.division()": False,
    }


def test_cpp_junit_report() -> None:
    assert outcomes("cpp", CATCH_XML) == {"single number": True, "run &amp; more": False}


def test_any_failing_report_fails_the_test() -> None:
    forged = "PASS chunk > a\nFAIL chunk > a\nPASS chunk > a\n"
    assert outcomes("javascript", forged) == {"chunk > a": False}


@pytest.mark.parametrize(
    ("language", "source", "names"),
    [
        (
            "python",
            "def test_a():\n    pass\nclass T:\n    def test_b(self): ...\n",
            ["test_a", "test_b"],
        ),
        ("rust", "#[test]\n#[ignore]\nfn slow() {}\n#[test]\nfn quick() {}\n", ["slow", "quick"]),
        ("go", "func TestA(t *testing.T) {}\nfunc helper(t *testing.T) {}\n", ["TestA"]),
        ("javascript", "test('a b', () => {});\nxtest(\"c\", () => {});\n", ["a b", "c"]),
        ("cpp", '// TEST_CASE("doc")\nTEST_CASE("real one") {}\n', ["real one"]),
        ("java", '@Test\n@DisplayName("x")\npublic void adds() {}\n', ["adds"]),
    ],
)
def test_expected_test_names(language: str, source: str, names: list[str]) -> None:
    assert make_runner(language).expected_tests([source]) == names


def test_java_prepare_enables_disabled_tests(tmp_path: Path) -> None:
    source = tmp_path / "src" / "XTest.java"
    source.parent.mkdir()
    source.write_text(
        "import org.junit.jupiter.api.Disabled;\n"
        '@Disabled("Remove to run test")\n@Test\npublic void b() {}\n@Disabled @Test void c() {}\n'
    )
    assert make_runner("java").prepare(tmp_path, "token") is False
    assert "Disabled" not in source.read_text()


def test_toolchain_status_covers_every_language() -> None:
    status = toolchain_status()
    assert set(status) == set(LANGUAGES)
    assert all(problem is None or "install" in problem for problem in status.values())


def test_unknown_language_lists_valid_ones() -> None:
    with pytest.raises(UserError, match="valid languages: python"):
        make_runner("cobol")


def test_missing_toolchain_is_an_infrastructure_failure_not_a_failed_grade(
    tmp_path: Path,
) -> None:
    from hgm.bench.exercises import make_exercises
    from hgm.bench.grading import grade_exercise
    from hgm.bench.runners.java import JavaRunner
    from hgm.errors import InfrastructureFailure

    bench = make_exercises(languages="java")
    (task,) = bench.tasks()
    runner = JavaRunner(jar_dir=tmp_path)
    assert "junit-platform-console-standalone.jar" in (runner.problem() or "")
    sandbox = make_sandbox(UnsafeLocalConfig())  # never reached: the toolchain check comes first
    with pytest.raises(InfrastructureFailure) as raised:
        grade_exercise(bench.exercise(task.id), bench.reference_diff(task), sandbox, runner)
    assert raised.value.component == "toolchain"
    assert raised.value.message.startswith("java toolchain: missing")
    assert "libassertj-core-java" in raised.value.message
