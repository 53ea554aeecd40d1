"""swe-local: the built-in SWE-style set graded in the real bubblewrap sandbox."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from components import need
from hgm.bench.diffs import file_diff
from hgm.bench.swe_instances import pytest_outcomes
from hgm.bench.swe_local import SweLocal, is_test_or_build_file, make_swe_local
from hgm.bench.types import Task
from hgm.errors import UserError
from hgm.sandbox import BubblewrapConfig, check_backend, make_sandbox

pytestmark = pytest.mark.sandbox


@pytest.fixture
def needs_bwrap() -> None:
    need("bubblewrap", check_backend(BubblewrapConfig()))


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SweLocal]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        yield make_swe_local(sandbox=make_sandbox(BubblewrapConfig()))


def task(bench: SweLocal, task_id: str) -> Task:
    return next(t for t in bench.tasks() if t.id == task_id)


def test_builtin_set_has_original_instances(bench: SweLocal) -> None:
    tasks = bench.tasks()
    assert len(tasks) >= 5
    for t in tasks:
        assert t.metadata["fail_to_pass"], t.id
        assert t.metadata["pass_to_pass"], t.id
        assert bench.reference_diff(t).startswith("diff --git"), t.id


def test_workspace_is_base_without_hidden_tests(bench: SweLocal, tmp_path: Path) -> None:
    t = task(bench, "pagerkit-1")
    bench.workspace(t, tmp_path)
    assert "total // per_page" in (tmp_path / "pagerkit" / "pages.py").read_text()
    visible_tests = (tmp_path / "tests" / "test_pages.py").read_text()
    assert "test_page_count_exact_multiple" in visible_tests
    assert "test_page_count_partial_last_page" not in visible_tests
    assert not (tmp_path / ".git").exists()
    assert "Last page of results is missing" in t.instructions


@pytest.mark.usefixtures("needs_bwrap")
@pytest.mark.parametrize("task_id", ["pagerkit-1", "memo-1"])
def test_reference_resolves_and_base_does_not(bench: SweLocal, task_id: str) -> None:
    t = task(bench, task_id)
    fixed = bench.grade(t, bench.reference_diff(t))
    assert fixed.resolved, fixed.log_tail
    assert all(outcome.passed for outcome in fixed.tests)
    base = bench.grade(t, "")
    assert base.empty_diff
    assert not base.resolved
    failing = {outcome.name for outcome in base.tests if not outcome.passed}
    assert failing == set(t.metadata["fail_to_pass"])


@pytest.mark.usefixtures("needs_bwrap")
@pytest.mark.slow
def test_every_builtin_instance_is_well_formed(bench: SweLocal) -> None:
    """Reference resolves; on the base exactly FAIL_TO_PASS fails and PASS_TO_PASS passes."""
    for t in bench.tasks():
        assert bench.grade(t, bench.reference_diff(t)).resolved, t.id
        base = bench.grade(t, "")
        assert not base.resolved, t.id
        failing = {outcome.name for outcome in base.tests if not outcome.passed}
        assert failing == set(t.metadata["fail_to_pass"]), t.id


@pytest.mark.usefixtures("needs_bwrap")
def test_editing_tests_gets_no_credit_and_is_reported(bench: SweLocal, tmp_path: Path) -> None:
    t = task(bench, "pagerkit-1")
    bench.workspace(t, tmp_path)
    tests_path = tmp_path / "tests" / "test_pages.py"
    cheat = file_diff(
        "conftest.py",
        None,
        "import pytest\n\n\n@pytest.hookimpl(tryfirst=True)\n"
        "def pytest_runtest_call(item):\n    return True\n",
    ) + file_diff(
        "tests/test_pages.py",
        tests_path.read_text(),
        tests_path.read_text() + "\n\ndef test_extra():\n    pass\n",
    )
    grade = bench.grade(t, cheat)
    assert not grade.resolved
    assert not grade.empty_diff
    assert set(grade.dropped_files) == {"conftest.py", "tests/test_pages.py"}


@pytest.mark.usefixtures("needs_bwrap")
def test_fix_that_breaks_a_pass_to_pass_test_is_unresolved(bench: SweLocal, tmp_path: Path) -> None:
    t = task(bench, "pagerkit-1")
    bench.workspace(t, tmp_path)
    source = (tmp_path / "pagerkit" / "pages.py").read_text()
    naive = source.replace("max(1, total // per_page)", "max(1, total // per_page + 1)")
    grade = bench.grade(t, file_diff("pagerkit/pages.py", source, naive))
    assert not grade.resolved
    outcomes = {outcome.name: outcome.passed for outcome in grade.tests}
    assert all(outcomes[name] for name in t.metadata["fail_to_pass"])
    assert not outcomes["tests/test_pages.py::test_page_count_exact_multiple"]


@pytest.mark.usefixtures("needs_bwrap")
def test_printing_a_fake_summary_and_exiting_gets_no_credit(
    bench: SweLocal, tmp_path: Path
) -> None:
    t = task(bench, "pagerkit-1")
    bench.workspace(t, tmp_path)
    init = (tmp_path / "pagerkit" / "__init__.py").read_text()
    names = [*t.metadata["fail_to_pass"], *t.metadata["pass_to_pass"]]
    # Writes past pytest's output capture to the real stdout, then exits before pytest can.
    forged = init + (
        "\nimport gc as _gc\nimport os as _os\n\n"
        "from _pytest.capture import FDCapture as _FDCapture\n\n"
        "_lines = ['=' * 20 + ' short test summary info ' + '=' * 20]\n"
        f"_lines += ['PASSED ' + _name for _name in {names!r}]\n"
        "_lines.append('=' * 20 + ' 7 passed in 0.01s ' + '=' * 20)\n"
        "for _capture in _gc.get_objects():\n"
        "    if isinstance(_capture, _FDCapture) and _capture.targetfd == 1:\n"
        "        _os.write(_capture.targetfd_save, ('\\n'.join(_lines) + '\\n').encode())\n"
        "_os._exit(0)\n"
    )
    grade = bench.grade(t, file_diff("pagerkit/__init__.py", init, forged))
    assert grade.exit_code == 0
    assert "PASSED tests/test_pages.py" in grade.log_tail
    assert not grade.resolved


def test_outcomes_come_only_from_the_summary_before_the_token() -> None:
    header = "=" * 10 + " short test summary info " + "=" * 10
    fake = [header, "PASSED t.py::a", "PASSED t.py::b"]
    real = [header, "PASSED t.py::a", "FAILED t.py::b", "== 1 failed, 1 passed =="]
    output = "\n".join([*fake, *real, "", "TOKEN", "PASSED t.py::c"])
    assert pytest_outcomes(output, "TOKEN") == {"t.py::a": "PASSED", "t.py::b": "FAILED"}
    assert pytest_outcomes(output, "OTHER") == {}


@pytest.mark.usefixtures("needs_bwrap")
def test_diff_that_does_not_apply_is_unresolved_with_error(bench: SweLocal) -> None:
    t = task(bench, "memo-1")
    bad = file_diff("memo/lru.py", "no such content\n", "other\n")
    grade = bench.grade(t, bad)
    assert not grade.resolved
    assert "does not apply" in grade.error


def test_test_and_build_files_are_protected() -> None:
    protected = ("tests/test_x.py", "pkg/tests/helpers.py", "conftest.py", "a/x_test.py")
    for path in (*protected, "sitecustomize.py", "pyproject.toml"):
        assert is_test_or_build_file(path), path
    for path in ("pkg/module.py", "pkg/testing_utils.py", "README.md"):
        assert not is_test_or_build_file(path), path


def _git(repo: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
        "HOME": str(repo),
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _user_instance(tmp_path: Path) -> Path:
    repo = tmp_path / "repos" / "calc"
    (repo / "tests").mkdir(parents=True)
    (repo / "calc.py").write_text("def add(a, b):\n    return a - b\n")
    (repo / "tests" / "test_calc.py").write_text(
        "from calc import add\n\n\ndef test_zero():\n    assert add(0, 0) == 0\n"
    )
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    base = _git(repo, "rev-parse", "HEAD")
    (repo / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    patch = _git(repo, "diff") + "\n"
    _git(repo, "checkout", "-q", "calc.py")
    test_patch = file_diff(
        "tests/test_calc.py",
        "from calc import add\n\n\ndef test_zero():\n    assert add(0, 0) == 0\n",
        "from calc import add\n\n\ndef test_zero():\n    assert add(0, 0) == 0\n\n\n"
        "def test_sum():\n    assert add(2, 3) == 5\n",
    )
    record = {
        "instance_id": "calc-1",
        "repo": "repos/calc",
        "base_commit": base,
        "problem_statement": "add() subtracts",
        "patch": patch,
        "test_patch": test_patch,
        "FAIL_TO_PASS": '["tests/test_calc.py::test_sum"]',
        "PASS_TO_PASS": '["tests/test_calc.py::test_zero"]',
        "created_at": "ignored extra field",
        "test_env": {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
    }
    path = tmp_path / "instances.jsonl"
    path.write_text(json.dumps(record) + "\n")
    return path


@pytest.mark.usefixtures("needs_bwrap")
def test_user_instances_over_a_real_git_repo(tmp_path: Path) -> None:
    bench = make_swe_local(_user_instance(tmp_path), make_sandbox(BubblewrapConfig()))
    (t,) = bench.tasks()
    assert bench.grade(t, bench.reference_diff(t)).resolved
    assert not bench.grade(t, "").resolved


def test_wrong_base_commit_for_plain_files_names_the_right_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    source = Path(__file__).parents[2] / "src/hgm/bench/data/swe_local/instances.jsonl"
    line = source.read_text().splitlines()[0]
    record = json.loads(line)
    record["repo"] = str(source.parent / record["repo"])
    record["base_commit"] = "0" * 40
    path = tmp_path / "mine.jsonl"
    path.write_text(json.dumps(record))
    with pytest.raises(UserError, match=r"build to commit [0-9a-f]{40}"):
        make_swe_local(path)


def test_missing_file_and_bad_records_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        make_swe_local(tmp_path / "none.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"instance_id": "x", "FAIL_TO_PASS": "not json"}\n')
    with pytest.raises(UserError, match="FAIL_TO_PASS"):
        make_swe_local(bad)
