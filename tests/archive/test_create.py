"""Creating and opening an archive: the root from a directory or a git repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from archive_helpers import (
    SEED_FILES,
    TEMPLATE_MARKER,
    USER_GITCONFIG,
    read_tree,
    user_git,
    write_files,
)

from hgm.archive import Archive, UnknownAgentError
from hgm.errors import UserError


def test_root_from_directory_keeps_files_modes_and_links(tmp_path: Path, seed_dir: Path) -> None:
    (seed_dir / "agent" / "__main__.py").chmod(0o755)
    (seed_dir / "link.py").symlink_to("agent/tools.py")
    archive = Archive.create(tmp_path / "agents.git", seed_dir, root_agent=3)

    out = archive.checkout(3, tmp_path / "out")

    assert archive.agents() == [3]
    assert archive.has(3) and not archive.has(0)
    assert read_tree(out) == read_tree(seed_dir)
    assert os.access(out / "agent" / "__main__.py", os.X_OK)
    assert not os.access(out / "agent" / "tools.py", os.X_OK)
    assert os.readlink(out / "link.py") == "agent/tools.py"
    assert not (out / ".git").exists()
    record = archive.record(3)
    assert record.parent is None and record.git_parents == ()
    assert record.metadata["source_kind"] == "directory"


def test_import_ignores_caches_git_and_manifest(tmp_path: Path, seed_dir: Path) -> None:
    write_files(
        seed_dir,
        {
            "agent/__pycache__/tools.cpython-311.pyc": b"\0cache",
            "stray.pyc": b"\0",
            ".git/config": "[core]\n",
            "vendored/.git/HEAD": "ref: refs/heads/main\n",
            "vendored/lib.py": "x = 1\n",
            "LINEAGE.json": "{}",
            "docs/LINEAGE.json": "{}",
        },
    )
    archive = Archive.create(tmp_path / "agents.git", seed_dir)

    stored = read_tree(archive.checkout(0, tmp_path / "out"))

    assert set(stored) == set(SEED_FILES) | {"vendored/lib.py", "docs/LINEAGE.json"}


def test_root_from_git_repository_takes_committed_tree_only(tmp_path: Path) -> None:
    repo = write_files(tmp_path / "repo", {"a.py": "one\n", "b.py": "two\n"})
    user_git("init", "--quiet", cwd=repo)
    user_git("add", ".", cwd=repo)
    user_git("commit", "--quiet", "-m", "first", cwd=repo)
    first = user_git("rev-parse", "HEAD", cwd=repo)
    user_git("tag", "v1", cwd=repo)
    write_files(repo, {"a.py": "changed\n"})
    user_git("commit", "--quiet", "-am", "second", cwd=repo)
    write_files(repo, {"a.py": "uncommitted\n", "new.py": "untracked\n"})

    head = Archive.create(tmp_path / "head.git", repo)
    tagged = Archive.create(tmp_path / "tag.git", repo, ref="v1")
    by_sha = Archive.create(tmp_path / "sha.git", str(repo), ref=first)

    assert read_tree(head.checkout(0, tmp_path / "h")) == {"a.py": b"changed\n", "b.py": b"two\n"}
    assert read_tree(tagged.checkout(0, tmp_path / "t")) == {"a.py": b"one\n", "b.py": b"two\n"}
    assert read_tree(by_sha.checkout(0, tmp_path / "s")) == {"a.py": b"one\n", "b.py": b"two\n"}
    assert head.record(0).git_parents == ()
    assert head.record(0).metadata == {"source": str(repo), "source_kind": "git", "ref": None}


def test_bad_ref_is_a_user_error_and_leaves_nothing(tmp_path: Path) -> None:
    repo = write_files(tmp_path / "repo", {"a.py": "one\n"})
    user_git("init", "--quiet", cwd=repo)
    user_git("add", ".", cwd=repo)
    user_git("commit", "--quiet", "-m", "first", cwd=repo)

    with pytest.raises(UserError, match="cannot read ref 'nope'"):
        Archive.create(tmp_path / "agents.git", repo, ref="nope")
    assert not (tmp_path / "agents.git").exists()


def test_missing_source_and_existing_target_are_user_errors(tmp_path: Path, seed_dir: Path) -> None:
    with pytest.raises(UserError, match="no such directory"):
        Archive.create(tmp_path / "agents.git", tmp_path / "missing")
    assert not (tmp_path / "agents.git").exists()
    Archive.create(tmp_path / "agents.git", seed_dir)
    with pytest.raises(UserError, match="already exists"):
        Archive.create(tmp_path / "agents.git", seed_dir)


def test_open_existing_and_reject_non_archive(tmp_path: Path, seed_dir: Path) -> None:
    created = Archive.create(tmp_path / "agents.git", seed_dir)
    opened = Archive.open(tmp_path / "agents.git")

    assert opened.commit_of(0) == created.commit_of(0)
    with pytest.raises(UserError, match="not an agent archive"):
        Archive.open(seed_dir)
    with pytest.raises(UnknownAgentError, match="agent 9 is not in the archive"):
        opened.commit_of(9)
    with pytest.raises(UserError, match="integers >= 0"):
        opened.commit_of(-1)


def test_same_files_give_the_same_commit(tmp_path: Path, seed_dir: Path) -> None:
    first = Archive.create(tmp_path / "one.git", seed_dir)
    second = Archive.create(tmp_path / "two.git", seed_dir)

    assert first.commit_of(0) == second.commit_of(0)


def test_user_git_config_is_neither_used_nor_touched(
    tmp_path: Path, seed_dir: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files(seed_dir, {"crlf.txt": b"a\r\nb\r\n"})
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "elsewhere"))
    before = sorted(home.rglob("*"))
    archive = Archive.create(tmp_path / "agents.git", seed_dir)

    out = archive.checkout(0, tmp_path / "out")

    log_format = "--format=%an <%ae> %cn"
    git_dir = f"--git-dir={archive.path}"
    author = user_git(git_dir, "log", "-1", log_format, "refs/agents/0", cwd=tmp_path)
    assert author == "hgm <hgm@localhost> hgm"
    raw = user_git(git_dir, "cat-file", "commit", "refs/agents/0", cwd=tmp_path)
    assert "\nencoding " not in raw.split("\n\n", 1)[0]
    assert not (archive.path / TEMPLATE_MARKER).exists()
    assert (out / "crlf.txt").read_bytes() == b"a\r\nb\r\n"
    assert sorted(home.rglob("*")) == before
    assert (home / ".gitconfig").read_text(encoding="utf-8") == USER_GITCONFIG
    assert not (tmp_path / "elsewhere").exists()


def test_relative_paths_are_taken_from_the_current_directory(
    tmp_path: Path, seed_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    archive = Archive.create(Path("run/agents.git"), Path("seed"))
    work = archive.checkout(0, Path("work"))
    write_files(work, {"new.py": "n = 1\n"})
    archive.commit_child(0, 1, Path("work"), "agent 1", {})
    archive.checkout(1, Path("repo"), with_git=True)

    assert archive.path == tmp_path / "run" / "agents.git"
    assert Archive.open(Path("run/agents.git")).agents() == [0, 1]
    assert read_tree(tmp_path / "work") == read_tree(seed_dir) | {"new.py": b"n = 1\n"}
    assert read_tree(tmp_path / "repo") == read_tree(tmp_path / "work")
