"""RealWorld with the quick start's scripted model, the real sandbox, real git, real SQLite:
a self-modification changes what the agent does; a broken one is rejected with its reason."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from hgm.archive import Archive
from hgm.bench.registry import make_benchmark
from hgm.evolve.build import ARCHIVE_NAME, open_real_world
from hgm.evolve.quickstart import guideline, skill_of
from hgm.evolve.world import RealWorld
from hgm.llm import calls_for_job
from hgm.runconfig.real_world import RealWorldSection
from hgm.sandbox import BubblewrapConfig, check_backend
from hgm.store.run_dir import RunDir

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]
CATEGORIES = 6


def tasks_of(category: int, count: int) -> list[str]:
    ids = [task.id for task in make_benchmark("humaneval").tasks()]
    return [task for task in ids if skill_of(task, CATEGORIES) == category][:count]


@pytest.fixture(autouse=True)
def needs_bubblewrap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    problem = check_backend(BubblewrapConfig())
    if problem:
        pytest.skip(f"bubblewrap unusable here: {problem}")
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / "home"))


@contextmanager
def world(
    tmp_path: Path, search: list[str], heldout: list[str], **quickstart: Any
) -> Iterator[RealWorld]:
    section = RealWorldSection.model_validate(
        {
            "kind": "real",
            "quickstart": {"categories": CATEGORIES, **quickstart},
            "bench": {
                "name": "humaneval",
                "subset": {"task_ids": search, "heldout_ids": heldout},
            },
            "limits": {"max_steps": 6, "wall_clock_s": 60, "grace_s": 10},
        }
    )
    run = RunDir.create(tmp_path / "run", "# test\n")
    with open_real_world(section, "t", 0, run.path, run.db_path) as opened:
        yield opened


def test_a_self_modification_changes_what_the_agent_solves(tmp_path: Path) -> None:
    search = tasks_of(1, 2)
    heldout = tasks_of(0, 1) + tasks_of(1, 3)[2:]
    with world(tmp_path, search, heldout, broken_share=0.0, harmful_share=0.0) as real:
        root = real.evaluate(0, search[0])
        assert not root.success
        assert root.details["stop_reason"] == "finished"
        assert root.details["diff_stats"]["files"] == 1  # a wrong solution, not an empty one
        grown = real.expand(0, 1)
        assert grown.ok, grown.reason
        assert grown.details["entry"]["kind"] == "sample_task"  # the store holds no results
        archive = Archive.open(tmp_path / "run" / ARCHIVE_NAME)
        line = guideline(1)
        assert line is not None
        metadata = archive.record(1).metadata
        assert line in metadata["problem_statement"]
        assert metadata["job"] == "expand-1"
        assert f"+{line}" in archive.diff(1)
        roles = [call.role for call in calls_for_job(tmp_path / "run" / "run.db", "expand-1")]
        assert roles == ["diagnose", "self_improve", "self_improve"]
        # the child's own code now makes the model solve category-1 tasks; the root's does not
        assert real.evaluate(1, search[1]).success
        assert not real.evaluate(0, search[1]).success
        assert real.certify(1, heldout[-1]).success
        assert not real.certify(0, heldout[-1]).success
        assert real.certify(0, heldout[0]).success  # category 0 needs no guideline
        again = real.expand(0, 1)  # a resumed job whose child was already committed
        assert again.ok and again.details["recovered"]
        marker = tmp_path / "run" / "artifacts" / f"eval-0-{search[0]}" / "stale"
        marker.write_text("from an interrupted attempt")
        real.evaluate(0, search[0])
        assert not marker.exists()


def test_a_broken_self_modification_is_rejected_and_charged(tmp_path: Path) -> None:
    search = tasks_of(2, 2)
    with world(tmp_path, search, [], broken_share=1.0, harmful_share=0.0, price_per_m=50.0) as real:
        outcome = real.expand(0, 1)
    assert not outcome.ok
    assert outcome.reason.startswith("rejected: unit tests failed: ")
    assert outcome.details["reason"] == outcome.reason
    calls = calls_for_job(tmp_path / "run" / "run.db", "expand-1")
    assert outcome.cost_usd == pytest.approx(sum(call.cost_usd for call in calls))
    assert outcome.cost_usd > 0
    assert Archive.open(tmp_path / "run" / ARCHIVE_NAME).agents() == [0]
    failure = tmp_path / "run" / "artifacts" / "expand-1" / "failure.json"
    assert "unit tests failed" in failure.read_text()
