"""Several threads committing and reading at once: every ref ends up right."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from archive_helpers import read_tree, write_files

from hgm.archive import Archive


def test_concurrent_children_and_checkouts(archive: Archive, tmp_path: Path) -> None:
    first_generation = range(1, 7)
    second_generation = range(7, 13)

    def make_child(parent: int, child: int) -> str:
        work = archive.checkout(parent, tmp_path / f"work-{child}")
        write_files(work, {f"agent/skill_{child}.py": f"LEVEL = {child}\n"})
        return archive.commit_child(parent, child, work, f"agent {child}", {"job_id": child})

    with ThreadPoolExecutor(max_workers=6) as pool:
        firsts = list(pool.map(make_child, [0] * 6, first_generation))
        seconds = list(pool.map(make_child, [c - 6 for c in second_generation], second_generation))

    assert archive.agents() == list(range(13))
    assert archive.verify() == []
    for child, commit in zip(first_generation, firsts, strict=True):
        assert archive.commit_of(child) == commit
        assert archive.lineage(child) == [0, child]
    for child, commit in zip(second_generation, seconds, strict=True):
        assert archive.commit_of(child) == commit
        assert archive.lineage(child) == [0, child - 6, child]
        stored = read_tree(archive.checkout(child, tmp_path / f"check-{child}"))
        assert stored[f"agent/skill_{child}.py"] == f"LEVEL = {child}\n".encode()
        assert stored[f"agent/skill_{child - 6}.py"] == f"LEVEL = {child - 6}\n".encode()


def test_racing_commits_of_one_child_id_keep_one_version(archive: Archive, tmp_path: Path) -> None:
    def attempt(variant: int) -> str:
        work = archive.checkout(0, tmp_path / f"work-{variant}")
        write_files(work, {"variant.py": f"V = {variant}\n"})
        try:
            return archive.commit_child(0, 1, work, "agent 1", {"variant": variant})
        except Exception as error:  # the losers: one id names one version
            return type(error).__name__

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(attempt, range(4)))

    winners = [outcome for outcome in outcomes if outcome != "AgentExistsError"]
    assert winners == [archive.commit_of(1)]
    assert archive.verify() == []
