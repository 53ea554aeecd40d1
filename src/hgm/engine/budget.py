"""The run's budget: task evaluations (the paper's unit) plus optional caps."""

from __future__ import annotations

import math
from dataclasses import dataclass

from hgm.errors import UserError

DEFAULT_EXPANSIONS_PER_EVALUATION = 2.0


@dataclass(frozen=True, slots=True)
class Budget:
    """`task_evals` evaluations, charged when each starts; optional caps on expansions started,
    elapsed seconds on the engine's clock, and money reported by the world (USD).

    Failed expansions are free in the paper's accounting, so a policy that keeps drawing a
    parent whose expansions always fail would never spend its evaluations and never stop.
    With `expansions` unset, at most `2 x task_evals` expansions start; at the cap the
    policies only evaluate.
    """

    task_evals: int
    expansions: int | None = None
    wall_clock_s: float | None = None
    money_usd: float | None = None

    def __post_init__(self) -> None:
        if self.task_evals < 0:
            raise UserError(f"budget task_evals must be >= 0, given {self.task_evals}")
        for name in ("expansions", "wall_clock_s", "money_usd"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise UserError(f"budget {name} must be >= 0 or unset, given {value}")

    def expansion_cap(self) -> int:
        """Expansions that may start: the explicit cap, else twice the evaluation budget."""
        if self.expansions is not None:
            return self.expansions
        return math.ceil(DEFAULT_EXPANSIONS_PER_EVALUATION * self.task_evals)
