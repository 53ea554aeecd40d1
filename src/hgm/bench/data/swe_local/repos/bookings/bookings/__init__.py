"""Room bookings with clash detection."""

from bookings.calendar import Calendar, Clash
from bookings.ranges import TimeRange, overlaps

__all__ = ["Calendar", "Clash", "TimeRange", "overlaps"]
