"""Your own benchmark as a plugin: examples/custom-benchmark installed with pip (into a
directory of its own, offline), then found through the `hgm.benchmarks` entry point by
`hgm bench list`, self-checked by `hgm bench check` and graded in a short real `hgm run`
(scripted model, real sandbox, real grading through `hgm.Grader`)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from components import need
from hgm.bench.task_files import Grader, TaskFiles
from hgm.errors import UserError
from hgm.sandbox import BubblewrapConfig, check_backend

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

EXAMPLE = Path(__file__).parents[2] / "examples" / "custom-benchmark"
TASKS = EXAMPLE / "src" / "hgm_textkit" / "tasks"
HGM = Path(sys.executable).parent / "hgm"


@pytest.fixture(scope="module")
def plugin_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of an `hgm` that has hgm-textkit installed (pip, no network)."""
    need("bubblewrap", check_backend(BubblewrapConfig()))
    work = tmp_path_factory.mktemp("plugin")
    source = work / "hgm-textkit"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-build-isolation"]
    subprocess.run([*pip, "--no-deps", "--target", str(work / "site"), str(source)], check=True)
    return {**os.environ, "PYTHONPATH": str(work / "site"), "COLUMNS": "200"}


def hgm(env: dict[str, str], *args: str, cwd: Path | None = None) -> str:
    done = subprocess.run(
        [str(HGM), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_installed_plugin_is_listed_and_passes_bench_check(
    plugin_env: dict[str, str], tmp_path: Path
) -> None:
    listing = {row["name"]: row for row in json.loads(hgm(plugin_env, "bench", "list", "--json"))}
    assert listing["textkit"]["tasks"] == 4
    assert listing["textkit"]["source"] == "plugin: hgm-textkit 0.1.0"
    assert listing["humaneval"]["source"] == "built-in"
    report = tmp_path / "check.json"
    hgm(plugin_env, "bench", "check", "textkit", "--json", str(report))
    checked = json.loads(report.read_text())
    assert (checked["tasks"], checked["ok"], checked["failed"]) == (4, 4, [])


def test_a_short_run_grades_the_plugins_tasks(plugin_env: dict[str, str], tmp_path: Path) -> None:
    text = (EXAMPLE / "run.toml").read_text()
    text = text.replace("task_evals = 8", "task_evals = 3\nexpansions = 1")
    config = tmp_path / "run.toml"
    config.write_text(text)
    hgm(plugin_env, "run", str(config), "--run-dir", str(tmp_path / "run"))
    db = sqlite3.connect(tmp_path / "run" / "run.db")
    rows = db.execute("SELECT task, success, details FROM evaluations").fetchall()
    db.close()
    assert len(rows) == 3
    textkit = {p.name for p in TASKS.iterdir() if (p / "task.toml").is_file()}
    for task, success, details in rows:
        grade = json.loads(details)["grade"]
        assert task in textkit
        assert grade["tests"] >= 6  # pytest's own report of the hidden tests
        assert bool(success) == grade["resolved"] == (grade["tests_passed"] == grade["tests"])


def test_task_files_hide_tests_and_grader_keeps_only_solution_edits(tmp_path: Path) -> None:
    need("bubblewrap", check_backend(BubblewrapConfig()))
    task_dir = tmp_path / "second-largest"
    shutil.copytree(TASKS / "second-largest", task_dir)
    (task_dir / "__pycache__").mkdir()
    (task_dir / "__pycache__" / "test_second_largest.cpython-311.pyc").write_bytes(b"\0")
    files = TaskFiles(
        task_dir,
        "python",
        ("second_largest.py",),
        ("test_second_largest.py",),
        ("task.toml", "reference"),
    )
    assert files.visible_files() == ["second_largest.py"]
    workspace = tmp_path / "workspace"
    files.workspace(workspace)
    assert sorted(p.name for p in workspace.iterdir()) == ["second_largest.py"]

    reference = (task_dir / "reference" / "second_largest.py").read_text()
    grader = Grader(limits={"wall_s": 120})
    assert grader.grade(files, files.diff_to({"second_largest.py": reference}), "t").resolved
    cheat = files.diff_to(
        {
            "second_largest.py": "def second_largest(numbers):\n    return None\n",
            "test_second_largest.py": "def test_nothing():\n    pass\n",
        }
    )
    grade = grader.grade(files, cheat, "t")
    assert (grade.task, grade.resolved, grade.dropped_files) == (
        "t",
        False,
        ("test_second_largest.py",),
    )
    with pytest.raises(UserError, match="no test runner"):
        TaskFiles(task_dir, "cobol", ("a",), ("test_second_largest.py",))
    with pytest.raises(UserError, match="missing"):
        TaskFiles(task_dir, "python", ("second_largest.py",), ("test_missing.py",))
