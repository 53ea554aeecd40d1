import pytest
from memo import LRUCache


def test_evicts_oldest_when_full():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("c", 3)
    assert "a" not in cache
    assert cache.get("b") == 2
    assert cache.get("c") == 3
    assert cache.evictions == 1


def test_put_existing_key_updates_without_eviction():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 10)
    assert len(cache) == 2
    assert cache.get("a") == 10
    assert cache.evictions == 0


def test_missing_key_returns_default():
    assert LRUCache(1).get("nope", "fallback") == "fallback"


def test_capacity_must_be_positive():
    with pytest.raises(ValueError):
        LRUCache(0)
