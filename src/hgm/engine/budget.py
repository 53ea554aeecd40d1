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

    `expansion_cost` charges every expansion started that many evaluation units against
    `task_evals` (0: the paper's accounting, where only evaluations count). With a cost,
    an expansion starts only if it fits in what remains, and the run stops when no
    evaluation fits.

    Failed expansions are free in the paper's accounting, so a policy that keeps drawing a
    parent whose expansions always fail would never spend its evaluations and never stop.
    With `expansions` unset, at most `2 x task_evals` expansions start; at the cap the
    policies only evaluate.
    """

    task_evals: int
    expansions: int | None = None
    wall_clock_s: float | None = None
    money_usd: float | None = None
    expansion_cost: float = 0.0

    def __post_init__(self) -> None:
        if self.task_evals < 0:
            raise UserError(f"budget task_evals must be >= 0, given {self.task_evals}")
        if not 0.0 <= self.expansion_cost <= 1e6:
            raise UserError(
                f"budget expansion_cost must be in [0, 1e6] evaluation units, "
                f"given {self.expansion_cost}"
            )
        for name in ("expansions", "wall_clock_s", "money_usd"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise UserError(f"budget {name} must be >= 0 or unset, given {value}")

    def expansion_cap(self) -> int:
        """Expansions that may start: the explicit cap, else twice the evaluation budget."""
        if self.expansions is not None:
            return self.expansions
        return math.ceil(DEFAULT_EXPANSIONS_PER_EVALUATION * self.task_evals)
