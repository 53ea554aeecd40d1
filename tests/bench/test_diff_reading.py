"""restrict_diff reads diffs the way git does: crafted diffs that fooled the old hand-written
splitter, renames, copies, modes, links, binary patches and odd paths."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from hgm.bench.diffs import (
    apply_diff,
    diff_is_empty,
    display_path,
    file_diff,
    restrict_diff,
    split_diff,
)

SOLUTION = "solution.py"
EDIT = """diff --git a/solution.py b/solution.py
--- a/solution.py
+++ b/solution.py
@@ -1 +1 @@
-x = 1
+x = 2
"""


def only_solution(path: str) -> bool:
    return path == SOLUTION


# Each of these was kept whole by the old splitter (it split at `diff --git ` lines and read
# paths from the headers before the first hunk) while `git apply` also touches a forbidden file.
TWO_HUNKS = """diff --git a/solution.py b/solution.py
--- a/solution.py
+++ b/solution.py
@@ -1,2 +1,2 @@
-x = 1
+x = 2
 y = 0
@@ -5,2 +5,2 @@
 w = 0
-z = 1
+z = 2
"""
HIDDEN_AFTER_HUNK = {
    "a conftest.py created by a plain header after the solution's hunk": (
        EDIT + "--- /dev/null\n+++ b/conftest.py\n@@ -0,0 +1 @@\n+import pytest\n",
        ["solution.py", "conftest.py"],
        "x = 1\n",
    ),
    "the hidden test deleted after the solution's hunk": (
        EDIT + "--- a/solution_test.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-assert False\n",
        ["solution.py", "solution_test.py"],
        "x = 1\n",
    ),
    "a creation behind the second hunk of the solution": (
        TWO_HUNKS + "--- /dev/null\n+++ b/tests/sitecustomize.py\n@@ -0,0 +1 @@\n+import os\n",
        ["solution.py", "tests/sitecustomize.py"],
        "x = 1\ny = 0\na\nb\nw = 0\nz = 1\n",
    ),
}


@pytest.mark.parametrize("name", sorted(HIDDEN_AFTER_HUNK))
def test_a_file_hidden_after_another_files_hunk_is_seen_and_dropped(
    name: str, tmp_path: Path
) -> None:
    diff, touched, pristine = HIDDEN_AFTER_HUNK[name]
    (section,) = split_diff(diff)
    assert list(section.paths) == touched and section.patches == 2
    kept, dropped = restrict_diff(diff, only_solution)
    assert kept == "" and dropped == touched
    # with every path allowed the section is kept, and git applies both patches
    (tmp_path / SOLUTION).write_text(pristine)
    (tmp_path / "solution_test.py").write_text("assert False\n")
    kept, dropped = restrict_diff(diff, lambda path: True)
    assert kept == diff and dropped == []
    apply_diff(tmp_path, kept)
    assert (tmp_path / SOLUTION).read_text().startswith("x = 2\n")
    assert (tmp_path / touched[1]).exists() != ("deleted" in name)


def test_a_plain_unified_diff_is_read_by_git_and_kept_or_dropped_whole() -> None:
    plain = (
        "--- a/solution.py\n+++ b/solution.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n"
        "--- /dev/null\n+++ b/conftest.py\n@@ -0,0 +1 @@\n+import pytest\n"
    )
    assert restrict_diff(plain, only_solution) == ("", ["solution.py", "conftest.py"])
    assert restrict_diff(plain, lambda path: True) == (plain, [])


def test_names_are_git_s_after_stripping_one_component_whatever_it_is() -> None:
    """`git apply -p1` strips any first component, not only `a/` and `b/`."""
    diff = (
        "diff --git x/conftest.py y/conftest.py\nnew file mode 100644\n--- /dev/null\n"
        "+++ y/conftest.py\n@@ -0,0 +1 @@\n+import pytest\n"
    )
    assert [s.paths for s in split_diff(diff)] == [("conftest.py",)]
    assert restrict_diff(diff, lambda path: path != "conftest.py") == ("", ["conftest.py"])


def test_renames_and_copies_touch_both_names() -> None:
    rename = (
        "diff --git a/solution_test.py b/solution.py\n"
        "similarity index 100%\nrename from solution_test.py\nrename to solution.py\n"
    )
    copy = (
        "diff --git a/solution_test.py b/solution.py\n"
        "similarity index 100%\ncopy from solution_test.py\ncopy to solution.py\n"
    )
    for diff in (rename, copy):
        assert split_diff(diff)[0].paths == ("solution_test.py", "solution.py")
        assert restrict_diff(diff, only_solution) == ("", ["solution_test.py", "solution.py"])


LINKS = {
    "a new symbolic link": "diff --git a/solution.py b/solution.py\nnew file mode 120000\n"
    "--- /dev/null\n+++ b/solution.py\n@@ -0,0 +1 @@\n+solution_test.py\n"
    "\\ No newline at end of file\n",
    "a file turned into a link by a mode change": "diff --git a/solution.py b/solution.py\n"
    "old mode 100644\nnew mode 120000\n",
    "a gitlink": "diff --git a/solution.py b/solution.py\nnew file mode 160000\n"
    "index 0000000..1111111\n--- /dev/null\n+++ b/solution.py\n@@ -0,0 +1 @@\n"
    "+Subproject commit 1111111111111111111111111111111111111111\n",
}


@pytest.mark.parametrize("name", sorted(LINKS))
def test_links_are_dropped_even_on_allowed_paths(name: str) -> None:
    (section,) = split_diff(LINKS[name])
    assert section.makes_symlink
    assert restrict_diff(LINKS[name], lambda path: True) == ("", ["solution.py"])


def test_paths_outside_the_tree_or_into_git_data_are_dropped() -> None:
    escape = file_diff("../outside.py", None, "x\n")
    hook = file_diff(".git/hooks/pre-commit", None, "#!/bin/sh\n")
    upper = file_diff("sub/.GIT/config", None, "[core]\n")
    kept, dropped = restrict_diff(escape + hook + upper + EDIT, lambda path: True)
    assert kept == EDIT
    assert dropped == ["../outside.py", ".git/hooks/pre-commit", "sub/.GIT/config"]


def test_sections_git_cannot_read_are_dropped_and_the_rest_kept() -> None:
    broken = "diff --git a/other.py b/other.py\n--- a/other.py\n+++ b/other.py\n@@ -1 +1 @@\n"
    broken += "-a\n\n@@ -5 +5 @@\ngarbage\n"
    kept, dropped = restrict_diff(broken + EDIT, lambda path: True)
    assert kept == EDIT
    assert dropped == ["(a section git cannot read: diff --git a/other.py b/other.py)"]
    assert diff_is_empty("garbage only\n") and diff_is_empty("") and not diff_is_empty(EDIT)


def _git(repo: Path, *args: str) -> bytes:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(repo),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(repo), *args],
        env=env,
        check=True,
        capture_output=True,
    ).stdout


def test_a_real_git_diff_with_odd_paths_renames_modes_and_binaries_round_trips(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    odd = [b"my file.py", b"new\nline.py", b"caf\xe9.py", b"tab\there.py", b'"quoted".py']
    for name in [b"keep.txt", b"exec.sh", b"solution.py", *odd]:
        (repo / os.fsdecode(name)).write_bytes(b"x = 1\n")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "base")
    pristine = tmp_path / "pristine"
    _git(repo, "worktree", "add", "-q", str(pristine))
    for name in odd:
        (repo / os.fsdecode(name)).write_bytes(b"x = 2\n\xff\n")
    (repo / os.fsdecode(b"new-\xff.bin")).write_bytes(bytes(range(256)))
    (repo / "exec.sh").chmod(0o755)
    _git(repo, "mv", "keep.txt", "kept.txt")
    _git(repo, "add", "-A")
    raw = _git(repo, "diff", "--cached", "--binary", "-M")
    diff = raw.decode("utf-8", "surrogateescape")
    seen: list[str] = []
    kept, dropped = restrict_diff(diff, lambda path: seen.append(path) or True)
    assert kept == diff and dropped == []
    names = {os.fsdecode(name) for name in odd}
    assert names | {"keep.txt", "kept.txt", "exec.sh", os.fsdecode(b"new-\xff.bin")} == set(seen)
    binary = [s for s in split_diff(diff) if s.binary]
    assert [s.paths for s in binary] == [(os.fsdecode(b"new-\xff.bin"),)]
    apply_diff(pristine, kept)
    for name in odd:
        assert (pristine / os.fsdecode(name)).read_bytes() == b"x = 2\n\xff\n"
    assert os.access(pristine / "exec.sh", os.X_OK) and (pristine / "kept.txt").is_file()
    # only the odd names allowed: the rename, the mode change and the binary file go
    kept, dropped = restrict_diff(diff, lambda path: path in names)
    assert set(dropped) == {"keep.txt", "kept.txt", "exec.sh", "new-\\xff.bin"}
    assert {p for s in split_diff(kept) for p in s.paths} == names
    assert display_path(os.fsdecode(b"caf\xe9.py")) == "caf\\xe9.py"
