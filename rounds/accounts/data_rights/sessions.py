"""End a member's sessions wherever they live (database rows and, for ``cached_db``, the cache).

Django keeps no index from a member to their sessions, so we read the session table in chunks
and decode each row (the same decoding the session engine uses). This runs when a member asks
for their account to be deleted (every other session) and when the account is purged (all).
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session

CHUNK = 2000


def _store_class() -> Any:
    return import_module(settings.SESSION_ENGINE).SessionStore


def session_keys_for(user_ids: Iterable[int]) -> list[str]:
    """Keys of every stored session (expired or not) signed in as one of ``user_ids``."""
    wanted = {str(uid) for uid in user_ids}
    if not wanted:
        return []
    store = _store_class()()
    keys = []
    rows = Session.objects.order_by().values_list("session_key", "session_data")
    for key, data in rows.iterator(chunk_size=CHUNK):
        decoded = store.decode(data)  # {} for rows it cannot read
        if str(decoded.get(SESSION_KEY, "")) in wanted:
            keys.append(key)
    return keys


def sessions_end_for(user_ids: Iterable[int], *, keep: str | None = None) -> int:
    """Delete every session of ``user_ids`` except the one keyed ``keep``; returns how many.

    Each is deleted through the session engine, so a ``cached_db`` session leaves the cache
    (Redis) as well as the table.
    """
    store_class = _store_class()
    keys = [key for key in session_keys_for(user_ids) if key != keep]
    for key in keys:
        store_class(session_key=key).delete()
    return len(keys)
