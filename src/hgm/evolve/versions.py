"""Agent versions checked out of the archive (once per agent), job directories, job costs."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from hgm.archive import Archive
from hgm.llm.recording import calls_for_job

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class AgentVersions:
    """Read-only working copies of agent versions under `root/<id>/`, made on first use.

    A copy is written to a temporary directory and renamed into place, so a copy that
    exists is complete (also after a crash); two threads racing keep the first one.
    """

    def __init__(self, archive: Archive, root: Path) -> None:
        self.archive = archive
        self.root = root

    def directory(self, agent: int) -> Path:
        final = self.root / str(agent)
        if final.is_dir():
            return final
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{agent}-", dir=self.root))
        self.archive.checkout(agent, staging / "agent")
        try:
            (staging / "agent").rename(final)
        except OSError:  # another thread got there first
            if not final.is_dir():
                raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return final


def job_dir_name(job: str) -> str:
    """A job key as a directory name (task ids may hold `/` or other characters)."""
    return _UNSAFE.sub("_", job)


def fresh_job_dir(artifacts: Path, job: str) -> Path:
    """`artifacts/<job>/`, emptied first when a resumed run does the job again."""
    path = artifacts / job_dir_name(job)
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def job_cost(db_path: Path, job: str) -> float:
    """USD the gateway recorded for `job`, every attempt of it included (resumes too)."""
    return sum(call.cost_usd for call in calls_for_job(db_path, job))
