"""Split sequences into pages."""

from pagerkit.pages import Page, page_count, paginate

__all__ = ["Page", "page_count", "paginate"]
