"""Django's Redis cache backend, with one Redis client per connection pool.

Django's ``RedisCacheClient`` builds a new ``redis.Redis`` client for every cache call; each
construction copies redis-py's table of ~80 response callbacks (~40 µs). A page reads the cache
three or four times (session, fragments, page), so that was ~0.15 ms of every request. A
``redis.Redis`` client takes a connection from its pool per command and is safe to share
between threads (redis-py's documentation), so one client per pool does the same work.
"""

from __future__ import annotations

import threading
import time
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class RedisCache(DjangoRedisCache):
    """``django.core.cache.backends.redis.RedisCache`` sharing its Redis clients."""

    def __init__(self, server: Any, params: dict[str, Any]):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient


# --- local copies of content-addressed entries ------------------------------------------------
#
# Some keys name their content: a whole page or an HTML fragment cached under the digest of
# everything it shows (``html:…``, ``rounds.core.fragments``), a fragment under its object's
# ``updated_at`` (``frag:…``). Whatever process wrote such a key, its value for that key is the
# same, so each process may keep what it read or wrote in memory and skip the Redis round trip
# the next time (the warm page of a member who reloads it: one round trip fewer per request).
# A copy lives at most ``LOCAL_COPY_SECONDS``: it adds that much to how long an edit made
# outside the services (the admin) can show, nothing to the rest. Only text is kept (HTML), up to
# ``LOCAL_COPY_CHARS`` characters per process, least recently used first out.

#: Key prefixes whose values are content-addressed (see above).
LOCAL_COPY_PREFIXES = ("html:", "frag:")
LOCAL_COPY_SECONDS = 60.0
LOCAL_COPY_CHARS = 32 * 1024 * 1024


class LocalCopies:
    """An LRU with an age limit, safe between threads. Holds up to ``max_chars`` of text, or,
    with ``measure``, values of any kind up to that total measure (``measure=lambda v: 1``:
    that many values)."""

    def __init__(
        self,
        *,
        max_chars: int = LOCAL_COPY_CHARS,
        seconds: float = LOCAL_COPY_SECONDS,
        measure: Callable[[Any], int] = len,
    ):
        self.max_chars = max_chars
        self.seconds = seconds
        self._measure = measure
        self._entries: OrderedDict[str, tuple[float, Any, int]] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()
        _ALL.add(self)

    def get(self, key: str) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: str, value: Any) -> None:
        size = self._measure(value)
        if size > max(1, self.max_chars // 8):  # one value never takes most of the room
            return
        with self._lock:
            self._drop(key)
            self._entries[key] = (time.monotonic() + self.seconds, value, size)
            self._chars += size
            while self._chars > self.max_chars:
                self._drop(next(iter(self._entries)))

    def discard(self, key: str) -> None:
        with self._lock:
            self._drop(key)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._chars = 0

    def __len__(self) -> int:
        return len(self._entries)

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._chars -= entry[2]


_ALL: weakref.WeakSet[LocalCopies] = weakref.WeakSet()


def clear_local_copies() -> None:
    """Forget every local copy of this process (tests that need a cold read)."""
    for copies in list(_ALL):
        copies.clear()


def _local(key: Any) -> bool:
    return isinstance(key, str) and key.startswith(LOCAL_COPY_PREFIXES)


class LocalCopyRedisCache(RedisCache):
    """``RedisCache`` that keeps per-process copies of content-addressed text values (above)."""

    def __init__(self, server: Any, params: dict[str, Any]):
        super().__init__(server, params)
        self.local = LocalCopies()

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        if not _local(key):
            return super().get(key, default, version)
        name = self.make_key(key, version)
        value = self.local.get(name)
        if value is not None:
            return value
        value = super().get(key, default, version)
        if isinstance(value, str):
            self.local.put(name, value)
        return value

    def get_many(self, keys: Any, version: Any = None) -> dict[Any, Any]:
        keys = list(keys)
        found: dict[Any, Any] = {}
        remote = []
        for key in keys:
            value = self.local.get(self.make_key(key, version)) if _local(key) else None
            if value is None:
                remote.append(key)
            else:
                found[key] = value
        if remote:
            fetched = super().get_many(remote, version)
            for key, value in fetched.items():
                if _local(key) and isinstance(value, str):
                    self.local.put(self.make_key(key, version), value)
            found.update(fetched)
        return found

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        super().set(key, value, timeout, version)
        if _local(key) and isinstance(value, str):
            self.local.put(self.make_key(key, version), value)

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> list[Any]:
        failed = super().set_many(data, timeout, version)
        for key, value in data.items():
            if _local(key) and isinstance(value, str):
                self.local.put(self.make_key(key, version), value)
        return failed

    def delete(self, key: Any, version: Any = None) -> bool:
        if _local(key):
            self.local.discard(self.make_key(key, version))
        return bool(super().delete(key, version))

    def delete_many(self, keys: Any, version: Any = None) -> None:
        keys = list(keys)
        for key in keys:
            if _local(key):
                self.local.discard(self.make_key(key, version))
        super().delete_many(keys, version)

    def clear(self) -> None:
        self.local.clear()
        super().clear()


class VersionToken:
    """A shared token that changes whenever what a family of cache entries depends on changes:
    the entries carry (or are keyed on) the token they were computed under, so a change makes
    every one of them unreachable at once without finding them."""

    def __init__(self, key: str):
        self.key = key

    def current(self) -> str:
        """The current token (created when the cache has none)."""
        from django.core.cache import cache

        version = cache.get(self.key)
        if version is None:
            cache.add(self.key, uuid.uuid4().hex, timeout=None)
            version = cache.get(self.key) or "none"
        return str(version)

    def renew(self) -> None:
        from django.core.cache import cache

        cache.set(self.key, uuid.uuid4().hex, timeout=None)

    def changed(self) -> None:
        """A new token at once (readers in the same transaction see the change) and again once
        the transaction commits (a reader that cached old data in between did so under a token
        no later reader asks for)."""
        from django.db import transaction

        self.renew()
        transaction.on_commit(self.renew, robust=True)
