"""The discovery list's first pages from cached candidates, exact for every viewer (issue 7,
bench).

The list (``rows.discover_page``) is one compiled statement per shape, but PostgreSQL plans it
again on every execution: its generic plan (a range on ``starts_at`` under a ``LIMIT`` whose
selectivity it cannot know) is far worse than a custom one, so it keeps choosing custom plans,
~0.7 ms of planning per request for ~0.3 ms of execution. Which events *could* be on a page
is the same for every viewer, though; only the group and block rules, the viewer's columns
and the counters differ. So:

- **candidates per shape and filter values** (``_candidates``): the ids, in list order, of the
  first ``rows needed + SPARE`` events the list may show to anyone (published, not moderated
  away, not ended, the filters), computed by one statement and kept in the shared cache with
  the **events version** they were computed under, the instant they were computed for
  (``as_of``) and the earliest end among them (``first_end``);
- **the viewer's page from them** (``rows.DISCOVER_ROWS`` shape ``by_ids``): the list's own
  statement (visibility for this viewer, blocks both ways, state, moderation, "now", the
  filters, the viewer's registration and co-organizer flag, the current counters) restricted
  to those ids; a statement whose generic plan (primary-key probes) is good, so PostgreSQL
  plans it once per connection.

Why this is exactly the direct query's page. Let ``C(t)`` be the events the list may show to
anyone at ``t`` and ``R(t) ⊆ C(t)`` the viewer's. The events version changes (at once and
again on commit, signals below) with every save or delete of an event, every change of its
specialties or topics and every save or delete of a skill, and explicitly in the few
``QuerySet.update`` calls that change what the candidates depend on, so under one version
nothing *enters* ``C``: time only takes events out of it (``ends_at > now``), and the list
order (``starts_at``, id) of an event never moves. An entry is used only under the current
version and for ``as_of <= now``, so ``C(now) ⊆ C(as_of)``. The candidates are the first
``N`` of ``C(as_of)``; every event of ``R(now)`` missing from them sorts after all of them.
Hence when the by-ids read returns at least the rows the page needs, they are the direct
query's rows; when it returns fewer and the candidates were all of ``C(as_of)`` (not cut at
``N``), they are all of ``R(now)``; otherwise (a viewer whose private groups, blocks or the
clock took out more than ``SPARE``) the direct query runs. A candidate ending makes the entry
stale (``first_end``), so time alone never pushes members to the direct query.

Writes that bypass the signals (bulk loads, a raw ``UPDATE``) show within
``CANDIDATE_SECONDS``. Removals show at once whatever their path (the read applies every
rule again).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime
from typing import Any

from django.core.cache import cache

from rounds.core.cache import VersionToken

VERSION_KEY = "events:list-version"
#: Seconds a candidate list is kept (each new events version starts new entries anyway).
CANDIDATE_SECONDS = 300
#: Candidates beyond the rows a page needs, for events the viewer may not see.
SPARE = 20
#: Pages that need more rows than this (deep pages, big API pages) take the direct query.
MAX_CACHED_ROWS = 101


_VERSION = VersionToken(VERSION_KEY)


def events_version() -> str:
    """The current version token (``core.cache.VersionToken``)."""
    return _VERSION.current()


def events_list_changed() -> None:
    """Something the candidates depend on changed: new entries for every list."""
    _VERSION.changed()


def _key(shape: Any, values: dict[str, Any]) -> str:
    bound = tuple(
        (name, values[name])
        for name in sorted(values)
        if name not in ("now", "since", "viewer_id", "ids")
    )
    raw = repr((shape, bound)).encode()
    return f"events:candidates:{hashlib.sha256(raw).hexdigest()}"


def _fresh(entry: Any, version: str, now: datetime) -> bool:
    if not isinstance(entry, tuple) or len(entry) != 5:
        return False
    entry_version, as_of, first_end, _complete, _ids = entry
    if entry_version != version or as_of > now:
        return False
    return first_end is None or first_end > now


def cached_page_rows(
    shape: Any, values: dict[str, Any], *, using: str, vendor: str
) -> list[tuple[Any, ...]] | None:
    """The rows of ``rows.DISCOVER_ROWS.rows(shape, **values)`` read through the cached
    candidates, or None when the direct query must answer (a deep page; a viewer for whom
    the candidates fall short)."""
    from .rows import DISCOVER_ROWS, ids_param

    needed = shape.offset + shape.limit
    if needed > MAX_CACHED_ROWS:
        return None
    now: datetime = values["now"]
    wanted = replace(shape, member=False, read="candidates", offset=0, limit=needed + SPARE)
    key = _key(wanted, values)
    found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY)
    if version is None:
        version = events_version()
    entry: Any = found.get(key)
    if not _fresh(entry, version, now):
        names = {name: values[name] for name in values if name != "viewer_id"}
        computed = DISCOVER_ROWS.rows(wanted, using=using, viewer_id=None, **names)
        first_end = min((ends_at for _pk, ends_at in computed), default=None)
        complete = len(computed) < wanted.limit
        entry = (version, now, first_end, complete, [pk for pk, _ends_at in computed])
        cache.set(key, entry, timeout=CANDIDATE_SECONDS)
    _version, _as_of, _first_end, complete, ids = entry
    if not ids:
        return []
    read = replace(shape, read="by_ids", vendor=vendor, offset=0, limit=needed, driven=())
    rows = DISCOVER_ROWS.rows(read, using=using, **values, ids=ids_param(vendor, ids))
    if len(rows) < needed and not complete:
        return None
    return rows[shape.offset :]


def _changed(sender: Any, **kwargs: Any) -> None:
    events_list_changed()


def connect_signals() -> None:
    """Every save or delete of an event or a skill and every change of an event's specialties
    or topics changes the events version (``EventsConfig.ready``)."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from .models import Event, EventSkill

    for model in (Event, EventSkill):
        uid = f"events-list-{model.__name__}"
        post_save.connect(_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"{uid}-delete")
    for through in (Event.specialties.through, Event.topics.through):
        m2m_changed.connect(
            _changed, sender=through, dispatch_uid=f"events-list-{through.__name__}"
        )
