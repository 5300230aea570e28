"""Post search on PostgreSQL: which posts match a query is kept, who may see them is not.

The full-text statement of a search (``search_vector @@ websearch_to_tsquery(...)`` with the
viewer's visibility rule, newest first) cost 2–7 ms of database time plus 2.5 ms of planning
per request at 2,000,000 posts: a common word walks ``post_recent_idx`` testing each post's
vector, a rare one reads each of its ~1,000 matches from the heap to sort them. The matches
themselves are the same for every member, so:

- **Candidates** (``candidates``): the newest ``MAX_CANDIDATES`` posts whose text matches
  the query, ``(id, created_at)`` newest first, computed for no one (every post, hidden or not)
  and kept in the shared cache, plus a per-process copy, under the **search version**
  (``VERSION_KEY``). Which posts match changes only when a post is written or its text
  changes: every save of a post (creation, edit, the admin) and the data-rights
  anonymisation (``QuerySet.update`` of bodies) change the version at once and again on
  commit (``posts_changed``), as the directory version does for member search. A deleted post
  needs no new version: its id no longer joins a post below.
- **Per request** (``search_page``): one prepared statement (constant text) takes the slice of
  candidates below the cursor (``CHUNK_FACTOR`` × the page), joins each to its post as it is
  now and applies the viewer's rule exactly (``_visible``: the rule of
  ``selectors.visible_q`` — audience, connections, group privacy, blocks either way,
  moderation, members leaving — and search's mutes), keeping the first ``size + 1`` in order;
  in the same statement it reads those posts with their authors, groups and the viewer's
  likes and bookmarks (``feedcache.kept_posts_sql``) and the reposts' originals the viewer may
  see. Moderation, blocks, mutes, memberships, audience or group changes therefore show at
  once without touching the version.
- When the slice holds fewer than ``size + 1`` visible posts and more candidates exist (or
  the list was cut at ``MAX_CANDIDATES``), the caller takes the direct statement
  (``selectors._search_direct``): the result is always the direct query's.
"""

from __future__ import annotations

import bisect
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.cache import cache

from rounds.core.cache import LocalCopies, VersionToken

#: The most matches kept per query (newest first); pages below them take the direct query.
MAX_CANDIDATES = 1000
#: Candidates a page statement examines per post wanted (most matches are visible to most
#: members: public and members-only posts are ~75% of the bench's).
CHUNK_FACTOR = 10
#: How long a query's candidates are kept (a new version starts new ones anyway).
CANDIDATE_SECONDS = 600
VERSION_KEY = "feed:search:version"

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)
#: Per-process copies of candidate lists, keyed by version and query (content-addressed).
_LOCAL = LocalCopies(max_chars=256, seconds=60.0, measure=lambda value: 1)


def _micros(at: datetime) -> int:
    return (at - _EPOCH) // _MICRO


_VERSION = VersionToken(VERSION_KEY)


def search_version() -> str:
    """The current search version token (``core.cache.VersionToken``)."""
    return _VERSION.current()


def posts_changed() -> None:
    """A post was written or its text changed: new candidate lists for every query, at once
    and again once it is committed (``core.cache.VersionToken``)."""
    _VERSION.changed()


def _post_saved(sender: Any, update_fields: Any = None, **kwargs: Any) -> None:
    if update_fields is not None and "body" not in update_fields:
        return  # counters, moderation, edits of other fields: matches unchanged
    posts_changed()


def connect_signals() -> None:
    """Every save of a post that may change its text changes the search version
    (``FeedConfig.ready``)."""
    from django.db.models.signals import post_save

    from .models import Post

    post_save.connect(_post_saved, sender=Post, dispatch_uid="feed.search.post_saved")


# --- candidates -----------------------------------------------------------------------------


class Candidates:
    """A query's newest matches: ``ids`` and ``keys`` (``(-created_at µs, -id)``, ascending,
    for bisecting a cursor), and whether the list holds every match (``complete``)."""

    __slots__ = ("complete", "ids", "keys")

    def __init__(self, rows: list[tuple[int, int]], complete: bool):
        self.ids = [pk for pk, _ in rows]
        self.keys = [(-at, -pk) for pk, at in rows]
        self.complete = complete

    def below(self, cursor: Any) -> int:
        """The index of the first candidate after ``cursor`` (0 without one)."""
        if cursor is None:
            return 0
        return bisect.bisect_right(self.keys, (-_micros(cursor.at), -int(cursor.id)))


_CANDIDATES_SQL = """
SELECT id, created_at FROM feed_post
WHERE search_vector @@ websearch_to_tsquery('english'::regconfig, %s)
ORDER BY created_at DESC, id DESC LIMIT %s
"""


def _compute(query: str) -> list[tuple[int, int]]:
    from .selectors import rows_with_settings

    # without parallel workers: their start-up was most of a rare word's statement
    rows = rows_with_settings(
        _CANDIDATES_SQL, [query, MAX_CANDIDATES + 1], {"max_parallel_workers_per_gather": "0"}
    )
    return [(int(pk), _micros(at)) for pk, at in rows]


