"""How a run's state is told from its lock and its last session."""

from __future__ import annotations

from pathlib import Path

import pytest

from hgm.runconfig.status import run_state
from hgm.store.queries import SessionRow
from hgm.store.run_store import RunStore


def _session(ended: bool, reason: str | None) -> SessionRow:
    return SessionRow(
        id=1, started_at=0.0, ended_at=1.0 if ended else None, end_reason=reason, pid=1
    )


@pytest.mark.parametrize(
    ("active", "session", "state"),
    [
        (True, _session(False, None), "running"),
        (False, None, "created"),
        (False, _session(False, None), "crashed"),
        (False, _session(True, "stopped"), "interrupted"),
        (False, _session(True, "aborted"), "interrupted"),
        (False, _session(True, "error: RuntimeError"), "failed"),
        (False, _session(True, "budget"), "finished"),
        (False, _session(True, "no-work"), "finished"),
    ],
)
def test_run_state(active: bool, session: SessionRow | None, state: str) -> None:
    assert run_state(active, session) == state


@pytest.mark.parametrize(
    ("error", "reason"),
    [(KeyboardInterrupt(), "aborted"), (RuntimeError("world broke"), "error: RuntimeError")],
)
def test_a_session_ended_by_an_exception_says_how(
    tmp_path: Path, error: BaseException, reason: str
) -> None:
    path = tmp_path / "run.db"
    with pytest.raises(type(error)), RunStore.create(path):
        raise error
    with RunStore.open_for_reading(path) as reader:
        last = reader.last_session()
    assert last is not None
    assert last.end_reason == reason
