"""What a policy can decide to do next."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Expand:
    """Ask `parent` to produce a child by modifying its own code."""

    parent: int


@dataclass(frozen=True, slots=True)
class Evaluate:
    """Run `agent` on one benchmark task `task`."""

    agent: int
    task: str


@dataclass(frozen=True, slots=True)
class Wait:
    """Nothing to start now: wait for work in flight to finish."""


Action = Expand | Evaluate | Wait
