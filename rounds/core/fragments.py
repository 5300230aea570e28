"""Per-object fragments (rendered HTML, serialised payloads) cached under a version key.

A fragment is keyed by what it was built from: the object's primary key **and** its
``updated_at``. A write that changes what the fragment shows bumps ``updated_at`` (services
must make sure of that, see ``rounds.profiles.services.profile_touch``), so the next read
computes a new key and misses; nothing ever needs deleting, and no process can serve a stale
copy, whatever cache backend is configured (per-process memory or Redis).

Only content that is **the same for every viewer allowed to see the object** may be cached
here: the caller decides who may see the object (the selector that produced the keys), never
the cache.

Keys also carry ``FRAGMENT_VERSION``, a digest of the code that renders the fragments, so a
deploy that changes a template or a payload shape never reads fragments of the old code from a
shared cache. A timeout bounds what is left behind and covers the rare edits that do not go
through a service (the admin renaming an organization).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache

T = TypeVar("T")

#: Seconds a fragment lives at most (also bounds staleness after edits made outside services).
FRAGMENT_TIMEOUT = 600

#: Bump by hand when a fragment's shape changes in Python code; templates are hashed below.
FRAGMENT_SCHEMA = 1

_TEMPLATES = ("includes/member_card.html", "includes/field.html", "profiles/directory.html")


def _code_version() -> str:
    digest = hashlib.sha256(str(FRAGMENT_SCHEMA).encode())
    for name in _TEMPLATES:
        folders: Any = settings.TEMPLATES[0]["DIRS"]
        for folder in folders:
            path = Path(folder) / name
            if path.exists():
                digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


FRAGMENT_VERSION = _code_version()


def fragments_forget() -> None:
    """Move to a fresh key space, so every fragment is built again (tests count cold reads
    this way, without clearing a cache that other tests or the sessions share)."""
    global FRAGMENT_VERSION
    FRAGMENT_VERSION = f"{_code_version()}-{uuid.uuid4().hex[:8]}"


def fragment_key(kind: str, pk: int, updated_at: datetime) -> str:
    """The cache key of ``kind`` for object ``pk`` as of ``updated_at``."""
    return f"frag:{FRAGMENT_VERSION}:{kind}:{pk}:{updated_at.timestamp():.6f}"


def cached_fragments(
    kind: str,
    rows: Sequence[tuple[int, datetime]],
    build: Callable[[list[int]], dict[int, T]],
) -> list[T]:
    """The fragments of ``rows`` ((pk, updated_at) in display order), building the missing ones.

    ``build(pks)`` returns {pk: fragment} for the pks not cached; a pk it leaves out (the object
    was deleted in between) is dropped from the result. One cache round trip to read, one to
    write the missing fragments.
    """
    keys = {pk: fragment_key(kind, pk, updated_at) for pk, updated_at in rows}
    found: dict[str, Any] = cache.get_many(list(keys.values())) if keys else {}
    missing = [pk for pk, key in keys.items() if key not in found]
    if missing:
        built = build(missing)
        fresh = {keys[pk]: value for pk, value in built.items() if pk in keys}
        if fresh:
            cache.set_many(fresh, timeout=FRAGMENT_TIMEOUT)
        found.update(fresh)
    return [found[keys[pk]] for pk, _ in rows if keys[pk] in found]


def cached_fragment(kind: str, pk: int, updated_at: datetime, build: Callable[[], T]) -> T:
    """The fragment ``kind`` of one object, built by ``build()`` when not cached."""
    key = fragment_key(kind, pk, updated_at)
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout=FRAGMENT_TIMEOUT)
    return value  # type: ignore[no-any-return]
