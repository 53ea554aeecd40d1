"""Children: commit chains, lineage, diffs, checkouts with and without git."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from archive_helpers import read_tree, user_git, write_files

from hgm.archive import AgentExistsError, Archive, ArchiveError, UnknownAgentError
from hgm.errors import UserError

MakeChild = Callable[..., str]


def test_children_chain_and_lineage(archive: Archive, child_of: MakeChild) -> None:
    one = child_of(0, 1, {"agent/tools.py": "def tool():\n    return 2\n"}, job_id="j1")
    child_of(1, 2, {"agent/extra.py": "x = 1\n"}, problem_statement="Add\nextra")
    child_of(0, 5, {"README.md": "# other\n"})

    assert archive.agents() == [0, 1, 2, 5]
    assert archive.lineage(2) == [0, 1, 2]
    assert archive.lineage(5) == [0, 5]
    assert archive.lineage(0) == [0]
    assert archive.commit_of(1) == one
    two = archive.record(2)
    assert two.parent == 1 and two.git_parents == (one,)
    assert two.message == "agent 2"
    assert two.metadata == {"problem_statement": "Add\nextra"}
    assert archive.record(1).metadata == {"job_id": "j1"}
    assert archive.verify() == []


def test_child_files_are_exactly_the_worktree(
    archive: Archive, tmp_path: Path, seed_dir: Path
) -> None:
    work = archive.checkout(0, tmp_path / "work")
    (work / "README.md").unlink()
    write_files(work, {"agent/__pycache__/x.pyc": b"\0", "new.py": "y = 2\n"})
    archive.commit_child(0, 1, work, "remove readme", {})

    stored = read_tree(archive.checkout(1, tmp_path / "out"))

    expected = {k: v for k, v in read_tree(seed_dir).items() if k != "README.md"}
    assert stored == {**expected, "new.py": b"y = 2\n"}


def test_diff_against_parent_root_and_other(archive: Archive, child_of: MakeChild) -> None:
    child_of(0, 1, {"agent/tools.py": "def tool():\n    return 2\n"})
    child_of(1, 2, {"agent/extra.py": "x = 1\n"})
    child_of(0, 3, {"README.md": "# three\n"})

    own = archive.diff(2)
    from_root = archive.diff(2, against=0)
    from_sibling = archive.diff(2, against=3)

    assert "agent/extra.py" in own and "agent/tools.py" not in own
    assert "+    return 2" in from_root and "agent/extra.py" in from_root
    assert "-# three" in from_sibling and "+# seed" in from_sibling
    assert archive.diff(2, against=2) == ""
    assert "+print('hello')" in archive.diff(0)


def test_binary_diff_applies_to_the_parent(
    archive: Archive, child_of: MakeChild, tmp_path: Path
) -> None:
    blob = bytes(range(256)) * 8
    child_of(0, 1, {"data.bin": blob, "latin.txt": "caf\xe9\n".encode("latin-1")})
    patch = archive.diff(1)
    target = archive.checkout(0, tmp_path / "target")

    assert "GIT binary patch" in patch
    user_git("init", "--quiet", cwd=target)
    subprocess.run(
        ["git", "apply", "--whitespace=nowarn", "--include=data.bin", "-"],
        cwd=target,
        input=patch.encode("utf-8"),
        check=True,
    )
    assert (target / "data.bin").read_bytes() == blob


def test_checkout_with_git_is_a_repository_of_that_version(
    archive: Archive, child_of: MakeChild, tmp_path: Path
) -> None:
    commit = child_of(0, 1, {"new.py": "z = 3\n"})
    plain = archive.checkout(1, tmp_path / "plain")
    with_git = archive.checkout(1, tmp_path / "git", with_git=True)

    assert not (plain / ".git").exists()
    assert user_git("rev-parse", "HEAD", cwd=with_git) == commit
    assert user_git("rev-parse", "--abbrev-ref", "HEAD", cwd=with_git) == "agent-1"
    assert user_git("status", "--porcelain", cwd=with_git) == ""
    assert read_tree(with_git) == read_tree(plain)


def test_checkout_refuses_a_non_empty_destination(archive: Archive, tmp_path: Path) -> None:
    busy = write_files(tmp_path / "busy", {"x": "1"})
    with pytest.raises(UserError, match="already exists and is not empty"):
        archive.checkout(0, busy)
    with pytest.raises(UserError, match="already exists and is not empty"):
        archive.checkout(0, busy, with_git=True)


def test_commit_child_is_idempotent_and_never_reuses_ids(archive: Archive, tmp_path: Path) -> None:
    work = write_files(archive.checkout(0, tmp_path / "work"), {"a.py": "1\n"})
    first = archive.commit_child(0, 1, work, "child", {"job_id": "j"})

    assert archive.commit_child(0, 1, work, "child", {"job_id": "j"}) == first
    with pytest.raises(AgentExistsError, match="agent 1 already exists"):
        archive.commit_child(0, 1, work, "child", {"job_id": "other"})
    assert archive.commit_of(1) == first


def test_commit_child_rejects_bad_input(archive: Archive, tmp_path: Path) -> None:
    work = archive.checkout(0, tmp_path / "work")
    with pytest.raises(UnknownAgentError, match="agent 7 is not in the archive"):
        archive.commit_child(7, 8, work, "orphan", {})
    with pytest.raises(ArchiveError, match="its own parent"):
        archive.commit_child(0, 0, work, "self", {})
    with pytest.raises(ArchiveError, match="JSON-serialisable"):
        archive.commit_child(0, 1, work, "bad", {"when": object()})
    with pytest.raises(ArchiveError, match="not a directory"):
        archive.commit_child(0, 1, tmp_path / "missing", "gone", {})
    assert archive.agents() == [0]


def test_empty_worktree_is_an_empty_version(archive: Archive, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    archive.commit_child(0, 1, empty, "nothing left", {})

    assert read_tree(archive.checkout(1, tmp_path / "out")) == {}
    assert "-# seed" in archive.diff(1)
