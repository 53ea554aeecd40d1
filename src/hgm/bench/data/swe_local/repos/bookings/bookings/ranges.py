"""Half-open time ranges [start, end)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TimeRange:
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("a time range must end after it starts")


def overlaps(a: TimeRange, b: TimeRange) -> bool:
    """True if the two ranges share any instant (touching ends do not count)."""
    starts_inside = a.start <= b.start < a.end
    ends_inside = a.start < b.end <= a.end
    return starts_inside or ends_inside
