"""Which tasks a run searches on, and a held-out part it never sees (to certify the result).

The held-out part is chosen first (named ids, or a seeded draw), then the search tasks
from what is left (named ids, a seeded sample of `size`, or all of the rest). Both keep
the benchmark's task order, and the same seed always gives the same split.
"""

from __future__ import annotations

import random
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hgm.bench.types import Task
from hgm.errors import UserError


class SubsetConfig(BaseModel):
    """A named or seeded subset of a benchmark's tasks plus a disjoint held-out subset."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["subset"] = "subset"
    name: str = Field(default="all", min_length=1, description="label for reports")
    task_ids: tuple[str, ...] | None = Field(
        default=None, min_length=1, description="the search tasks, by id"
    )
    size: int | None = Field(default=None, ge=1, description="a seeded sample of this many")
    seed: int = Field(default=0, description="drives every draw below")
    heldout_ids: tuple[str, ...] = Field(default=(), description="held-out tasks, by id")
    heldout_size: int | None = Field(default=None, ge=1, description="draw this many")
    heldout_fraction: float | None = Field(
        default=None, gt=0.0, lt=1.0, description="draw this share of the tasks (rounded)"
    )

    @model_validator(mode="after")
    def _one_way_each(self) -> SubsetConfig:
        if self.task_ids is not None and self.size is not None:
            raise ValueError("give either task_ids or size for the search tasks, not both")
        heldout_ways = [
            name
            for name, value in (
                ("heldout_ids", self.heldout_ids or None),
                ("heldout_size", self.heldout_size),
                ("heldout_fraction", self.heldout_fraction),
            )
            if value is not None
        ]
        if len(heldout_ways) > 1:
            raise ValueError(f"give one of {', '.join(heldout_ways)}, not several")
        if self.task_ids is not None and set(self.task_ids) & set(self.heldout_ids):
            both = sorted(set(self.task_ids) & set(self.heldout_ids))
            raise ValueError(f"tasks both searched and held out: {', '.join(both[:5])}")
        return self


def _check_known(ids: tuple[str, ...], known: dict[str, Task], field: str) -> None:
    unknown = [task_id for task_id in ids if task_id not in known]
    if unknown:
        sample = ", ".join(list(known)[:5])
        raise UserError(
            f"subset {field}: unknown task ids {', '.join(unknown[:5])}; "
            f"the benchmark has {len(known)} tasks, e.g. {sample}"
        )
    repeated = sorted({task_id for task_id in ids if ids.count(task_id) > 1})
    if repeated:
        raise UserError(f"subset {field}: ids listed twice: {', '.join(repeated[:5])}")


def _draw(pool: list[str], count: int, rng: random.Random, what: str) -> set[str]:
    if count > len(pool):
        raise UserError(f"subset {what} is {count}, but only {len(pool)} tasks are available")
    return set(rng.sample(pool, count))


def split_tasks(tasks: list[Task], config: SubsetConfig) -> tuple[list[Task], list[Task]]:
    """(search tasks, held-out tasks): disjoint, deterministic for a seed, in task order."""
    known = {task.id: task for task in tasks}
    if len(known) != len(tasks):
        raise UserError("the benchmark lists a task id more than once")
    if config.task_ids is not None:
        _check_known(config.task_ids, known, "task_ids")
    _check_known(config.heldout_ids, known, "heldout_ids")
    explicit_search = set(config.task_ids or ())
    pool = [task_id for task_id in known if task_id not in explicit_search]
    heldout_rng = random.Random(f"hgm-heldout:{config.seed}")
    if config.heldout_size is not None:
        heldout = _draw(pool, config.heldout_size, heldout_rng, "heldout_size")
    elif config.heldout_fraction is not None:
        count = max(1, round(config.heldout_fraction * len(known)))
        heldout = _draw(pool, count, heldout_rng, f"heldout_fraction ({count} tasks)")
    else:
        heldout = set(config.heldout_ids)
    if config.task_ids is not None:
        search = explicit_search
    else:
        rest = [task_id for task_id in known if task_id not in heldout]
        if config.size is not None:
            search_rng = random.Random(f"hgm-search:{config.seed}")
            search = _draw(rest, config.size, search_rng, "size (after the held-out part)")
        else:
            search = set(rest)
    if not search:
        raise UserError("the subset leaves no tasks to search on; hold out fewer tasks")
    return (
        [task for task in tasks if task.id in search],
        [task for task in tasks if task.id in heldout],
    )
