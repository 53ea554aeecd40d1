"""swebench: loading SWE-bench-format instances, workspaces from clones, clear errors."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path

import pytest

from hgm.bench.registry import make_benchmark
from hgm.bench.swebench import SweBench, grading_problems, make_swebench
from hgm.errors import UserError
from hgm.sandbox import DockerConfig, check_backend

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@t",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@t",
    "PATH": "/usr/bin:/bin",
}


def _git(repo: Path, *args: str) -> str:
    env = {**GIT_ENV, "HOME": str(repo)}
    done = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _record(base_commit: str = "a" * 40) -> dict[str, object]:
    return {
        "repo": "acme/widgets",
        "instance_id": "acme__widgets-1",
        "base_commit": base_commit,
        "patch": "diff --git a/w.py b/w.py\n--- a/w.py\n+++ b/w.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n",
        "test_patch": "diff --git a/tests/test_w.py b/tests/test_w.py\n",
        "problem_statement": "x should be 2",
        "hints_text": "",
        "created_at": "2024-01-01T00:00:00Z",
        "version": "1.0",
        "FAIL_TO_PASS": '["tests/test_w.py::test_x"]',
        "PASS_TO_PASS": "[]",
        "environment_setup_commit": "b" * 40,
    }


def test_loads_jsonl_with_json_string_test_lists(tmp_path: Path) -> None:
    path = tmp_path / "lite.jsonl"
    path.write_text(json.dumps(_record()) + "\n")
    bench = make_benchmark("swebench", path=path)
    (task,) = bench.tasks()
    assert task.id == "acme__widgets-1"
    assert task.metadata["fail_to_pass"] == ["tests/test_w.py::test_x"]
    assert task.metadata["repo"] == "acme/widgets"
    assert "x should be 2" in task.instructions
    assert bench.reference_diff(task).startswith("diff --git a/w.py")


def test_loads_a_json_list(tmp_path: Path) -> None:
    path = tmp_path / "lite.json"
    second = {**_record(), "instance_id": "acme__widgets-2"}
    path.write_text(json.dumps([_record(), second]))
    assert [t.id for t in make_swebench(path).tasks()] == ["acme__widgets-1", "acme__widgets-2"]


def test_bad_instances_are_user_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({**_record(), "FAIL_TO_PASS": "[oops"}) + "\n")
    with pytest.raises(UserError, match="FAIL_TO_PASS"):
        make_swebench(path)
    path.write_text(json.dumps(_record()) + "\n" + json.dumps(_record()) + "\n")
    with pytest.raises(UserError, match="duplicate instance_id"):
        make_swebench(path)
    with pytest.raises(UserError, match="--path FILE"):
        make_swebench()


@pytest.mark.skipif(
    importlib.util.find_spec("datasets") is not None, reason="`datasets` is installed"
)
def test_dataset_name_without_datasets_package_says_what_to_do() -> None:
    with pytest.raises(UserError, match="needs the `datasets` package"):
        make_swebench(Path("princeton-nlp/SWE-bench_Lite"))


@pytest.mark.skipif(check_backend(DockerConfig()) is None, reason="a Docker engine answers here")
def test_grading_without_docker_names_what_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "lite.jsonl"
    path.write_text(json.dumps(_record()) + "\n")
    bench = make_swebench(path)
    (task,) = bench.tasks()
    assert any("Docker" in problem for problem in grading_problems())
    with pytest.raises(UserError, match="Docker") as caught:
        bench.grade(task, bench.reference_diff(task))
    assert "swe-local" in str(caught.value)


def test_workspace_from_a_local_clone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    origin = tmp_path / "mirrors" / "acme__widgets"
    origin.mkdir(parents=True)
    (origin / "w.py").write_text("x = 1\n")
    _git(origin, "init", "-q")
    _git(origin, "add", "-A")
    _git(origin, "commit", "-q", "-m", "base")
    base = _git(origin, "rev-parse", "HEAD")
    (origin / "w.py").write_text("x = 3\n")
    _git(origin, "commit", "-q", "-am", "later")
    bench = SweBench([_record(base)], "test", repos_dir=tmp_path / "mirrors")
    (task,) = bench.tasks()
    bench.workspace(task, tmp_path / "ws")
    assert (tmp_path / "ws" / "w.py").read_text() == "x = 1\n"
    assert not (tmp_path / "ws" / ".git").exists()


def test_unreachable_repository_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    bench = SweBench([_record()], "test", repos_dir=tmp_path / "nothing-here")
    (task,) = bench.tasks()
    with pytest.raises(UserError, match="cannot clone acme/widgets"):
        bench.workspace(task, tmp_path / "ws")
