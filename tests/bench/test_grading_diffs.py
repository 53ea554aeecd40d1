"""restrict_diff, file_diff and apply_diff: what grading takes from an agent."""

from __future__ import annotations

from pathlib import Path

import pytest

from hgm.bench.diffs import (
    DiffApplyError,
    apply_diff,
    diff_is_empty,
    file_diff,
    restrict_diff,
    split_diff,
)
from hgm.bench.registry import make_benchmark
from hgm.errors import UserError

SYMLINK_DIFF = """diff --git a/solution.py b/solution.py
deleted file mode 100644
--- a/solution.py
+++ /dev/null
@@ -1 +0,0 @@
-x = 1
diff --git a/solution.py b/solution.py
new file mode 120000
--- /dev/null
+++ b/solution.py
@@ -0,0 +1 @@
+solution_test.py
\\ No newline at end of file
"""


def test_restrict_drops_tests_and_build_files_and_reports_them() -> None:
    diff = (
        file_diff("solution.py", "x = 1\n", "x = 2\n")
        + file_diff("solution_test.py", "assert False\n", "assert True\n")
        + file_diff("Cargo.toml", "[package]\n", "[package]\nname='x'\n")
    )
    kept, dropped = restrict_diff(diff, lambda path: path == "solution.py")
    assert dropped == ["solution_test.py", "Cargo.toml"]
    assert [s.paths for s in split_diff(kept)] == [("solution.py",)]


def test_restrict_drops_renames_out_of_allowed_and_symlinks_and_parent_paths() -> None:
    rename = (
        "diff --git a/solution.py b/solution_test.py\n"
        "similarity index 100%\nrename from solution.py\nrename to solution_test.py\n"
    )
    escape = file_diff("../outside.py", None, "x\n")
    kept, dropped = restrict_diff(rename + escape + SYMLINK_DIFF, lambda path: True)
    assert dropped == ["../outside.py", "solution.py"]
    kept, dropped = restrict_diff(rename, lambda path: path == "solution.py")
    assert dropped == ["solution.py", "solution_test.py"]
    assert kept == ""
    kept, dropped = restrict_diff(SYMLINK_DIFF, lambda path: True)
    assert [s.paths for s in split_diff(kept)] == [("solution.py",)]
    assert all(not s.makes_symlink for s in split_diff(kept))


def test_paths_with_spaces_and_mode_only_sections() -> None:
    mode_only = "diff --git a/my file.sh b/my file.sh\nold mode 100644\nnew mode 100755\n"
    assert split_diff(mode_only)[0].paths == ("my file.sh",)


def test_empty_diff() -> None:
    assert diff_is_empty("")
    assert diff_is_empty("\n  \n")
    assert not diff_is_empty(file_diff("a.py", None, "x\n"))


def test_apply_diff_edits_creates_and_reports_conflicts(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    diff = file_diff("a.py", "x = 1\n", "x = 2") + file_diff("pkg/b.py", None, "y\n")
    apply_diff(tmp_path, diff)
    assert (tmp_path / "a.py").read_text() == "x = 2"
    assert (tmp_path / "pkg" / "b.py").read_text() == "y\n"
    with pytest.raises(DiffApplyError, match="git apply failed"):
        apply_diff(tmp_path, diff)


def test_unknown_benchmark_lists_valid_names() -> None:
    with pytest.raises(UserError, match=r"valid names: .*exercises"):
        make_benchmark("nope")


def test_unknown_benchmark_option_lists_valid_ones() -> None:
    with pytest.raises(
        UserError, match=r"no option\(s\) colour; valid options: all_tests, languages, limits"
    ):
        make_benchmark("exercises", colour="red")


def test_grading_limits_from_a_run_config_mapping() -> None:
    bench = make_benchmark("exercises", limits={"wall_s": 60, "memory_mb": 2048})
    assert (bench.limits.wall_s, bench.limits.memory_mb) == (60, 2048)
    with pytest.raises(UserError, match="valid fields: wall_s"):
        make_benchmark("exercises", limits={"wall": 3})
