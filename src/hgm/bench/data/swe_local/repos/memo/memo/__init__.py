"""A least-recently-used cache."""

from memo.lru import LRUCache

__all__ = ["LRUCache"]
