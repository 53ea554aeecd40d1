"""verify(): an archive lists its own corruption."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from archive_helpers import user_git

from hgm.archive import Archive


def set_ref(archive: Archive, name: str, target: str) -> None:
    user_git(f"--git-dir={archive.path}", "update-ref", name, target, cwd=archive.path)


def test_verify_catches_a_ref_to_a_missing_commit(archive: Archive) -> None:
    missing = "0123456789abcdef0123456789abcdef01234567"
    (archive.path / "refs" / "agents" / "4").write_text(missing + "\n", encoding="ascii")

    assert archive.verify() == [f"agent 4: ref points to {missing}, which is not a commit here"]


def test_verify_catches_refs_moved_to_other_versions(
    archive: Archive, child_of: Callable[..., str]
) -> None:
    child_of(0, 1, {"a.py": "1\n"})
    two = child_of(1, 2, {"b.py": "2\n"})
    set_ref(archive, "refs/agents/1", two)
    set_ref(archive, "refs/agents/odd", two)
    set_ref(archive, "refs/agents/01", two)

    problems = archive.verify()

    assert "agent 1: ref points to the commit of agent 2" in problems
    assert any(p.startswith("agent 2: git parent") for p in problems)
    for name in ("refs/agents/odd", "refs/agents/01"):
        assert f"{name}: not an agent ref (agent refs are refs/agents/<integer>)" in problems
    assert archive.agents() == [0, 1, 2]


def test_verify_catches_a_child_whose_git_parent_is_wrong(
    archive: Archive, child_of: Callable[..., str], tmp_path: Path
) -> None:
    one = child_of(0, 1, {"a.py": "1\n"})
    child_of(0, 2, {"b.py": "2\n"})
    git_dir = f"--git-dir={archive.path}"
    message = archive.path / "message"
    raw = user_git(git_dir, "cat-file", "commit", "refs/agents/2", cwd=tmp_path)
    message.write_text(raw.split("\n\n", 1)[1] + "\n", encoding="utf-8")
    forged = user_git(
        git_dir, "commit-tree", "refs/agents/2^{tree}", "-p", one, "-F", str(message), cwd=tmp_path
    )
    set_ref(archive, "refs/agents/2", forged)

    assert archive.verify() == [
        f"agent 2: git parent {one} is not parent agent 0's commit {archive.commit_of(0)}"
    ]


def test_verify_catches_a_ref_to_a_foreign_commit(archive: Archive, tmp_path: Path) -> None:
    git_dir = f"--git-dir={archive.path}"
    tree = user_git(git_dir, "rev-parse", "refs/agents/0^{tree}", cwd=tmp_path)
    foreign = user_git(git_dir, "commit-tree", tree, "-m", "hand-made", cwd=tmp_path)
    set_ref(archive, "refs/agents/3", foreign)

    assert archive.verify() == [
        f"agent 3: commit {foreign} is not an hgm agent version (no Hgm-Agent)"
    ]


def test_verify_catches_an_archive_without_agents(archive: Archive) -> None:
    user_git(f"--git-dir={archive.path}", "update-ref", "-d", "refs/agents/0", cwd=archive.path)

    assert archive.verify() == ["the archive holds no agent versions (its creation did not finish)"]
