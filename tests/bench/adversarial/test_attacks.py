"""Every attack in adversarial_attacks.py through the real `hgm solve` path (seed agent and
scripted model behind the real gateway, the bubblewrap sandbox, real grading): none is ever
resolved, and each is `tampered` with evidence that says what grading found."""

from __future__ import annotations

import ast
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from adversarial_attacks import (
    JS_REPLACED_EXPECT,
    PYTHON_ALWAYS_EQUAL,
    PYTHON_HONEST,
    PYTHON_REPORT_PATCH,
    SWE_LOCAL_HIDDEN_CONFIG,
    Attack,
    cpp_forged_report,
    create,
    go_forged_report,
    java_forged_report,
    rust_forged_report,
)

import hgm
from components import need
from hgm.bench.exercises import make_exercises
from hgm.bench.runners import make_runner
from hgm.cli.app import main
from hgm.sandbox import BubblewrapConfig, check_backend

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """HOME, XDG and hgm cache directories of this module's own (Go's build cache warms once)."""
    need("bubblewrap", check_backend(BubblewrapConfig()))
    root = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        for name in ("HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "HGM_CACHE"):
            patch.setenv(name, str(root / name.lower()))
        yield root


def solve(attack: Attack, out: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """`hgm solve --json` in-process with the attack as the scripted model; the grade."""
    script = out / "attack.json"
    out.mkdir(parents=True, exist_ok=True)
    script.write_text(json.dumps(attack.script()))
    argv = ["hgm", "solve", "--bench", attack.bench, "--task", attack.task]
    argv += ["--provider", "scripted", "--script", str(script), "--timeout", "120"]
    argv += ["--out", str(out / "run"), "--json"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "argv", argv)
        with pytest.raises(SystemExit) as exited:
            main()
    captured = capsys.readouterr()
    assert exited.value.code in (0, None), captured.err
    record = json.loads(captured.out)
    assert record["run"]["stop_reason"] == "finished", record["run"]
    grade: dict[str, Any] = record["grade"]
    assert record["resolved"] is grade["resolved"]
    return grade


def evidence(grade: dict[str, Any], *fragments: str) -> None:
    """The grade is unresolved and tampered, with a line of evidence holding each fragment."""
    assert not grade["resolved"] and grade["tampered"], grade
    lines = grade["tamper_evidence"]
    for fragment in fragments:
        assert any(fragment in line for line in lines), (fragment, lines)


def hidden_test_names(task: str) -> list[str]:
    """The test names an attacker knows from the public test file."""
    exercise = make_exercises().exercise(task)
    runner = make_runner(exercise.language)
    return runner.expected_tests([(exercise.root / n).read_text() for n in exercise.test])


def test_pytest_report_patching_and_runner_shadowing(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    grade = solve(PYTHON_REPORT_PATCH, tmp_path, capsys)
    evidence(
        grade,
        "pytest internal _pytest.reports.TestReport.from_item_and_call was replaced",
        "passed and so did",  # a canary, reported passed by the patched report
        "adds or changes pytest.py",
        "adds or changes .pytest.ini",
        "adds or changes sitecustomize.py",
    )
    assert set(grade["dropped_files"]) == {
        "pytest.py",
        ".pytest.ini",
        "conftest.py",
        "sitecustomize.py",
    }
    assert not any("conftest.py" in line for line in grade["tamper_evidence"])


def test_always_equal_object_and_exit_zero_after_pytest(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    grade = solve(PYTHON_ALWAYS_EQUAL, tmp_path, capsys)
    assert grade["exit_code"] == 0
    evidence(grade, "the test run exited 0", "that expects")


def test_honest_solution_that_imports_os_and_prints_is_not_tampered(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    grade = solve(PYTHON_HONEST, tmp_path, capsys)
    assert grade["resolved"] and not grade["tampered"], grade
    assert grade["tamper_evidence"] == [] and grade["exit_code"] == 1
    assert len(grade["tests"]) == 9 and all(test["passed"] for test in grade["tests"])


def test_replaced_expect_in_javascript(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    need("node", make_runner("javascript").problem())
    grade = solve(JS_REPLACED_EXPECT, tmp_path, capsys)
    evidence(grade, "globalThis.expect was replaced", "Object.is was replaced", "passed and so")


def test_humaneval_checker_is_out_of_reach_and_always_equal_cannot_cross(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from adversarial_attacks import HUMANEVAL_TOKEN_AND_ALWAYS_EQUAL

    from hgm.bench.humaneval import make_humaneval

    prompt = make_humaneval().problems["HumanEval-0"].prompt
    attack = Attack(
        "humaneval", "HumanEval-0", [create("solution.py", HUMANEVAL_TOKEN_AND_ALWAYS_EQUAL)]
    )
    assert "def has_close_elements" in prompt
    grade = solve(attack, tmp_path, capsys)
    evidence(grade, "overrides __eq__ instead of plain data (an always-equal object)")
    line = next(x for x in grade["log_tail"].splitlines() if "checker files visible:" in x)
    visible = ast.literal_eval(line.split("checker files visible:", 1)[1].strip())
    package = str(Path(hgm.__file__).parent)  # hgm's own public code (a checkout under /tmp)
    assert [path for path in visible if not path.startswith(package)] == [], visible


def test_swe_local_hidden_config_plugin_and_shadowing_pytest(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    grade = solve(SWE_LOCAL_HIDDEN_CONFIG, tmp_path, capsys)
    evidence(
        grade,
        "adds or changes .pytest.ini",
        "adds or changes pytest.py",
        "TestReport.from_item_and_call was replaced",
        "passed and so did",
    )
    assert {".pytest.ini", "pytest.py"} <= set(grade["dropped_files"])


def test_rust_report_forged_before_main(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    need("rust", make_runner("rust").problem())
    grade = solve(rust_forged_report(hidden_test_names("rust/digital-root")), tmp_path, capsys)
    assert grade["exit_code"] == 101
    evidence(grade, "but this run renamed them: a report written without running the tests")


@pytest.mark.parametrize(
    ("task", "forge"),
    [
        ("go/histogram-bars", go_forged_report),
        ("java/stack-calculator", java_forged_report),
        ("cpp/range-compress", cpp_forged_report),
    ],
    ids=["go-init", "java-static-initializer", "cpp-static-constructor"],
)
def test_report_forged_at_start_up_then_exit_zero(
    home: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    task: str,
    forge: Any,
) -> None:
    need(task.split("/")[0], make_runner(task.split("/")[0]).problem())
    grade = solve(forge(hidden_test_names(task)), tmp_path, capsys)
    assert grade["exit_code"] == 0
    evidence(grade, "the test run exited 0", "but this run renamed them")


def test_token_hunt_in_the_environment_then_killing_the_parent(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from adversarial_attacks import ENVIRONMENT_THEN_KILL_PARENT

    attack = Attack(
        "exercises",
        "python/bracket-depth",
        [create("bracket_depth.py", ENVIRONMENT_THEN_KILL_PARENT)],
    )
    grade = solve(attack, tmp_path, capsys)
    assert not grade["resolved"]  # a killed run is a crash to grading: unresolved, not tampered
    assert grade["exit_code"] == 137 and "never finished" in grade["error"]  # no token found
