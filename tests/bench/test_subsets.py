"""Subsets: disjoint, deterministic for a seed, clear errors."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hgm.bench.subsets import SubsetConfig, split_tasks
from hgm.bench.types import Task
from hgm.errors import UserError

TASKS = [Task(id=f"t{i}", language="python", instructions="") for i in range(20)]


def ids(tasks: list[Task]) -> list[str]:
    return [task.id for task in tasks]


def test_default_is_everything_and_nothing_held_out() -> None:
    search, heldout = split_tasks(TASKS, SubsetConfig())
    assert ids(search) == ids(TASKS)
    assert heldout == []


def test_seeded_sample_and_fraction_are_disjoint_and_deterministic() -> None:
    config = SubsetConfig(size=8, seed=3, heldout_fraction=0.25)
    search, heldout = split_tasks(TASKS, config)
    assert len(search) == 8
    assert len(heldout) == 5
    assert not set(ids(search)) & set(ids(heldout))
    assert split_tasks(TASKS, config) == (search, heldout)
    assert ids(search) == [t for t in ids(TASKS) if t in ids(search)]  # task order kept


def test_different_seeds_give_different_draws() -> None:
    draws = {tuple(ids(split_tasks(TASKS, SubsetConfig(size=5, seed=s))[0])) for s in range(6)}
    assert len(draws) > 1


def test_held_out_part_does_not_depend_on_search_size() -> None:
    small = split_tasks(TASKS, SubsetConfig(size=3, seed=1, heldout_size=4))[1]
    large = split_tasks(TASKS, SubsetConfig(size=10, seed=1, heldout_size=4))[1]
    assert small == large


def test_named_search_tasks_with_drawn_held_out_tasks() -> None:
    config = SubsetConfig(name="mine", task_ids=("t1", "t2", "t3"), heldout_size=17)
    search, heldout = split_tasks(TASKS, config)
    assert ids(search) == ["t1", "t2", "t3"]
    assert set(ids(heldout)) == set(ids(TASKS)) - {"t1", "t2", "t3"}


def test_named_held_out_tasks() -> None:
    search, heldout = split_tasks(TASKS, SubsetConfig(heldout_ids=("t0", "t19")))
    assert ids(heldout) == ["t0", "t19"]
    assert len(search) == 18


def test_unknown_ids_are_named() -> None:
    with pytest.raises(UserError, match=r"unknown task ids nope.*e\.g\. t0"):
        split_tasks(TASKS, SubsetConfig(task_ids=("t1", "nope")))
    with pytest.raises(UserError, match="heldout_ids: unknown task ids zzz"):
        split_tasks(TASKS, SubsetConfig(heldout_ids=("zzz",)))


def test_sizes_too_large() -> None:
    with pytest.raises(UserError, match=r"size .* is 30, but only 20"):
        split_tasks(TASKS, SubsetConfig(size=30))
    with pytest.raises(UserError, match=r"size .* is 11, but only 10"):
        split_tasks(TASKS, SubsetConfig(size=11, heldout_size=10))
    with pytest.raises(UserError, match="no tasks to search"):
        split_tasks(TASKS, SubsetConfig(heldout_ids=tuple(ids(TASKS))))


def test_config_rejects_conflicts_and_unknown_keys() -> None:
    with pytest.raises(ValidationError, match="either task_ids or size"):
        SubsetConfig(task_ids=("t1",), size=1)
    with pytest.raises(ValidationError, match="not several"):
        SubsetConfig(heldout_size=2, heldout_fraction=0.5)
    with pytest.raises(ValidationError, match="both searched and held out: t1"):
        SubsetConfig(task_ids=("t1",), heldout_ids=("t1",))
    with pytest.raises(ValidationError, match="Extra inputs"):
        SubsetConfig.model_validate({"sise": 3})
    with pytest.raises(ValidationError):
        SubsetConfig(heldout_fraction=1.5)
    with pytest.raises(UserError, match="listed twice"):
        split_tasks(TASKS, SubsetConfig(task_ids=("t1", "t1")))
