"""The bounded cache the stores keep of data that never changes once written."""

from __future__ import annotations

import pytest

from pm_common.lru import Lru

pytestmark = pytest.mark.unit


def test_the_least_recently_used_key_goes_first_and_a_read_counts_as_a_use() -> None:
    cache: Lru[str, int] = Lru(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # now "b" is the oldest
    cache.put("c", 3)
    assert "b" not in cache and cache.get("a") == 1 and cache.get("c") == 3 and len(cache) == 2
    assert cache.pop("a") == 1 and cache.get("a") is None and cache.pop("a") is None
