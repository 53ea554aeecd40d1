"""The run's limits, read from TASK.json's `limits` object (unknown keys are ignored)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Limits:
    max_steps: int = 50  # LLM calls
    wall_clock_s: float = 1800.0
    max_tokens: int | None = None  # total tokens, summed from the responses' `usage`
    command_timeout_s: float = 180.0  # per bash command
    max_tokens_per_call: int | None = None  # the longest reply the model may give (per call)
    context_window: int | None = None  # the model's window in tokens, when known

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Limits:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in known and v is not None})
