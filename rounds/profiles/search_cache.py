"""Cached result pages of member searches by name and/or specialty, exact after every change.

A name search (``ILIKE '%son%'`` over 200,000 names) or a specialty filter costs the database
1–5 ms per page, the same for every member who asks. Each result page is therefore kept in the
shared cache as a list of profile ids, computed for *any* member (no one's blocks applied),
with the **directory version** it was computed under (read with it in one round trip): a token that changes after every committed change to a
profile or an account (signals below), so a page is never read after a change that could
alter it: a new member, a rename, a new headline or specialty, a deactivation, a deletion.

Per request the viewer's own rules are applied to the page's ids in one compiled query
(``profile_visible_to``: active, not leaving, no block either way) which also reads each
profile's current ``updated_at`` (the card stamps) and whether the viewer has any block at all.
A viewer with blocks, or a page where a member dropped out, takes the direct query instead:
with a block the page boundaries of the viewer's own list differ from everyone's.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.cache import cache
from django.db import router
from django.db.models import Exists, Q, QuerySet

from rounds.core.cache import VersionToken
from rounds.core.compiled import SENTINEL_ID, CompiledShapes

from .models import Profile

#: Seconds a result page is kept (each change of the directory version starts new keys).
SEARCH_PAGE_SECONDS = 300
VERSION_KEY = "directory:version"


_VERSION = VersionToken(VERSION_KEY)


def directory_version() -> str:
    """The current version token (``core.cache.VersionToken``)."""
    return _VERSION.current()


def directory_changed() -> None:
    """A profile or account changed: new keys for every cached search page."""
    _VERSION.changed()


def _page_key(shape: tuple[Any, ...], q: str, specialty_id: int) -> str:
    raw = repr((shape, q, specialty_id)).encode()
    return f"member-search:{hashlib.sha256(raw).hexdigest()}"


def _visible_ids(n: int, *, viewer_id: int, **ids: int) -> QuerySet[Any]:
    from rounds.network.models import Block

    from .selectors import _Viewer, profile_visible_to

    blocks = Block.objects.filter(Q(blocker_id=viewer_id) | Q(blocked_id=viewer_id))
    return (
        profile_visible_to(viewer=_Viewer(viewer_id))
        .filter(pk__in=[ids[f"id{i}"] for i in range(n)])
        .annotate(viewer_has_blocks=Exists(blocks.order_by()[:1]))
        .order_by()
        .values_list("pk", "updated_at", "viewer_has_blocks")
    )


VISIBLE_IDS = CompiledShapes(
    lambda n, **values: _visible_ids(n, **values),
    sentinels=lambda n: {
        "viewer_id": SENTINEL_ID,
        **{f"id{i}": SENTINEL_ID - 1 - i for i in range(n)},
    },
)


def cached_search_rows(
    shape: tuple[Any, ...],
    *,
    viewer_id: int,
    q: str,
    specialty_id: int,
    compute: Any,
) -> list[tuple[int, Any]] | None:
    """The viewer's ``(pk, updated_at)`` rows of the search page ``shape`` from the cached
    page, or None when this viewer must take the direct query. ``compute(viewer_id)`` runs
    the page's query for a viewer (0: no one's blocks) and returns its rows."""
    # The page is stored with the version it was computed under; both are read in one round
    # trip and a page of another version is computed again.
    key = _page_key(shape, q, specialty_id)
    found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY)
    if version is None:
        version = directory_version()
    entry = found.get(key)
    if entry is not None and entry[0] == version:
        ids = entry[1]
    else:
        ids = [row[0] for row in compute(0)]
        cache.set(key, (version, ids), timeout=SEARCH_PAGE_SECONDS)
    if not ids:
        return []
    rows = VISIBLE_IDS.rows(
        len(ids),
        viewer_id=viewer_id,
        using=router.db_for_read(Profile),
        **{f"id{i}": pk for i, pk in enumerate(ids)},
    )
    if len(rows) != len(ids) or any(row[2] for row in rows):
        return None
    stamps = {pk: updated_at for pk, updated_at, _ in rows}
    return [(pk, stamps[pk]) for pk in ids]


#: The account fields a search depends on (``profile_visible_to``); saves of other fields
#: alone (the last login, the time zone…) leave the directory as it was.
_ACCOUNT_FIELDS = frozenset({"is_active", "deletion_scheduled"})


def _changed(sender: Any, **kwargs: Any) -> None:
    fields = kwargs.get("update_fields")
    if sender is not Profile and fields is not None and not _ACCOUNT_FIELDS & set(fields):
        return
    directory_changed()


def connect_signals() -> None:
    """Every save or delete of a profile or account, and every change of a profile's
    specialties, changes the directory version (``ProfilesConfig.ready``)."""
    from django.contrib.auth import get_user_model
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for model in (Profile, get_user_model()):
        post_save.connect(_changed, sender=model, dispatch_uid=f"directory-save-{model.__name__}")
        post_delete.connect(
            _changed, sender=model, dispatch_uid=f"directory-delete-{model.__name__}"
        )
    m2m_changed.connect(
        _changed, sender=Profile.specialties.through, dispatch_uid="directory-specialties"
    )
