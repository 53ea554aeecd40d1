"""`hgm bench ...` end to end: the built-in set checks clean; bad input exits 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hgm.bench.exercises import BUILTIN_DIR, make_exercises
from hgm.bench.exercism import find_exercises
from hgm.errors import UserError


def hgm(args: list[str], home: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    for name in ("HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "HGM_CACHE"):
        env[name] = str(home / name.lower())
    env["COLUMNS"] = "200"
    return subprocess.run(
        [sys.executable, "-m", "hgm", "bench", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


def test_builtin_set_has_at_least_12_exercises_in_at_least_4_languages() -> None:
    exercises = find_exercises(BUILTIN_DIR)
    assert len(exercises) >= 12
    assert len({e.language for e in exercises}) >= 4
    for exercise in exercises:
        assert (exercise.root / ".docs" / "instructions.md").is_file()
        assert all((exercise.root / name).is_file() for name in exercise.solution + exercise.test)


def test_tasks_never_expose_tests_or_examples(tmp_path: Path) -> None:
    bench = make_exercises()
    for task in bench.tasks():
        exercise = bench.exercise(task.id)
        dest = tmp_path / task.id
        bench.workspace(task, dest)
        seen = {p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()}
        assert set(exercise.solution) <= seen
        assert not seen & set(exercise.test)
        assert not any(name.startswith((".meta", ".docs")) for name in seen)


def test_list_shows_builtin_exercises(tmp_path: Path) -> None:
    result = hgm(["list"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "exercises" in result.stdout and "polyglot" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "nope"], "unknown benchmark 'nope'; valid names:"),
        (["check", "exercises", "--languages", "cobol"], "valid languages: python"),
        (["check", "exercises", "--path", "/does/not/exist"], "does not exist"),
        (["check", "exercises", "--tasks", "cobol/*"], "matching --tasks 'cobol/*'"),
        (["setup", "humaneval"], "has nothing to set up"),
        (["fetch", "exercises"], "fetchable benchmarks: polyglot"),
    ],
)
def test_bad_input_exits_2_without_traceback(tmp_path: Path, args: list[str], message: str) -> None:
    result = hgm(args, tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_language_in_library_call() -> None:
    with pytest.raises(UserError, match="unknown language"):
        make_exercises(languages="python,brainfuck")


@pytest.mark.slow
@pytest.mark.sandbox
def test_check_passes_on_the_whole_builtin_set(tmp_path: Path) -> None:
    report_path = tmp_path / "check.json"
    result = hgm(["check", "exercises", "--json", str(report_path)], tmp_path, timeout=900)
    report = json.loads(report_path.read_text())
    assert result.returncode == 0, result.stdout[-3000:] + json.dumps(report["failed"])
    assert report["failed"] == []
    assert report["ok"] == report["tasks"] == len(find_exercises(BUILTIN_DIR))
    assert set(report["per_language"]) == {"python", "rust", "go", "javascript", "cpp", "java"}
    assert all(r["status"] == "ok" for r in report["results"])
    assert all(r["reference"]["resolved"] and not r["stub"]["resolved"] for r in report["results"])
