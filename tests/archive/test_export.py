"""Export: a working directory of a version plus its lineage manifest."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from archive_helpers import read_tree

from hgm.archive import Archive, export


def test_export_writes_files_and_lineage_manifest(
    archive: Archive, child_of: Callable[..., str], tmp_path: Path
) -> None:
    child_of(0, 1, {"agent/tools.py": "def tool():\n    return 2\n"}, problem_statement="fix it")
    child_of(1, 2, {"agent/extra.py": "x = 1\n"}, problem_statement="add extra", job_id="j2")
    child_of(0, 3, {"README.md": "# unrelated\n"})
    records = {1: {"evaluations": [{"task": "t1", "solved": True}], "admitted": True}}

    dest = export(archive, 2, tmp_path / "export", manifest_extra=records)

    manifest = json.loads((dest / "LINEAGE.json").read_text(encoding="utf-8"))
    files = read_tree(dest)
    files.pop("LINEAGE.json")
    assert files == read_tree(archive.checkout(2, tmp_path / "plain"))
    assert manifest["agent"] == 2 and manifest["commit"] == archive.commit_of(2)
    steps = manifest["lineage"]
    assert [step["agent"] for step in steps] == [0, 1, 2]
    assert [step["parent"] for step in steps] == [None, 0, 1]
    assert steps[0]["diff"] is None
    assert steps[1]["diff"] == archive.diff(1)
    assert steps[2]["metadata"] == {"problem_statement": "add extra", "job_id": "j2"}
    assert steps[1]["record"] == records[1]
    assert steps[2]["record"] == {}


def test_exported_agent_can_be_a_new_root(
    archive: Archive, child_of: Callable[..., str], tmp_path: Path
) -> None:
    child_of(0, 1, {"new.py": "n = 1\n"})
    dest = export(archive, 1, tmp_path / "export")

    again = Archive.create(tmp_path / "again.git", dest)

    assert read_tree(again.checkout(0, tmp_path / "root")) == read_tree(
        archive.checkout(1, tmp_path / "one")
    )