def candidates(query: str) -> Candidates:
    """The query's candidates under the current search version (the per-process copy, the
    shared cache, or computed now and kept under the version read before computing)."""
    version = search_version()
    digest = hashlib.blake2b(query.encode(), digest_size=16).hexdigest()
    local_key = f"{version}:{digest}"
    found = _LOCAL.get(local_key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    shared_key = f"feed:search:candidates:v1:{digest}"
    entry = cache.get(shared_key)
    if entry is not None and entry[0] == version:
        rows = list(entry[1])
    else:
        rows = _compute(query)
        cache.set(shared_key, (version, tuple(rows)), CANDIDATE_SECONDS)
    found = Candidates(rows[:MAX_CANDIDATES], complete=len(rows) <= MAX_CANDIDATES)
    _LOCAL.put(local_key, found)
    return found


# --- the page statement -----------------------------------------------------------------------


def _visible(a: str) -> str:
    """``selectors.visible_q`` for the member ``%(viewer)s`` on the post aliased ``a``."""
    from rounds.accounts.models import User
    from rounds.community.models import Group, GroupMembership
    from rounds.network.models import Block, Connection

    return f"""(
  {a}.author_id = %(viewer)s
  OR ({a}.moderation_state = 'visible'
      AND ({a}.audience IN ('public', 'members')
           OR ({a}.audience = 'connections' AND EXISTS (
                 SELECT 1 FROM {Connection._meta.db_table} vc
                 WHERE vc.owner_id = %(viewer)s AND vc.other_id = {a}.author_id))
           OR ({a}.audience = 'group' AND EXISTS (
                 SELECT 1 FROM {Group._meta.db_table} vg WHERE vg.id = {a}.group_id
                 AND (vg.visibility = 'public' OR EXISTS (
                     SELECT 1 FROM {GroupMembership._meta.db_table} vm
                     WHERE vm.group_id = vg.id AND vm.user_id = %(viewer)s
                       AND vm.state = 'active')))))
      AND NOT EXISTS (SELECT 1 FROM {User._meta.db_table} vu
                      WHERE vu.id = {a}.author_id AND vu.deletion_scheduled)
      AND NOT EXISTS (SELECT 1 FROM {Block._meta.db_table} vb
                      WHERE (vb.blocker_id = %(viewer)s AND vb.blocked_id = {a}.author_id)
                         OR (vb.blocked_id = %(viewer)s AND vb.blocker_id = {a}.author_id))))"""  # noqa: S608 - names from models


def _page_sql() -> str:
    """The page statement: the first ``%(limit)s`` candidates of ``%(ids)s`` (in their order:
    PostgreSQL walks ``unnest … WITH ORDINALITY`` in order and stops at the limit) that the
    viewer may see, then the first ``%(size)s`` of them as rows and their originals (``OFFSET
    0`` keeps the id array computed once). It starts with SELECT: ``core.navigation`` takes
    any other statement for a write."""
    from . import feedcache
    from .models import Mute, Post

    post = Post._meta.db_table
    shown = "a.ids[1:%(size)s]"
    originals = (
        f"ARRAY(SELECT o.id FROM {post} o WHERE o.id IN ("  # noqa: S608 - names from models
        f"SELECT r.repost_of_id FROM {post} r WHERE r.id = ANY({shown})) AND {_visible('o')})"
    )
    return f"""SELECT
  a.ids,
{feedcache.kept_posts_sql(ids=shown).rstrip()},
{feedcache.kept_posts_sql(ids=originals).rstrip()}
FROM (SELECT ARRAY(
  SELECT p.id
  FROM unnest(%(ids)s::bigint[]) WITH ORDINALITY AS c(id, n)
  JOIN {post} p ON p.id = c.id
  WHERE {_visible("p")}
    AND NOT EXISTS (SELECT 1 FROM {Mute._meta.db_table} mu
                    WHERE mu.user_id = %(viewer)s AND mu.muted_user_id = p.author_id)
  ORDER BY c.n LIMIT %(limit)s) AS ids OFFSET 0) a
"""  # noqa: S608 - table names from the models, values bound


_PAGE_SQL: list[str] = []


def search_page(*, viewer: Any, query: str, cursor: Any, size: int) -> Any:
    """The ``selectors.FeedPage`` of a member's search from the candidates, or None when the
    direct statement must answer (see the module docstring)."""
    from django.db import connection

    from rounds.core.compiled import prepared_cursor

    from . import feedcache
    from .selectors import FeedPage, decorate

    found = candidates(query)
    limit = size + 1
    start = found.below(cursor)
    chunk = found.ids[start : start + CHUNK_FACTOR * limit]
    if not chunk:  # below the kept matches: none left, or the direct statement decides
        return FeedPage(items=[], next_cursor=None) if found.complete else None
    if not _PAGE_SQL:
        _PAGE_SQL.append(_page_sql())
    # the ids in their order (a text literal: one value to bind, not one per id)
    ids = "{" + ",".join(map(str, chunk)) + "}"
    params = {"viewer": viewer.pk, "ids": ids, "limit": limit, "size": size}
    with prepared_cursor(connection) as db:
        db.execute(_PAGE_SQL[0], params)
        page_ids, rows, original_rows = db.fetchone()
    page_ids = list(page_ids)
    examined_all = start + len(chunk) >= len(found.ids)
    if len(page_ids) < limit and not (examined_all and found.complete):
        return None  # the slice ran out before the page: the direct statement decides
    posts = feedcache.posts_from_rows(rows or [])
    items = [posts[pk] for pk in page_ids[:size] if pk in posts]
    originals = feedcache.posts_from_rows(original_rows or [])
    decorate(viewer, items, marks=feedcache.kept_marks(items), originals=originals)
    more = len(page_ids) > size
    next_cursor = None
    if more and items:
        from .selectors import Cursor

        next_cursor = Cursor(items[-1].created_at, items[-1].pk).encode()
    return FeedPage(items=items, next_cursor=next_cursor)
