"""Harness parts that need no sandbox: the agent's entry package, limits, reading agent-written
files safely, the host-side snapshot and diff."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from pydantic import ValidationError

from hgm.bench.diffs import apply_diff
from hgm.errors import UserError
from hgm.evolve.agent_dir import SEED_AGENT_DIR, agent_package, copy_agent
from hgm.evolve.agent_files import read_agent_file, read_agent_json
from hgm.evolve.agent_task import AgentLimits, AgentTask
from hgm.evolve.bounded_diff import repo_diff
from hgm.evolve.records import DiffStats
from hgm.evolve.workspace import JobLayout, snapshot_repo


def test_the_seed_agent_package_is_found_and_copied_without_bytecode(tmp_path: Path) -> None:
    assert agent_package(SEED_AGENT_DIR) == "coding_agent"
    source = tmp_path / "agent"
    (source / "pkg" / "__pycache__").mkdir(parents=True)
    (source / "pkg" / "__main__.py").write_text("print('hi')\n")
    (source / "pkg" / "__pycache__" / "m.cpython-311.pyc").write_bytes(b"\0")
    (source / ".git").mkdir()
    (source / "link").symlink_to("/etc/passwd")
    copy_agent(source, tmp_path / "copy")
    copied = sorted(
        p.relative_to(tmp_path / "copy").as_posix() for p in (tmp_path / "copy").rglob("*")
    )
    assert copied == ["link", "pkg", "pkg/__main__.py"]
    assert (tmp_path / "copy" / "link").is_symlink()


@pytest.mark.parametrize(
    ("layout", "message"),
    [
        ([], "no package with a __main__.py"),
        (["a/__main__.py", "b/__main__.py"], "several packages (a, b)"),
        (["a/__init__.py"], "no package"),
    ],
)
def test_an_agent_needs_exactly_one_entry_package(
    tmp_path: Path, layout: list[str], message: str
) -> None:
    tmp_path.joinpath("agent").mkdir()
    for relative in layout:
        path = tmp_path / "agent" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)")):
        agent_package(tmp_path / "agent")
    with pytest.raises(UserError, match="does not exist"):
        agent_package(tmp_path / "missing")


def test_limits_are_validated_and_split_between_sandbox_task_and_gateway() -> None:
    limits = AgentLimits(wall_s=100, grace_s=10, max_steps=7, llm_calls=3, memory_mb=512)
    assert limits.sandbox_limits().wall_s == 100 and limits.sandbox_limits().memory_mb == 512
    assert limits.task_limits() == {
        "max_steps": 7, "wall_clock_s": 90, "max_tokens": None, "command_timeout_s": 180.0,
    }  # fmt: skip
    assert limits.job_limits().calls == 3 and limits.job_limits().usd is None
    with pytest.raises(ValidationError, match="grace_s"):
        AgentLimits(wall_s=5, grace_s=5)
    with pytest.raises(ValidationError, match="extra"):
        AgentLimits.model_validate({"wall": 5})


def test_task_json_follows_the_contract(tmp_path: Path) -> None:
    AgentTask("t1", "Fix it.", "go", test_command="go test ./...").write(
        tmp_path / "TASK.json", AgentLimits(wall_s=60, grace_s=5)
    )
    data = json.loads((tmp_path / "TASK.json").read_text())
    assert data["id"] == "t1" and data["language"] == "go" and data["instructions"] == "Fix it."
    assert data["test_command"] == "go test ./..." and data["limits"]["wall_clock_s"] == 55
    AgentTask("t2", "x", "python").write(tmp_path / "T2.json", AgentLimits())
    assert "test_command" not in json.loads((tmp_path / "T2.json").read_text())


def test_agent_files_are_read_without_following_links_or_blocking(tmp_path: Path) -> None:
    host = tmp_path / "host.json"
    host.write_text('{"reason": "host"}')
    out = tmp_path / "out"
    out.mkdir()
    (out / "ok.json").write_text('{"reason": "finished"}')
    (out / "list.json").write_text("[1, 2]")
    (out / "big.json").write_text('{"x": "' + "a" * 2000 + '"}')
    (out / "link.json").symlink_to(host)
    (tmp_path / "linked_dir").symlink_to(tmp_path)
    os.mkfifo(out / "fifo.json")
    assert read_agent_json(out, "ok.json") == {"reason": "finished"}
    assert read_agent_json(out, "list.json") is None
    assert read_agent_json(out, "big.json", max_bytes=100) is None
    assert read_agent_json(out, "link.json") is None
    assert read_agent_file(out, "fifo.json") is None
    assert read_agent_file(tmp_path, "linked_dir/host.json") is None
    assert read_agent_file(tmp_path, "host.json") == b'{"reason": "host"}'
    assert read_agent_file(tmp_path, "../host.json") is None
    assert read_agent_file(out, "big.json", max_bytes=10) == b'{"x": "aaa'
    assert read_agent_file(out, "missing.json") is None


def _layout(tmp_path: Path, files: dict[str, str]) -> JobLayout:
    layout = JobLayout.create(tmp_path / "job")
    for relative, text in files.items():
        path = layout.repo / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    snapshot_repo(layout)
    return layout


def test_the_diff_covers_edits_new_and_deleted_files_and_applies_to_the_pristine_tree(
    tmp_path: Path,
) -> None:
    pristine = {"a.py": "A = 1\n", "pkg/b.py": "B = 2\n", "gone.txt": "bye\n"}
    layout = _layout(tmp_path, pristine)
    (layout.repo / "a.py").write_text("A = 10\n")
    (layout.repo / "pkg" / "c.py").write_text("C = 3\n")
    (layout.repo / "gone.txt").unlink()
    (layout.repo / "blob.bin").write_bytes(bytes(range(256)))
    (layout.repo / "__pycache__").mkdir()
    (layout.repo / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0")
    (layout.work / "outside.txt").write_text("not in the diff\n")
    diff = repo_diff(layout).text
    headers = sorted(line for line in diff.splitlines() if line.startswith("diff --git"))
    assert headers == [
        "diff --git a/a.py b/a.py",
        "diff --git a/blob.bin b/blob.bin",
        "diff --git a/gone.txt b/gone.txt",
        "diff --git a/pkg/c.py b/pkg/c.py",
    ]
    assert DiffStats.of(diff).files == 4
    fresh = tmp_path / "fresh"
    for relative, text in pristine.items():
        (fresh / relative).parent.mkdir(parents=True, exist_ok=True)
        (fresh / relative).write_text(text)
    apply_diff(fresh, diff)
    assert (fresh / "a.py").read_text() == "A = 10\n" and not (fresh / "gone.txt").exists()
    assert (fresh / "blob.bin").read_bytes() == bytes(range(256))


def test_workspace_attributes_and_user_git_config_change_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A `.gitattributes` asking for a filter or eol conversion, and a hostile user config."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[diff]\n\tnoprefix = true\n[core]\n\tautocrlf = true\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "elsewhere"))
    layout = _layout(tmp_path, {".gitattributes": "* text eol=crlf filter=evil\n", "a.txt": "x\n"})
    (layout.repo / "a.txt").write_text("y\n")
    diff = repo_diff(layout).text
    assert "diff --git a/a.txt b/a.txt" in diff and "-x\n+y\n" in diff
    assert "\r" not in diff


def test_an_unchanged_repository_has_an_empty_diff_and_job_dirs_are_not_reused(
    tmp_path: Path,
) -> None:
    layout = _layout(tmp_path, {"a.py": "A = 1\n"})
    assert repo_diff(layout).text == ""
    with pytest.raises(UserError, match="not empty"):
        JobLayout.create(layout.job_dir)


def test_git_repositories_made_inside_the_repository_are_diffed_as_plain_files(
    tmp_path: Path,
) -> None:
    """`cargo new` and `git init` in a subdirectory must not hide or break the diff."""
    layout = _layout(tmp_path, {"a.py": "A = 1\n"})
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C"]
    subprocess.run(["git", "init", "-q", str(layout.repo)], check=True)
    (layout.repo / "empty").mkdir()
    subprocess.run(["git", "init", "-q", str(layout.repo / "empty")], check=True)
    (layout.repo / "empty" / "e.py").write_text("E = 1\n")
    (layout.repo / "made").mkdir()
    (layout.repo / "made" / "m.py").write_text("M = 1\n")
    subprocess.run(["git", "init", "-q", str(layout.repo / "made")], check=True)
    subprocess.run([*git, str(layout.repo / "made"), "add", "."], check=True)
    subprocess.run([*git, str(layout.repo / "made"), "commit", "-qm", "m"], check=True)
    (layout.repo / "linked").mkdir()
    (layout.repo / "linked" / ".git").symlink_to(tmp_path)
    (layout.repo / "linked" / "l.py").write_text("L = 1\n")
    diff = repo_diff(layout).text
    headers = sorted(line for line in diff.splitlines() if line.startswith("diff --git"))
    assert headers == [
        "diff --git a/empty/e.py b/empty/e.py",
        "diff --git a/linked/l.py b/linked/l.py",
        "diff --git a/made/m.py b/made/m.py",
    ]
    assert "Subproject" not in diff and tmp_path.is_dir()
