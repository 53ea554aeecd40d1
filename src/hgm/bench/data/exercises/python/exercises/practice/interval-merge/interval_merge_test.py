import pytest
from interval_merge import merge_intervals


def test_no_intervals():
    assert merge_intervals([]) == []


def test_single_interval_is_kept():
    assert merge_intervals([(5, 9)]) == [(5, 9)]


def test_disjoint_intervals_are_sorted():
    assert merge_intervals([(20, 30), (1, 4)]) == [(1, 4), (20, 30)]


def test_overlapping_intervals_merge():
    assert merge_intervals([(1, 5), (3, 8), (10, 12)]) == [(1, 8), (10, 12)]


def test_touching_intervals_merge():
    assert merge_intervals([(1, 3), (3, 6)]) == [(1, 6)]


def test_contained_interval_disappears():
    assert merge_intervals([(0, 100), (10, 20), (30, 40)]) == [(0, 100)]


def test_invalid_interval_raises():
    with pytest.raises(ValueError, match="invalid interval"):
        merge_intervals([(1, 2), (9, 3)])
