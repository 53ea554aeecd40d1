"""humaneval: canonical solutions resolve, bare prompts and tricks do not (real sandbox)."""

from __future__ import annotations

import gzip
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from components import need
from hgm.bench.diffs import file_diff
from hgm.bench.humaneval import SOLUTION_FILE, HumanEval, make_humaneval
from hgm.bench.types import Task
from hgm.errors import UserError
from hgm.sandbox import BubblewrapConfig, Limits, check_backend, make_sandbox

pytestmark = pytest.mark.sandbox


@pytest.fixture(autouse=True, scope="module")
def needs_bubblewrap() -> None:
    need("bubblewrap", check_backend(BubblewrapConfig()))


@pytest.fixture(scope="module")
def bench() -> HumanEval:
    return make_humaneval(sandbox=make_sandbox(BubblewrapConfig()))


def task(bench: HumanEval, task_id: str) -> Task:
    return next(t for t in bench.tasks() if t.id == task_id)


def test_all_164_problems_load(bench: HumanEval) -> None:
    tasks = bench.tasks()
    assert len(tasks) == 164
    assert tasks[0].id == "HumanEval-0"
    assert all(t.language == "python" for t in tasks)


def test_workspace_holds_only_the_prompt(bench: HumanEval, tmp_path: Path) -> None:
    t = task(bench, "HumanEval-0")
    bench.workspace(t, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [SOLUTION_FILE]
    text = (tmp_path / SOLUTION_FILE).read_text()
    assert "def has_close_elements" in text
    assert "def check" not in text


@pytest.mark.parametrize("task_id", ["HumanEval-0", "HumanEval-38", "HumanEval-163"])
def test_canonical_resolves_and_prompt_does_not(bench: HumanEval, task_id: str) -> None:
    t = task(bench, task_id)
    solved = bench.grade(t, bench.reference_diff(t))
    assert solved.resolved, solved.log_tail
    assert not solved.empty_diff
    bare = bench.grade(t, "")
    assert bare.empty_diff
    assert not bare.resolved


def _edit(bench: HumanEval, t: Task, tmp_path: Path, body: str) -> str:
    bench.workspace(t, tmp_path)
    prompt = (tmp_path / SOLUTION_FILE).read_text()
    return file_diff(SOLUTION_FILE, prompt, prompt + body)


def test_exiting_early_gets_no_credit(bench: HumanEval, tmp_path: Path) -> None:
    t = task(bench, "HumanEval-0")
    diff = _edit(bench, t, tmp_path, "    return False\n\n\nimport os\nos._exit(0)\n")
    grade = bench.grade(t, diff)
    assert grade.exit_code == 0
    assert not grade.resolved


def test_wrong_answer_fails(bench: HumanEval, tmp_path: Path) -> None:
    t = task(bench, "HumanEval-0")
    grade = bench.grade(t, _edit(bench, t, tmp_path, "    return True\n"))
    assert not grade.resolved
    assert "AssertionError" in grade.log_tail


def test_edits_outside_solution_are_dropped(bench: HumanEval, tmp_path: Path) -> None:
    t = task(bench, "HumanEval-0")
    diff = bench.reference_diff(t) + file_diff("sitecustomize.py", None, "import os\n")
    grade = bench.grade(t, diff)
    assert grade.resolved
    assert grade.dropped_files == ("sitecustomize.py",)


def test_endless_loop_is_killed(bench: HumanEval, tmp_path: Path) -> None:
    t = task(bench, "HumanEval-0")
    diff = _edit(bench, t, tmp_path, "    while True:\n        pass\n")
    quick = HumanEval(list(bench.problems.values()), bench.sandbox, Limits(wall_s=2.0))
    grade = quick.grade(t, diff)
    assert not grade.resolved
    assert grade.error == "killed: timeout"


@pytest.mark.slow
def test_full_check_on_two_workers(bench: HumanEval) -> None:
    def check(t: Task) -> tuple[str, bool, bool]:
        return t.id, bench.grade(t, bench.reference_diff(t)).resolved, bench.grade(t, "").resolved

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(check, bench.tasks()))
    assert [r for r in results if not r[1] or r[2]] == []


def test_own_problem_file_and_errors(tmp_path: Path) -> None:
    record = {
        "task_id": "Mine/0",
        "prompt": "def double(x):\n    '''Twice x.'''\n",
        "entry_point": "double",
        "canonical_solution": "    return 2 * x\n",
        "test": "def check(candidate):\n    assert candidate(3) == 6\n",
    }
    path = tmp_path / "mine.jsonl.gz"
    with gzip.open(path, "wt") as handle:
        handle.write(json.dumps(record) + "\n")
    bench = make_humaneval(path, make_sandbox(BubblewrapConfig()))
    (t,) = bench.tasks()
    assert t.id == "Mine-0"
    assert bench.grade(t, bench.reference_diff(t)).resolved
    with pytest.raises(UserError, match="does not exist"):
        make_humaneval(tmp_path / "missing.jsonl")
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"task_id": "x"}\n')
    with pytest.raises(UserError, match="prompt"):
        make_humaneval(broken)
    with pytest.raises(UserError, match="no options"):
        make_humaneval(None, None, languages="python")
