from datetime import datetime

import pytest
from bookings import Calendar, Clash, TimeRange, overlaps


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 5, 1, hour, minute)


def test_partial_overlap():
    assert overlaps(TimeRange(at(9), at(11)), TimeRange(at(10), at(12)))


def test_touching_ranges_do_not_overlap():
    assert not overlaps(TimeRange(at(9), at(10)), TimeRange(at(10), at(11)))


def test_disjoint_ranges():
    assert not overlaps(TimeRange(at(9), at(10)), TimeRange(at(14), at(15)))


def test_calendar_rejects_clash():
    calendar = Calendar()
    calendar.book("ana", TimeRange(at(9), at(11)))
    with pytest.raises(Clash):
        calendar.book("ben", TimeRange(at(10, 30), at(12)))
