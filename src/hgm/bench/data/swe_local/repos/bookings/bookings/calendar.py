"""A calendar of bookings for one room."""

from __future__ import annotations

from bookings.ranges import TimeRange, overlaps


class Clash(Exception):
    """The requested booking overlaps an existing one."""


class Calendar:
    def __init__(self) -> None:
        self._bookings: list[tuple[str, TimeRange]] = []

    def book(self, who: str, when: TimeRange) -> None:
        for other, taken in self._bookings:
            if overlaps(when, taken):
                raise Clash(f"{who} clashes with {other}")
        self._bookings.append((who, when))

    def bookings(self) -> list[tuple[str, TimeRange]]:
        return sorted(self._bookings, key=lambda booking: booking[1].start)
