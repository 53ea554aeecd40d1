"""What the harness records about an agent job and an evaluation (JSON-ready)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hgm.bench.diffs import FileDiff, split_diff
from hgm.bench.types import Grade
from hgm.evolve.bounded_diff import DEFAULT_MAX_DIFF_BYTES, OmittedFile
from hgm.llm.config import Role
from hgm.llm.ledger import JobUsage
from hgm.sandbox.types import Completed

RECORD_SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class DiffStats:
    """Files, added and removed lines and binary files of a diff, as git reads it."""

    files: int
    added: int
    removed: int
    binary: int = 0

    @classmethod
    def of(cls, diff: str) -> DiffStats:
        return cls.of_sections(split_diff(diff))

    @classmethod
    def of_sections(cls, sections: Sequence[FileDiff]) -> DiffStats:
        return cls(
            files=sum(section.patches for section in sections),
            added=sum(section.added for section in sections),
            removed=sum(section.removed for section in sections),
            binary=sum(1 for section in sections if section.binary),
        )


@dataclass(frozen=True, slots=True)
class AgentRun:
    """One run of an agent version in the sandbox, seen from the host.

    `stop_reason`/`stop_detail` come from the agent's own `result.json` (untrusted, for
    diagnosis only); `llm_last_status` is the gateway's record of the job's last LLM call
    ("ok" or the error type; None: no call); `process` is what the sandbox observed;
    `diff` was computed on the host against the pristine snapshot, within
    `diff_cap_bytes`: `diff_omitted` lists the first files it leaves out (of
    `diff_omitted_count`), `diff_error` says why there is no diff when there could be
    none; `diff_files` holds its file sections as git wrote them (not part of the record:
    the diff is). `timings` (seconds): `prepare` (workspace, snapshot, agent copy,
    TASK.json), `agent` (the sandboxed process, launch included), `diff`, `total`.
    """

    job: str
    agent: str
    role: Role
    job_dir: Path
    repo_dir: Path
    out_dir: Path
    process: Completed
    stop_reason: str | None
    stop_detail: str | None
    usage: JobUsage
    diff: str
    diff_error: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    diff_stats: DiffStats = DiffStats(0, 0, 0)
    diff_files: tuple[FileDiff, ...] = field(default=(), repr=False, compare=False)
    diff_omitted: tuple[OmittedFile, ...] = ()
    diff_omitted_count: int = 0
    diff_cap_bytes: int = DEFAULT_MAX_DIFF_BYTES
    llm_last_status: str | None = None

    @property
    def trajectory(self) -> Path:
        """The agent's own log (the gateway's `llm_calls` rows are the authoritative one)."""
        return self.out_dir / "trajectory.jsonl"

    def to_dict(self) -> dict[str, Any]:
        process = dataclasses.asdict(self.process)
        return {
            "job": self.job,
            "agent": self.agent,
            "role": self.role,
            "job_dir": str(self.job_dir),
            "repo_dir": str(self.repo_dir),
            "out_dir": str(self.out_dir),
            "trajectory": str(self.trajectory),
            "process": process | {"killed": self.process.killed.value},
            "stop_reason": self.stop_reason,
            "stop_detail": self.stop_detail,
            "usage": dataclasses.asdict(self.usage) | {"tokens": self.usage.tokens},
            "diff": self.diff,
            "diff_stats": dataclasses.asdict(self.diff_stats),
            "diff_error": self.diff_error,
            "diff_cap_bytes": self.diff_cap_bytes,
            "diff_omitted": [dataclasses.asdict(omitted) for omitted in self.diff_omitted],
            "diff_omitted_count": self.diff_omitted_count,
            "timings": self.timings,
            "llm_last_status": self.llm_last_status,
        }


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One agent version graded on one task.

    `overhead_s` is the harness's own time: everything except the agent's process and the
    test command (workspace, snapshot, copies, diff, grading set-up, records).
    """

    task: str
    run: AgentRun
    grade: Grade
    wall_s: float
    test_s: float
    overhead_s: float

    @property
    def resolved(self) -> bool:
        return self.grade.resolved

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": RECORD_SCHEMA_VERSION,
            "task": self.task,
            "resolved": self.resolved,
            "wall_s": self.wall_s,
            "test_s": self.test_s,
            "overhead_s": self.overhead_s,
            "grade": dataclasses.asdict(self.grade),
            "run": self.run.to_dict(),
        }

    def write(self, path: Path) -> None:
        """record.json: UTF-8; bytes of the diff that are not UTF-8 stay exact as `\\udcNN`
        escapes (`json.loads` gives them back as surrogate escapes, see hgm.bench.diffs)."""
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"
        path.write_bytes(text.encode("utf-8", "backslashreplace"))
