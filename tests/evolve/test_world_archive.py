"""The run's archive: made from the root agent once, re-opened on resume, remade when a
crash cut its creation short."""

from __future__ import annotations

import subprocess
from pathlib import Path

from hgm.archive import Archive
from hgm.evolve.agent_dir import SEED_AGENT_DIR
from hgm.evolve.build import ARCHIVE_NAME, open_archive, root_source
from hgm.runconfig.real_world import RealWorldSection

SECTION = RealWorldSection.model_validate(
    {"kind": "real", "quickstart": {}, "bench": {"name": "humaneval"}}
)


def test_the_seed_is_the_default_root_and_the_archive_is_reopened(tmp_path: Path) -> None:
    assert root_source(SECTION) == SEED_AGENT_DIR
    created = open_archive(SECTION, tmp_path)
    assert created.agents() == [0]
    assert "coding_agent/__main__.py" in created.diff(0)
    again = open_archive(SECTION, tmp_path)
    assert again.commit_of(0) == created.commit_of(0)


def test_an_archive_left_empty_by_a_crash_is_made_again(tmp_path: Path) -> None:
    path = tmp_path / ARCHIVE_NAME
    subprocess.run(["git", "init", "--quiet", "--bare", str(path)], check=True)
    assert Archive.open(path).agents() == []
    assert open_archive(SECTION, tmp_path).agents() == [0]


def test_a_user_directory_can_be_the_root(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    (mine / "my_agent").mkdir(parents=True)
    (mine / "my_agent" / "__main__.py").write_text("print('hi')\n")
    section = SECTION.model_copy(
        update={"agent": SECTION.agent.model_copy(update={"source": str(mine)})}
    )
    archive = open_archive(section, tmp_path / "run")
    assert "my_agent/__main__.py" in archive.diff(0)
