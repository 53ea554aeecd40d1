"""The diff the host takes from a job's repository is capped and streamed: huge files are
left out and reported, never held; the record stays small and exact."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hgm.bench.diffs import apply_diff, from_bytes, split_diff
from hgm.bench.types import Grade
from hgm.evolve import bounded_diff
from hgm.evolve.bounded_diff import repo_diff
from hgm.evolve.records import AgentRun, DiffStats, Evaluation
from hgm.evolve.workspace import JobLayout, snapshot_repo
from hgm.llm.ledger import JobUsage
from hgm.sandbox.types import Completed

MIB = 1024 * 1024


def _layout(tmp_path: Path, files: dict[str, bytes]) -> JobLayout:
    layout = JobLayout.create(tmp_path / "job")
    for relative, data in files.items():
        path = layout.repo / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    snapshot_repo(layout)
    return layout


def _sparse(path: Path, size: int) -> None:
    with path.open("wb") as handle:
        handle.truncate(size)


HOST_PEAK = """
import json, sys
from pathlib import Path
from hgm.evolve.bounded_diff import repo_diff
from hgm.evolve.workspace import JobLayout
taken = repo_diff(JobLayout(Path(sys.argv[1])))
omitted = [[o.path, o.bytes, o.reason] for o in taken.omitted]
# VmHWM: this process's own peak (ru_maxrss would count the forking parent's pages too)
status = Path("/proc/self/status").read_text().split("VmHWM:")[1]
peak = int(status.split()[0])
print(json.dumps({"peak_kib": peak, "text": taken.text, "omitted": omitted}))
"""


def test_two_files_of_150_mib_are_left_out_and_the_host_holds_none_of_them(
    tmp_path: Path,
) -> None:
    layout = _layout(tmp_path, {"solution.py": b"x = 1\n"})
    (layout.repo / "solution.py").write_text("x = 2\n")
    _sparse(layout.repo / "big0.bin", 150 * MIB)
    with (layout.repo / "big1.txt").open("wb") as text:  # text: a diff would hold all of it
        for _ in range(150):
            text.write(b"0123456789abcde\n" * (MIB // 16))
    done = subprocess.run(
        [sys.executable, "-c", HOST_PEAK, str(layout.job_dir)],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout)
    assert result["peak_kib"] < 100 * 1024  # a Python process with hgm imported: ~30 MiB
    assert "+x = 2" in result["text"] and "big" not in result["text"]
    assert result["omitted"] == [
        ["big0.bin", 150 * MIB, "larger than the diff cap"],
        ["big1.txt", 150 * MIB, "larger than the diff cap"],
    ]


def test_files_are_taken_in_path_order_while_they_fit(tmp_path: Path) -> None:
    layout = _layout(tmp_path, {"solution.py": b"x = 1\n"})
    for name in ("a.txt", "b.txt"):
        (layout.repo / name).write_bytes(b"0123456789abcdef\n" * 2400)  # 40 KiB each
    (layout.repo / "solution.py").write_text("x = 2\n")
    taken = repo_diff(layout, 64 * 1024)
    assert [o.path for o in taken.omitted] == ["b.txt"]
    (omitted,) = taken.omitted
    assert omitted.reason == "over the diff cap" and omitted.bytes > 40 * 1024
    assert "diff --git a/a.txt" in taken.text and "diff --git a/solution.py" in taken.text
    assert len(taken.text) <= 64 * 1024 and DiffStats.of(taken.text).files == 2


def test_big_pristine_files_changed_or_deleted_are_left_out(tmp_path: Path) -> None:
    """A file over the cap now is never diffed; a deleted one streams and is dropped."""
    big = b"line\n" * (MIB // 5 + 1)
    layout = _layout(tmp_path, {"data.txt": big, "old.txt": big, "solution.py": b"x = 1\n"})
    (layout.repo / "data.txt").write_bytes(big + b"one more\n")
    (layout.repo / "old.txt").unlink()
    (layout.repo / "solution.py").write_text("x = 2\n")
    taken = repo_diff(layout, MIB)
    assert {(o.path, o.reason) for o in taken.omitted} == {
        ("data.txt", "larger than the diff cap"),
        ("old.txt", "over the diff cap"),
    }
    assert [s.paths for s in split_diff(taken.text)] == [("solution.py",)]
    # again the same answer: the index copy keeps its mtime, so a same-size change made in
    # the second the snapshot was taken is still seen (git re-reads "racily clean" files)
    assert repo_diff(layout, MIB) == taken


def test_a_type_change_is_kept_or_left_out_whole(tmp_path: Path) -> None:
    layout = _layout(tmp_path, {"t.txt": b"t" * 1000 + b"\n", "solution.py": b"x = 1\n"})
    (layout.repo / "t.txt").unlink()
    (layout.repo / "t.txt").symlink_to("solution.py")
    taken = repo_diff(layout, 1050)  # the deletion's section does not fit, the link's does
    assert [(o.path, o.reason) for o in taken.omitted] == [("t.txt", "over the diff cap")]
    assert taken.text == ""
    assert "new file mode 120000" in repo_diff(layout, MIB).text


def test_too_many_changed_files_means_no_diff_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bounded_diff, "MAX_CHANGED_FILES", 3)
    layout = _layout(tmp_path, {"solution.py": b"x = 1\n"})
    for index in range(5):
        (layout.repo / f"f{index}.txt").write_text("x\n")
    taken = repo_diff(layout)
    assert taken.text == "" and taken.error == "more than 3 files changed: no diff is taken"


def test_odd_bytes_survive_the_diff_and_the_record(tmp_path: Path) -> None:
    name = os.fsdecode(b"caf\xe9 \x01.py")
    layout = _layout(tmp_path, {"solution.py": b"x = 1\n"})
    (layout.repo / name).write_bytes(b"s = '\xff\xfe'\n")
    (layout.repo / "solution.py").write_bytes(b"x = '\xe9'\n")
    taken = repo_diff(layout)
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "solution.py").write_text("x = 1\n")
    apply_diff(fresh, taken.text)
    assert (fresh / name).read_bytes() == b"s = '\xff\xfe'\n"
    assert (fresh / "solution.py").read_bytes() == b"x = '\xe9'\n"
    run = AgentRun(
        job="j",
        agent="0",
        role="task",
        job_dir=layout.job_dir,
        repo_dir=layout.repo,
        out_dir=layout.out,
        process=Completed(0, "", "", 1.0, None, None),
        stop_reason=None,
        stop_detail=None,
        usage=JobUsage(),
        diff=taken.text,
        diff_stats=DiffStats.of(taken.text),
    )
    evaluation = Evaluation("t", run, Grade("t", False, False), 1.0, 0.0, 0.0)
    evaluation.write(layout.record)
    record = json.loads(layout.record.read_text(encoding="utf-8"))
    assert record["run"]["diff"] == taken.text  # exact, bytes that are not UTF-8 included
    assert record["run"]["diff_stats"]["files"] == 2
    assert from_bytes(taken.text.encode("utf-8", "surrogateescape")) == taken.text
