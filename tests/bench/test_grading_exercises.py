"""Grading that an agent cannot fool, on a built-in Python exercise in the real sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hgm.bench.diffs import file_diff
from hgm.bench.exercises import ExercismBenchmark, make_exercises
from hgm.bench.types import Task
from hgm.sandbox import BubblewrapConfig, make_sandbox

TASK = "python/interval-merge"
SOLUTION = "interval_merge.py"
TESTS = "interval_merge_test.py"


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExercismBenchmark]:
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        for name in ("HOME", "XDG_CACHE_HOME", "HGM_CACHE"):
            patch.setenv(name, str(home / name.lower()))
        yield make_exercises(sandbox=make_sandbox(BubblewrapConfig()), languages="python")


@pytest.fixture(scope="module")
def task(bench: ExercismBenchmark) -> Task:
    return next(t for t in bench.tasks() if t.id == TASK)


def stub_text(bench: ExercismBenchmark) -> str:
    return (bench.exercise(TASK).root / SOLUTION).read_text()


def solution_diff(bench: ExercismBenchmark, text: str) -> str:
    return file_diff(SOLUTION, stub_text(bench), text)


@pytest.mark.sandbox
def test_reference_resolves_with_every_test_passing(bench: ExercismBenchmark, task: Task) -> None:
    grade = bench.grade(task, bench.reference_diff(task))
    assert grade.resolved, grade.log_tail
    assert grade.exit_code == 1  # the canaries fail
    assert not grade.empty_diff and not grade.tampered
    assert len(grade.tests) == 7  # under their own names, canaries left out
    assert all(outcome.passed for outcome in grade.tests)
    assert {o.name for o in grade.tests} >= {f"{TESTS}::test_no_intervals"}
    assert {"prepare", "tests", "total"} <= set(grade.timings)


@pytest.mark.sandbox
def test_untouched_stub_is_empty_and_unresolved(bench: ExercismBenchmark, task: Task) -> None:
    grade = bench.grade(task, "")
    assert grade.empty_diff
    assert not grade.resolved
    assert grade.tests and not any(outcome.passed for outcome in grade.tests)


@pytest.mark.sandbox
def test_wrong_solution_fails_some_tests(bench: ExercismBenchmark, task: Task) -> None:
    wrong = "def merge_intervals(intervals):\n    return sorted(intervals)\n"
    grade = bench.grade(task, solution_diff(bench, wrong))
    assert not grade.resolved
    assert any(outcome.passed for outcome in grade.tests)
    assert not all(outcome.passed for outcome in grade.tests)


@pytest.mark.sandbox
def test_editing_the_tests_is_dropped_and_reported(bench: ExercismBenchmark, task: Task) -> None:
    root = bench.exercise(TASK).root
    cheat = file_diff(TESTS, None, "def test_everything():\n    assert True\n")
    cheat += file_diff("conftest.py", None, "collect_ignore = ['interval_merge_test.py']\n")
    grade = bench.grade(task, cheat)
    assert grade.dropped_files == (TESTS, "conftest.py")
    assert grade.empty_diff
    assert not grade.resolved
    assert (root / TESTS).read_text().count("def test_") == 7


FAKE_REPORT = "\n".join(
    f"PASSED interval_merge_test.py::{name}"
    for name in ("test_no_intervals", "test_single_interval_is_kept", "test_everything")
)


@pytest.mark.sandbox
@pytest.mark.parametrize(
    "tail",
    ["", "sys.stdout.flush()\nos._exit(0)\n"],
    ids=["prints-passed", "prints-passed-then-exits-zero"],
)
def test_printing_passed_earns_no_credit(bench: ExercismBenchmark, task: Task, tail: str) -> None:
    liar = (
        "import os, sys\n"
        f"print({FAKE_REPORT!r})\n"
        "print('PASSED  ===== 7 passed in 0.01s =====')\n"
        f"{tail}"
        "def merge_intervals(intervals):\n    return []\n"
    )
    grade = bench.grade(task, solution_diff(bench, liar))
    assert not grade.resolved
    assert not grade.empty_diff


@pytest.mark.sandbox
def test_forged_complete_report_then_early_exit_gets_no_credit(
    bench: ExercismBenchmark, task: Task
) -> None:
    names = bench.runner("python").expected_tests([(bench.exercise(TASK).root / TESTS).read_text()])
    forged = "=== short test summary info ===\n" + "".join(
        f"PASSED {TESTS}::{name}\n" for name in names
    )
    forger = (
        "import os\n"
        f"with open('.hgm-test-output.log', 'a') as log:\n    log.write({forged!r})\n"
        "os._exit(0)\n"
        "def merge_intervals(intervals):\n    return []\n"
    )
    grade = bench.grade(task, solution_diff(bench, forger))
    assert grade.exit_code == 0
    assert "PASSED interval_merge_test.py::test_touching_intervals_merge" in grade.log_tail
    assert not grade.resolved and grade.tampered
    assert "exited 0" in grade.tamper_evidence[0]


@pytest.mark.sandbox
def test_diff_that_does_not_apply_is_an_error_not_a_crash(
    bench: ExercismBenchmark, task: Task
) -> None:
    grade = bench.grade(task, file_diff(SOLUTION, "something else\n", "x = 1\n"))
    assert not grade.resolved
    assert "git apply failed" in grade.error


def test_workspace_holds_stubs_but_never_tests_or_examples(
    bench: ExercismBenchmark, task: Task, tmp_path: Path
) -> None:
    bench.workspace(task, tmp_path)
    assert sorted(p.name for p in tmp_path.rglob("*")) == [SOLUTION]
    assert "interval_merge.py" in task.instructions
    assert task.instructions.startswith("# Instructions")
