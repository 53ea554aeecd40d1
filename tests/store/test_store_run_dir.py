"""The run directory: config verbatim next to a ready database, never overwritten, one driver."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from hgm.errors import UserError
from hgm.store.run_dir import RunDir, RunLock
from hgm.store.run_store import RunStore

CONFIG = "# comments and layout are kept\n[run]\nname = 'x'   # as typed\n"


def test_create_keeps_the_config_verbatim_next_to_a_ready_database(tmp_path: Path) -> None:
    run_dir = RunDir.create(tmp_path / "runs" / "x", CONFIG)
    assert run_dir.config_path.read_text() == CONFIG
    assert run_dir.artifacts.is_dir()
    with RunStore.open_for_reading(run_dir.db_path) as store:
        assert store.counts().agents == 0
        assert store.last_session() is None
    assert RunDir.open(run_dir.path) == run_dir


def test_a_relative_path_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    run_dir = RunDir.create(Path("runs/x"), CONFIG)
    assert run_dir.path == tmp_path / "runs" / "x"
    assert RunDir.open(Path("runs/x")).db_path == tmp_path / "runs" / "x" / "run.db"


def test_an_existing_empty_directory_may_hold_a_new_run(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert RunDir.create(tmp_path / "empty", CONFIG).config_path.is_file()


def test_a_run_is_never_overwritten(tmp_path: Path) -> None:
    RunDir.create(tmp_path / "x", CONFIG)
    with pytest.raises(UserError, match=r"already exists.*hgm resume"):
        RunDir.create(tmp_path / "x", "[run]\n")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="choose another --run-dir"):
        RunDir.create(tmp_path / "other", CONFIG)
    assert (tmp_path / "x" / "run.toml").read_text() == CONFIG


def test_open_names_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such run directory"):
        RunDir.open(tmp_path / "nope")
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "run.toml").write_text(CONFIG)
    with pytest.raises(UserError, match=r"missing run\.db"):
        RunDir.open(tmp_path / "half")


def test_one_process_drives_a_run_and_others_can_tell(tmp_path: Path) -> None:
    run_dir = RunDir.create(tmp_path / "x", CONFIG)
    assert not run_dir.is_active()
    with RunLock(run_dir.lock_path):
        assert run_dir.is_active()
        with (
            pytest.raises(UserError, match="driven by another process"),
            RunLock(run_dir.lock_path),
        ):
            pass
    assert not run_dir.is_active()


def test_probes_neither_block_each_other_nor_a_driver_starting(tmp_path: Path) -> None:
    # a status read probing the lock at the moment a run starts used to make the start fail
    run_dir = RunDir.create(tmp_path / "x", CONFIG)
    with RunLock(run_dir.lock_path):  # an earlier session left the lock file
        pass
    with RunLock(run_dir.lock_path, probe=True) as probe:
        assert probe.acquired and not run_dir.is_active()  # a second probe meanwhile
        released = threading.Timer(0.1, probe.__exit__, (None, None, None))
        released.start()
        with RunLock(run_dir.lock_path) as driver:  # waits out the probe, then drives
            assert driver.acquired and run_dir.is_active()
        released.join()
