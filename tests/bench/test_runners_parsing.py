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
     Running unittests src/lib.rs (target/debug/deps/steps-1f2e)
running 1 test
test tests::two_steps ... FAILED
     Running tests/steps.rs (target/debug/deps/steps-9a8b)
running 2 tests
test zero_takes_no_steps ... ok
test ignored_one ... ignored
   Doc-tests steps
running 1 test
test src/lib.rs - steps (line 3) ... ok
"""
GO_OUT = """\
=== RUN   TestEmpty
--- PASS: TestEmpty (0.00s)
=== RUN   TestScaling
    --- PASS: TestScaling/one_label (0.00s)
    --- FAIL: TestScaling/rounds_down (0.00s)
--- FAIL: TestScaling (0.00s)
"""
NODE_OUT = (
    "PASS chunk > empty array\nFAIL chunk > exact multiple\n  Error: expected\nSKIP chunk > later\n"
)
JAVA_OUT = """\
OK CalcTest.addition()
FAILED CalcTest.division()
org.opentest4j.AssertionFailedError: boom
SKIPPED CalcTest.later()
Tests: 1 failed, 1 passed, 1 skipped
"""
CATCH_XML = """\
<testsuite name="hgm" tests="2" failures="1">
  <testcase classname="hgm" name="single number"/>
  <testcase classname="hgm" name="run &amp; more"><failure message="x"/></testcase>
</testsuite>
"""


def outcomes(language: str, output: str) -> dict[str, bool | None]:
    """name -> passed (True/False), or None for a skipped test."""
    return {o.name: None if o.skipped else o.passed for o in make_runner(language).parse(output)}


def test_pytest_output() -> None:
    assert outcomes("python", PYTEST_OUT) == {
        "two_test.py::test_a": True,
        "two_test.py::test_p[1-2]": True,
        "two_test.py::Suite::test_b": False,
        "two_test.py::test_c": False,
    }


def test_cargo_output_names_each_test_with_its_target() -> None:
    assert outcomes("rust", CARGO_OUT) == {
        "src/lib.rs::tests::two_steps": False,
        "tests/steps.rs::zero_takes_no_steps": True,
        "tests/steps.rs::ignored_one": None,
        "doc-tests::src/lib.rs - steps (line 3)": True,
    }


def test_expected_tests_from_a_reference_run_come_from_the_hidden_test_files() -> None:
    runner = make_runner("rust")
    listed = runner.expected_from(runner.parse(CARGO_OUT), ("tests/steps.rs",))
    assert listed == ["tests/steps.rs::zero_takes_no_steps"]
    java = make_runner("java")
    assert java.expected_from(java.parse(JAVA_OUT), ("src/test/java/CalcTest.java",)) == [
        "CalcTest.addition()",
        "CalcTest.division()",
    ]


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
        "chunk > later": None,
    }


def test_java_driver_output() -> None:
    assert outcomes("java", JAVA_OUT) == {
        "CalcTest.addition()": True,
        "CalcTest.division()": False,
        "CalcTest.later()": None,
    }


def test_cpp_junit_report() -> None:
    assert outcomes("cpp", CATCH_XML) == {"single number": True, "run &amp; more": False}


@pytest.mark.parametrize(
    ("language", "output", "finished"),
    [
        ("go", GO_OUT + "FAIL\nFAIL\thistogrambars\t0.012s\n", True),
        (
            "go",
            "testing: warning: no tests to run\nPASS\nok  \tcounter\t0.002s [no tests to run]\n",
            True,
        ),
        ("go", GO_OUT + "panic: boom\nFAIL\tbars\t0.01s\n", False),
        ("go", "# bars\n./bars.go:3:1: syntax error\nFAIL\tbars [build failed]\n", False),
        ("java", JAVA_OUT, True),
        ("java", JAVA_OUT.rsplit("Tests:", 1)[0], False),
        ("cpp", f"<testsuites>\n{CATCH_XML}</testsuites>\n", True),
        ("cpp", CATCH_XML, True),
        ("cpp", CATCH_XML.rsplit("</testsuite>", 1)[0], False),
        ("rust", "test result: FAILED. 1 passed; 1 failed; 0 ignored", True),
        ("rust", "running 2 tests\ntest a ... ok\n", False),
    ],
)
def test_runners_without_a_token_finish_with_their_own_summary(
    language: str, output: str, finished: bool
) -> None:
    assert make_runner(language).finished(output) is finished  # a regex: no toolchain needed


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


@pytest.mark.parametrize(("all_tests", "left"), [(False, 1), (True, 0)])
def test_java_prepare_enables_disabled_tests(tmp_path: Path, all_tests: bool, left: int) -> None:
    """As aider's harness: `@Disabled("...")` goes; a bare `@Disabled` only with all_tests."""
    source = tmp_path / "src" / "test" / "java" / "XTest.java"
    source.parent.mkdir(parents=True)
    source.write_text(
        "import org.junit.jupiter.api.Disabled;\n"
        '@Disabled("Remove to run test")\n@Test\npublic void b() {}\n@Disabled @Test void c() {}\n'
    )
    assert make_runner("java", all_tests).prepare(tmp_path, "token") is False
    assert source.read_text().count("@Disabled") == left
    assert "Remove to run test" not in source.read_text()


def test_toolchain_status_covers_every_language() -> None:
    status = toolchain_status()
    assert set(status) == set(LANGUAGES)
    assert all(problem is None or "install" in problem for problem in status.values())


def test_unknown_language_lists_valid_ones() -> None:
    with pytest.raises(UserError, match="valid languages: python"):
        make_runner("cobol")


def test_missing_toolchain_is_an_infrastructure_failure_not_a_failed_grade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hgm.bench.exercises import make_exercises
    from hgm.bench.grading import grade_exercise
    from hgm.bench.runners.java import JavaRunner
    from hgm.errors import InfrastructureFailure

    monkeypatch.setenv("HGM_DEPS", str(tmp_path / "deps"))  # no jars from Maven
    bench = make_exercises(languages="java")
    (task,) = bench.tasks()
    runner = JavaRunner(debian_jars=tmp_path)  # nor from Debian
    assert "JUnit console launcher" in (runner.problem() or "")
    sandbox = make_sandbox(UnsafeLocalConfig())  # never reached: the toolchain check comes first
    with pytest.raises(InfrastructureFailure) as raised:
        grade_exercise(bench.exercise(task.id), bench.reference_diff(task), sandbox, runner)
    assert raised.value.component == "toolchain"
    assert raised.value.message.startswith("java toolchain: missing")
    assert "libassertj-core-java" in raised.value.message
