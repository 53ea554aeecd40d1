"""What an agent job is given: the task (TASK.json of the agent contract) and its limits."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hgm.bench.types import Task
from hgm.evolve.bounded_diff import DEFAULT_MAX_DIFF_BYTES
from hgm.llm.ledger import JobLimits
from hgm.sandbox.types import Limits


class AgentLimits(BaseModel):
    """Limits of one agent job: the sandbox's hard limits, what TASK.json tells the agent,
    and the gateway's per-job LLM budget (None: unlimited, or the gateway's defaults)."""

    model_config = ConfigDict(extra="forbid")

    wall_s: float = Field(default=1800.0, gt=0, description="hard wall clock: SIGKILL after it")
    grace_s: float = Field(
        default=15.0, ge=0, description="the agent is told wall_s - grace_s, to stop cleanly"
    )
    cpu_s: float | None = Field(default=None, gt=0)
    memory_mb: int | None = Field(default=4096, gt=0)
    pids: int | None = Field(default=512, gt=0)
    file_size_mb: int | None = Field(default=1024, gt=0)
    max_steps: int = Field(default=50, gt=0, description="LLM calls the agent may make")
    max_tokens: int | None = Field(default=None, gt=0)
    command_timeout_s: float = Field(default=180.0, gt=0)
    llm_usd: float | None = Field(default=None, ge=0)
    llm_tokens: int | None = Field(default=None, ge=0)
    llm_calls: int | None = Field(default=None, ge=0)
    max_diff_bytes: int = Field(
        default=DEFAULT_MAX_DIFF_BYTES,
        gt=0,
        description="cap on the diff the host takes from the repository (files beyond it "
        "are left out and reported)",
    )

    @model_validator(mode="after")
    def _grace_below_wall(self) -> AgentLimits:
        if self.grace_s >= self.wall_s:
            raise ValueError(
                f"grace_s ({self.grace_s:g}) must be smaller than wall_s ({self.wall_s:g})"
            )
        return self

    def sandbox_limits(self) -> Limits:
        return Limits(
            wall_s=self.wall_s,
            cpu_s=self.cpu_s,
            memory_mb=self.memory_mb,
            pids=self.pids,
            file_size_mb=self.file_size_mb,
        )

    def task_limits(self) -> dict[str, Any]:
        """The `limits` object of TASK.json (the agent contract's names)."""
        return {
            "max_steps": self.max_steps,
            "wall_clock_s": self.wall_s - self.grace_s,
            "max_tokens": self.max_tokens,
            "command_timeout_s": self.command_timeout_s,
        }

    def job_limits(self) -> JobLimits:
        return JobLimits(usd=self.llm_usd, tokens=self.llm_tokens, calls=self.llm_calls)


@dataclass(frozen=True, slots=True)
class AgentTask:
    """The task an agent job works on. For self-modification, `instructions` is the problem
    statement ("improve yourself: ...") and the repository is a copy of the agent's source."""

    id: str
    instructions: str
    language: str
    test_command: str | None = None

    @classmethod
    def from_task(cls, task: Task) -> AgentTask:
        visible = task.metadata.get("test_command")
        return cls(
            task.id, task.instructions, task.language, visible if isinstance(visible, str) else None
        )

    def write(self, path: Path, limits: AgentLimits, model: dict[str, int] | None = None) -> None:
        """Write TASK.json as the agent contract describes it; `model` adds the model's
        limits (`max_tokens_per_call`, `context_window`) to `limits`."""
        data: dict[str, Any] = {
            "id": self.id,
            "instructions": self.instructions,
            "language": self.language,
            "limits": limits.task_limits() | (model or {}),
        }
        if self.test_command:
            data["test_command"] = self.test_command
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
