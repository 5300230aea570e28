"""Per-process copies of content-addressed cache entries (``rounds.core.cache``): pages and
fragments whose keys name their content are read from Redis once per process, for at most a
minute; nothing else is ever kept locally."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings

from rounds.core.cache import LocalCopies, LocalCopyRedisCache


def test_local_copies_drop_the_least_recently_used_beyond_their_size():
    copies = LocalCopies(max_chars=800, seconds=60)  # values up to 100 characters
    for name in "abcdefgh":
        copies.put(name, name * 100)  # 800 characters: full
    assert copies.get("a") == "a" * 100  # now the most recently used
    copies.put("i", "i" * 100)  # "b" goes, the least recently used
    assert copies.get("b") is None
    assert all(copies.get(name) == name * 100 for name in "acdefghi")
    copies.put("huge", "h" * 101)  # more than an eighth of the room: never kept
    assert copies.get("huge") is None and len(copies) == 8
    copies.put("a", "short")  # replacing a value counts only the new one
    copies.put("j", "j" * 95)
    assert len(copies) == 9 and copies.get("a") == "short"


def test_local_copies_expire(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr("rounds.core.cache.time.monotonic", lambda: now[0])
    copies = LocalCopies(max_chars=1000, seconds=60)
    copies.put("page", "<html>")
    now[0] += 59
    assert copies.get("page") == "<html>"
    now[0] += 2
    assert copies.get("page") is None and len(copies) == 0


@pytest.fixture
def redis_caches():
    """Two backends on the same Redis, as two web processes see it (skipped without Redis)."""
    if not settings.REDIS_URL:
        pytest.skip("needs Redis (REDIS_URL)")
    prefix = f"test-local-{uuid.uuid4().hex[:8]}"
    caches = [LocalCopyRedisCache(settings.REDIS_URL, {"KEY_PREFIX": prefix}) for _ in range(2)]
    yield caches
    caches[0].clear()


def _remove_from_redis(cache: LocalCopyRedisCache, key: str) -> None:
    cache._cache.get_client(write=True).delete(cache.make_key(key))


def test_content_addressed_values_are_read_from_redis_once_per_process(redis_caches):
    one, two = redis_caches
    one.set("html:abc", "<p>page</p>", 60)
    one.set("session:abc", "secret", 60)
    one.set("html:data", {"not": "text"}, 60)
    assert two.get("html:abc") == "<p>page</p>"  # from Redis, and kept by ``two``
    _remove_from_redis(one, "html:abc")
    _remove_from_redis(one, "session:abc")
    _remove_from_redis(one, "html:data")
    assert one.get("html:abc") == "<p>page</p>"  # the writer kept what it wrote
    assert two.get("html:abc") == "<p>page</p>"
    assert one.get("session:abc") is None  # other keys always ask Redis
    assert one.get("html:data") is None  # only text is kept


def test_get_many_mixes_local_copies_and_redis(redis_caches):
    one, two = redis_caches
    one.set_many({"frag:1": "<li>1</li>", "frag:2": "<li>2</li>", "other": "x"}, 60)
    assert two.get_many(["frag:1", "frag:2", "other", "frag:missing"]) == {
        "frag:1": "<li>1</li>",
        "frag:2": "<li>2</li>",
        "other": "x",
    }
    for key in ("frag:1", "frag:2", "other"):
        _remove_from_redis(one, key)
    assert two.get_many(["frag:1", "frag:2", "other"]) == {
        "frag:1": "<li>1</li>",
        "frag:2": "<li>2</li>",
    }


def test_delete_and_clear_drop_the_local_copies(redis_caches):
    one, _ = redis_caches
    one.set("html:a", "A", 60)
    one.set("html:b", "B", 60)
    one.delete("html:a")
    assert one.get("html:a") is None
    one.clear()
    assert one.get("html:b") is None and len(one.local) == 0
