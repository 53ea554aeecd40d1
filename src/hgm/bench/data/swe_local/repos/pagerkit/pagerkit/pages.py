"""Pagination helpers: page numbers start at 1."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    number: int
    total_pages: int

    @property
    def has_next(self) -> bool:
        return self.number < self.total_pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def page_count(total: int, per_page: int) -> int:
    """How many pages `total` items fill, `per_page` at a time (at least one page)."""
    if per_page < 1:
        raise ValueError("per_page must be at least 1")
    if total < 0:
        raise ValueError("total must not be negative")
    return max(1, total // per_page)


def paginate(items: Sequence[T], page: int, per_page: int) -> Page[T]:
    """Return page number `page` (1-based) of `items`."""
    pages = page_count(len(items), per_page)
    if not 1 <= page <= pages:
        raise ValueError(f"page must be between 1 and {pages}, got {page}")
    start = (page - 1) * per_page
    return Page(items=list(items[start : start + per_page]), number=page, total_pages=pages)
