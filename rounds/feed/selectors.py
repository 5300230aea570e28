"""Reads for posts and the feed. Every read goes through ``posts_visible_to(viewer)``.

Visibility (one rule, used by every page, the API and the moderation adapter): the author
always sees their own post (hidden/removed ones with the moderators' reason); anyone else sees
it only when it is ``visible``, no block stands between them (either way), and the audience
admits them: public → anyone; members → signed-in members; connections → the author's
connections; group → whoever may read the group (``rounds.community.selectors
.readable_group_ids``).

The home feed (``home_feed``) is a merge of bounded per-source reads, each giving the newest
page size + 1 below the cursor, keyset-paginated on ``(created_at, id)``:

1. *inbox* (fan-out on write): ``services.fan_out`` writes each new post of a non-hub author
   into the inboxes (``InboxEntry``) of the author, their connections and — public/members
   posts — their followers; the feed reads the member's inbox from
   ``inbox_member_recent_idx`` and re-applies the visibility rule, blocks, mutes and current
   ties to each entry (``_inbox_source``). Below what the inbox holds (trimmed to
   ``services.INBOX_CAP``; empty for posts written before it existed) the same people are
   read at read time (``author_id IN (…)``, or ``PEOPLE_SOURCE_PLAN = "lateral"``). A new
   tie's earlier posts newer than the inbox's oldest entry would fall between the two, so
   the network services back-fill them on a new connection or follow
   (``services.inbox_backfill``);
2. *hubs*: members with ``HUB_REACH`` or more connections + followers are not fanned out
   (thousands of inbox rows per post); their posts are read per hub at read time
   (``LATERAL`` over ``post_author_recent_idx``, ``_people_newest_ids``);
3. *topics*: posts naming a topic the member follows (minus muted topics) — index
   ``posttopic_recent_idx`` (topic, -created_at, -post);
4. *groups*: posts in the member's groups, per group (``LATERAL`` over
   ``post_group_recent_idx``, ``_group_newest_ids``). Group posts reach the home feed only
   this way: the people sources (inbox, hubs, read-time) carry posts outside groups, so a
   connection's post in a group the member has not joined stays in that group whichever
   source would have read it.

On PostgreSQL a page takes two round trips before loading its posts: ``feed_context`` (the
member's ties, blocks, mutes, topics and groups in one prepared statement) and
``_sources_in_one_statement`` (the hub, inbox, topic and group reads as one multi-statement
string, with bitmap scans off for it alone, ``rows_with_settings``); the visibility rule is
spelled out in SQL there and tested against the ORM rule. SQLite (and the ``"in"`` plans)
read each source with the ORM.

The people lists (connections, followees) are capped at ``MAX_SOURCE_PEOPLE`` each, most
recent ties first, minus muted and blocked members. The page is the newest ``size`` of the
union (deduplicated). Every post of the true page is among its own source's newest ``size``
below the cursor, so the merge is exact; new posts are newer than any cursor, so paging on
never repeats or skips a post while others publish. The choice of fan-out on write for
ordinary authors and read-time merge for hubs and groups was measured on the M tier
(docs/benchmarks.md, issue 6; ``bench/fanout.py``).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from rounds.community.mentions import mention_links
from rounds.core.errors import ValidationFailed
from rounds.moderation.registry import ModerationState

from .models import Audience, Bookmark, Comment, Like, Mute, Post, PostRevision, PostTopic, Topic

#: Most people (connections, followees) a feed reads from per source; most recent ties first.
MAX_SOURCE_PEOPLE = 5000
DEFAULT_FEED_SIZE = 20
MAX_FEED_SIZE = 50
MAX_CURSOR_LENGTH = 100
#: Posts of the newcomer's fallback ("recent in your specialty").
FALLBACK_SIZE = 10


def _member(viewer: Any) -> bool:
    return viewer is not None and getattr(viewer, "is_authenticated", False)


def blocked_ids(viewer: Any) -> set[int]:
    """Members the viewer blocked or who blocked the viewer (cached on the viewer object)."""
    from rounds.community.selectors import blocked_ids_for

    return blocked_ids_for(viewer)


def _audience_q(viewer: Any, prefix: str = "") -> Q:
    """Posts whose audience admits ``viewer`` (blocks and moderation aside)."""
    from rounds.community.selectors import readable_group_ids
    from rounds.network.models import Connection

    p = prefix
    q = Q(**{f"{p}audience": Audience.PUBLIC})
    q |= Q(**{f"{p}audience": Audience.GROUP, f"{p}group_id__in": readable_group_ids(viewer)})
    if _member(viewer):
        q |= Q(**{f"{p}audience": Audience.MEMBERS})
        connected = Connection.objects.filter(owner_id=viewer.pk).values("other_id")
        q |= Q(**{f"{p}audience": Audience.CONNECTIONS, f"{p}author_id__in": connected})
    return q


def visible_q(viewer: Any, prefix: str = "") -> Q:
    """The visibility rule as a ``Q`` (see the module docstring)."""
    p = prefix
    q = Q(**{f"{p}moderation_state": ModerationState.VISIBLE}) & _audience_q(viewer, prefix)
    # A member whose account deletion is scheduled is hidden from everyone at once.
    q &= ~Q(**{f"{p}author__deletion_scheduled": True})
    if _member(viewer):
        blocked = blocked_ids(viewer)
        if blocked:
            q &= ~Q(**{f"{p}author_id__in": blocked})
        q |= Q(**{f"{p}author_id": viewer.pk})
    return q


def posts_visible_to(viewer: Any) -> QuerySet[Post]:
    """Every post ``viewer`` may see, newest first, with authors' profiles."""
    return (
        Post.objects.filter(visible_q(viewer))
        .select_related("author__profile", "group")
        .order_by("-created_at", "-id")
    )


def can_see_post(viewer: Any, post: Post) -> bool:
    """Whether ``viewer`` may see ``post`` (one query; the same rule as ``posts_visible_to``)."""
    return Post.objects.filter(visible_q(viewer), pk=post.pk).exists()


# --- cursors ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """A position in a newest-first list: the last item's ``(at, id)``."""

    at: datetime
    id: int

    def encode(self) -> str:
        raw = f"{self.at.isoformat()}|{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str | None) -> Cursor | None:
        """Parse a cursor from a query string; None for none. Junk raises ValidationFailed."""
        if value is None or value == "":
            return None
        invalid = ValidationFailed("That page link is not valid; start again.", field="cursor")
        if len(value) > MAX_CURSOR_LENGTH:
            raise invalid
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
            at_text, id_text = raw.split("|")
            at = parse_datetime(at_text)
            ident = int(id_text)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise invalid from None
        if at is None or timezone.is_naive(at) or not 0 < ident <= 2**63 - 1:
            raise invalid
        return cls(at=at, id=ident)


def _before(cursor: Cursor | None, at: str = "created_at", ident: str = "id") -> Q:
    if cursor is None:
        return Q()
    return Q(**{f"{at}__lt": cursor.at}) | Q(**{at: cursor.at, f"{ident}__lt": cursor.id})


@dataclass
class FeedPage:
    """A page of posts (decorated for the viewer) and the cursor of the next one."""

    items: list[Post]
    next_cursor: str | None
    fallback: list[Post] = field(default_factory=list)
    has_sources: bool = True
    #: The home feed's: (id, slug, name) of the member's groups (its groups source; the
    #: composer offers them).
    groups: list[tuple[int, str, str]] = field(default_factory=list)


def clamp_size(size: int | None) -> int:
    if not size:
        return DEFAULT_FEED_SIZE
    return max(1, min(int(size), MAX_FEED_SIZE))


# --- the viewer's own lists ---------------------------------------------------------------------


@dataclass
class Mutes:
    members: set[int]
    topics: set[int]


def mutes_of(viewer: Any) -> Mutes:
    """The members and topics ``viewer`` muted (one query)."""
    members: set[int] = set()
    topics: set[int] = set()
    if _member(viewer):
        for member_id, topic_id in Mute.objects.filter(user_id=viewer.pk).values_list(
            "muted_user_id", "topic_id"
        ):
            if member_id:
                members.add(member_id)
            if topic_id:
                topics.add(topic_id)
    return Mutes(members=members, topics=topics)


def _mute_filter(qs: QuerySet[Post], viewer: Any, mutes: Mutes) -> QuerySet[Post]:
    """Drop posts by muted members and posts naming a muted topic (never the viewer's own)."""
    if mutes.members:
        qs = qs.exclude(author_id__in=mutes.members)
    if mutes.topics:
        muted = PostTopic.objects.filter(post_id=OuterRef("pk"), topic_id__in=mutes.topics)
        qs = qs.exclude(Q(Exists(muted)) & ~Q(author_id=viewer.pk))
    return qs


def feed_ties(viewer: Any) -> tuple[set[int], set[int]]:
    """(connections, followees) of the member, each bounded, most recent ties first."""
    from rounds.network.models import Connection, Follow

    connections = Connection.objects.filter(owner_id=viewer.pk).order_by("-created_at", "-id")
    follows = Follow.objects.filter(follower_id=viewer.pk).order_by("-created_at", "-id")
    return (
        set(connections.values_list("other_id", flat=True)[:MAX_SOURCE_PEOPLE]),
        set(follows.values_list("followee_id", flat=True)[:MAX_SOURCE_PEOPLE]),
    )


def feed_people(viewer: Any) -> set[int]:
    """The member, their connections and followees (bounded, most recent ties first)."""
    connected, followed = feed_ties(viewer)
    return {viewer.pk} | connected | followed


@dataclass
class FeedContext:
    """What the home feed reads from about the member: ties, blocks (either way), mutes,
    followed topics and groups ((id, slug, name) of active memberships)."""

    connected: set[int]
    followed: set[int]
    blocked: set[int]
    mutes: Mutes
    topic_ids: set[int]
    groups: list[tuple[int, str, str]]
    #: What the page cache keys on (``feedcache``; PostgreSQL only, None elsewhere).
    fingerprint: str | None = None
    #: The kept page's posts as read with the context (``feedcache.kept_posts_sql``).
    kept_rows: list[Any] | None = None


def _context_sql() -> str:
    from rounds.community.models import Group, GroupMembership
    from rounds.network.models import Block, Connection, Follow

    from .models import InboxEntry, SourceChanges, TopicFollow

    member = (
        f"FROM {GroupMembership._meta.db_table} m JOIN {Group._meta.db_table} g"
        " ON g.id = m.group_id WHERE m.user_id = %(viewer)s AND m.state = 'active'"
    )
    return f"""
SELECT
  ARRAY(SELECT other_id FROM {Connection._meta.db_table} WHERE owner_id = %(viewer)s
        ORDER BY created_at DESC, id DESC LIMIT %(cap)s),
  ARRAY(SELECT followee_id FROM {Follow._meta.db_table} WHERE follower_id = %(viewer)s
        ORDER BY created_at DESC, id DESC LIMIT %(cap)s),
  ARRAY(SELECT CASE WHEN blocker_id = %(viewer)s THEN blocked_id ELSE blocker_id END
        FROM {Block._meta.db_table} WHERE blocker_id = %(viewer)s OR blocked_id = %(viewer)s),
  ARRAY(SELECT muted_user_id FROM {Mute._meta.db_table}
        WHERE user_id = %(viewer)s AND muted_user_id IS NOT NULL),
  ARRAY(SELECT topic_id FROM {Mute._meta.db_table}
        WHERE user_id = %(viewer)s AND topic_id IS NOT NULL),
  ARRAY(SELECT topic_id FROM {TopicFollow._meta.db_table} WHERE user_id = %(viewer)s),
  ARRAY(SELECT m.group_id {member} ORDER BY m.group_id),
  ARRAY(SELECT g.slug {member} ORDER BY m.group_id),
  ARRAY(SELECT g.name {member} ORDER BY m.group_id),
  (SELECT ARRAY[count(*), coalesce(sum(post_id), 0)]::bigint[] FROM {InboxEntry._meta.db_table}
   WHERE member_id = %(viewer)s),
  (SELECT coalesce(sum(changes), 0)::bigint FROM {SourceChanges._meta.db_table}
   WHERE (kind = 'g' AND ref IN (SELECT m.group_id {member}))
      OR (kind = 't' AND ref IN (
          SELECT topic_id FROM {TopicFollow._meta.db_table} WHERE user_id = %(viewer)s
          UNION ALL SELECT topic_id FROM {Mute._meta.db_table}
          WHERE user_id = %(viewer)s AND topic_id IS NOT NULL))),
  ARRAY(SELECT h.id FROM unnest(%(hubs)s::bigint[]) AS a(id)
        CROSS JOIN LATERAL (
            SELECT p.id FROM {Post._meta.db_table} p WHERE p.author_id = a.id
            ORDER BY p.created_at DESC, p.id DESC LIMIT 1) h
        WHERE a.id = %(viewer)s
           OR EXISTS (SELECT 1 FROM {Connection._meta.db_table} c
                      WHERE c.owner_id = %(viewer)s AND c.other_id = a.id)
           OR EXISTS (SELECT 1 FROM {Follow._meta.db_table} f
                      WHERE f.follower_id = %(viewer)s AND f.followee_id = a.id)
        ORDER BY a.id)
"""  # noqa: S608 - table names from the models, values bound


_CONTEXT_SQL: list[str] = []


def _with_kept_rows(text: str, kept_rows: str) -> list[str]:
    """A context statement's two constant texts: alone, and with a kept page's rows."""
    return [text, text.rstrip() + ",\n" + kept_rows]


def _context_row(
    texts: list[str], params: dict[str, Any], kept_ids: list[int] | None
) -> tuple[tuple[Any, ...], Any]:
    """Run a context statement (prepared), with the kept page's rows when ``kept_ids`` is
    given: (the context columns, the kept rows or None)."""
    from django.db import connection

    from rounds.core.compiled import prepared_cursor

    if kept_ids is not None:
        params = {**params, "ids": _array(kept_ids)}
    with prepared_cursor(connection) as cursor:
        cursor.execute(texts[0 if kept_ids is None else 1], params)
        row = tuple(cursor.fetchone())
    if kept_ids is None:
        return row, None
    return row[:-1], row[-1] or []


def feed_context(viewer: Any, *, kept_ids: list[int] | None = None) -> FeedContext:
    """The member's ``FeedContext``: on PostgreSQL one prepared statement (constant text)
    instead of six queries; elsewhere the ORM reads (the same rules: ``feed_ties``,
    ``blocked_ids``, ``mutes_of``, topic follows, ``member_groups``). The blocks are kept on
    the viewer object as ``blocked_ids`` keeps them, so later reads of the request reuse them."""
    from django.db import connection

    from rounds.community.selectors import member_groups

    if connection.vendor != "postgresql":
        connected, followed = feed_ties(viewer)
        groups = list(member_groups(viewer).values_list("group_id", "group__slug", "group__name"))
        return FeedContext(
            connected=connected,
            followed=followed,
            blocked=blocked_ids(viewer),
            mutes=mutes_of(viewer),
            topic_ids=set(
                Topic.objects.filter(follows__user_id=viewer.pk).values_list("id", flat=True)
            ),
            groups=groups,
        )

    from . import feedcache

    if not _CONTEXT_SQL:
        _CONTEXT_SQL.extend(_with_kept_rows(_context_sql(), feedcache.kept_posts_sql()))
    hubs = _array(hub_ids())
    params = {"viewer": viewer.pk, "cap": MAX_SOURCE_PEOPLE, "hubs": hubs}
    row, kept_rows = _context_row(_CONTEXT_SQL, params, kept_ids)
    conn, fol, blk, muted_members, muted_topics, topics, group_ids, slugs, names = row[:9]
    blocked = set(blk) - {viewer.pk}
    viewer._community_blocked_ids = blocked
    return FeedContext(
        connected=set(conn),
        followed=set(fol),
        blocked=blocked,
        mutes=Mutes(members=set(muted_members), topics=set(muted_topics)),
        topic_ids=set(topics),
        groups=list(zip(group_ids, slugs, names, strict=True)),
        fingerprint=feedcache.fingerprint((*row, hubs)),
        kept_rows=kept_rows,
    )


#: The people source's plan on PostgreSQL: "lateral" (per-author newest, bounded) or "in"
#: (one ``author_id IN (…)`` scan); the issue-6 bench measured both (docs/benchmarks.md).
PEOPLE_SOURCE_PLAN = "in"
#: The groups source on PostgreSQL: "lateral" (per group) or "in" (one ``group_id IN (…)``).
GROUP_SOURCE_PLAN = "lateral"

_PEOPLE_SQL = """
SELECT p.id, p.created_at FROM unnest(%(people)s::bigint[]) AS a(id)
JOIN accounts_user u ON u.id = a.id
CROSS JOIN LATERAL (
    SELECT p.id, p.created_at FROM feed_post p
    WHERE p.author_id = a.id AND p.group_id IS NULL {before}
      AND (p.author_id = %(viewer)s OR (
          p.moderation_state = 'visible' AND NOT u.deletion_scheduled
          AND (p.audience IN ('public', 'members')
               OR (p.audience = 'connections' AND a.id = ANY(%(connected)s::bigint[])))
          {muted_topics}))
    ORDER BY p.created_at DESC, p.id DESC
    LIMIT %(limit)s
) p
ORDER BY p.created_at DESC, p.id DESC
LIMIT %(limit)s
"""


def _people_newest_ids(
    *,
    viewer: Any,
    people: set[int],
    connected: set[int],
    group_ids: list[int],
    cursor: Cursor | None,
    limit: int,
    muted_topics: set[int],
) -> list[tuple[int, datetime]]:
    """``(id, created_at)`` of the newest ``limit`` posts outside groups below ``cursor`` by
    ``people`` that the viewer may see (group posts come from the member's own groups:
    ``_group_newest_ids``), read per author (``LATERAL``: at most ``limit`` rows from each
    author's index range), so the cost is bounded by the number of people, never by how much
    hubs post (PostgreSQL).

    The SQL spells out the visibility rule for authors the viewer is tied to (blocked and
    muted members are already out of ``people``); tested against ``visible_q``
    (``test_people_source_plans_agree_on_every_rule``).
    """

    params: dict[str, Any] = {
        "people": sorted(people),
        "viewer": viewer.pk,
        "connected": sorted(connected),
        "groups": sorted(group_ids),
        "limit": limit,
    }
    before = ""
    if cursor is not None:
        before = "AND (p.created_at < %(at)s OR (p.created_at = %(at)s AND p.id < %(id)s))"
        params.update(at=cursor.at, id=cursor.id)
    muted = ""
    if muted_topics:
        muted = (
            "AND NOT EXISTS (SELECT 1 FROM feed_posttopic t WHERE t.post_id = p.id"
            " AND t.topic_id = ANY(%(muted)s::bigint[]))"
        )
        params["muted"] = sorted(muted_topics)
    return _newest_per_source(_PEOPLE_SQL.format(before=before, muted_topics=muted), params)


_GROUPS_SQL = """
SELECT p.id, p.created_at FROM unnest(%(groups)s::bigint[]) AS g(id)
CROSS JOIN LATERAL (
    SELECT p.id, p.created_at FROM feed_post p
    WHERE p.group_id = g.id {before}
      AND (p.author_id = %(viewer)s OR (
          p.moderation_state = 'visible'
          AND (p.author_id IS NULL OR (
              p.author_id <> ALL(%(excluded)s::bigint[])
              AND NOT EXISTS (SELECT 1 FROM accounts_user u
                              WHERE u.id = p.author_id AND u.deletion_scheduled)))
          {muted_topics}))
    ORDER BY p.created_at DESC, p.id DESC
    LIMIT %(limit)s
) p
ORDER BY p.created_at DESC, p.id DESC
LIMIT %(limit)s
"""


def _group_newest_ids(
    *,
    viewer: Any,
    group_ids: list[int],
    excluded: set[int],
    cursor: Cursor | None,
    limit: int,
    muted_topics: set[int],
) -> list[tuple[int, datetime]]:
    """``(id, created_at)`` of the newest ``limit`` posts below ``cursor`` in the member's
    groups that the viewer may see, read per group (``LATERAL`` over
    ``post_group_recent_idx``; PostgreSQL). ``excluded``: members blocked either way or
    muted. The SQL spells out the visibility rule for group posts (tested against
    ``visible_q`` with the IN-list plan on the same data)."""

    params: dict[str, Any] = {
        "groups": sorted(group_ids),
        "viewer": viewer.pk,
        "excluded": sorted(excluded),
        "limit": limit,
    }
    before = ""
    if cursor is not None:
        before = "AND (p.created_at < %(at)s OR (p.created_at = %(at)s AND p.id < %(id)s))"
        params.update(at=cursor.at, id=cursor.id)
    muted = ""
    if muted_topics:
        muted = (
            "AND NOT EXISTS (SELECT 1 FROM feed_posttopic t WHERE t.post_id = p.id"
            " AND t.topic_id = ANY(%(muted)s::bigint[]))"
        )
        params["muted"] = sorted(muted_topics)
    return _newest_per_source(_GROUPS_SQL.format(before=before, muted_topics=muted), params)


def _newest_per_source(sql: str, params: dict[str, Any]) -> list[tuple[int, datetime]]:
    """Run a per-author/per-group LATERAL read with bitmap scans off for that query alone.

    For ``author_id = a.id`` with ``a.id`` unknown at planning time PostgreSQL assumes the
    average author (~46 posts at tier M) and prices a bitmap scan + sort of all their posts
    the same as walking the ``(author, -created_at, -id)`` index to the first ``limit`` rows
    (187.7 against 189.7). For a hub with 2,900 posts the bitmap reads every one of them:
    239 ms instead of 1–4 ms for the index walk (EXPLAIN ANALYZE, docs/benchmarks.md). The
    walk is what these queries are written for, so the coin flip is taken away — for this
    query only: the setting is put back before returning.
    """
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as db:
        db.execute(
            "SELECT current_setting('enable_bitmapscan'), "
            "set_config('enable_bitmapscan', 'off', true)"
        )
        before = db.fetchone()[0]
        try:
            db.execute(sql, params)
            return [(row[0], row[1]) for row in db.fetchall()]
        finally:  # the rest of an enclosing transaction plans as before (GIN needs bitmaps)
            db.execute("SELECT set_config('enable_bitmapscan', %s, true)", [before])


Key = tuple[int, datetime]


def _keys(qs: QuerySet[Post], limit: int) -> list[Key]:
    """``(id, created_at)`` of the first ``limit`` posts of ``qs`` (newest first)."""
    return [(pk, at) for pk, at in qs.values_list("id", "created_at")[:limit]]


#: Members whose connections + followers reach this many are *hubs*: their posts are not
#: fanned out on write but merged at read time (``hub_ids``).
HUB_REACH = 2000
HUB_CACHE_KEY = "feed:hubs:v1"
HUB_CACHE_SECONDS = 300
#: The people source reads the inbox (fan-out on write) when True; the read-time merge
#: (``PEOPLE_SOURCE_PLAN``) otherwise, and below what the inbox holds.
USE_INBOX = True
#: The inbox window a page reads is ``(size + 1) × 2 × MAX_INBOX_BATCHES`` entries; when it
#: holds too few admitted posts, the read-time merge takes over below it.
MAX_INBOX_BATCHES = 4


def hub_ids() -> frozenset[int]:
    """Members with ``HUB_REACH`` or more connections + followers (cached for a few minutes;
    the write path and the read path use the same set, so a post is either fanned out or
    merged at read time)."""
    from django.core.cache import cache
    from django.db.models import F

    from rounds.network.models import NetworkState

    cached = cache.get(HUB_CACHE_KEY)
    if cached is None:
        cached = list(
            NetworkState.objects.annotate(reach=F("degree") + F("follower_count"))
            .filter(reach__gte=HUB_REACH)
            .values_list("user_id", flat=True)
        )
        cache.set(HUB_CACHE_KEY, cached, HUB_CACHE_SECONDS)
    return frozenset(cached)


def _inbox_source(
    *, viewer: Any, base: QuerySet[Post], cursor: Cursor | None, need: int, authors: set[int]
) -> tuple[list[Key], Cursor | None, bool]:
    """The newest ``need`` posts of the viewer's inbox below ``cursor`` that ``base`` admits and
    whose author is still among ``authors`` (entries are candidates: deletes, moderation,
    blocks, mutes and unfollows are applied here, at read time), as ``(id, created_at)``.

    Returns (keys, position, complete): ``complete`` when ``need`` posts were found;
    otherwise ``position`` is where the inbox ran out (its oldest entry read, or the cursor)
    and the caller reads older posts at read time from there.
    """
    from .models import InboxEntry

    found: list[Key] = []
    position = cursor
    # one window of entries, as the one-statement read on PostgreSQL: two queries whatever
    # the inbox holds (a loop of batches made the page's query count depend on the data)
    window = need * 2 * MAX_INBOX_BATCHES
    entries = list(
        InboxEntry.objects.filter(
            _before(position, at="created_at", ident="post_id"), member_id=viewer.pk
        )
        .order_by("-created_at", "-post_id")
        .values_list("post_id", "created_at")[:window]
    )
    if entries:
        rows = base.filter(id__in=[post_id for post_id, _ in entries]).order_by()
        found += [
            (pk, at)
            for pk, at, author in rows.values_list("id", "created_at", "author_id")
            if author in authors
        ]
        position = Cursor(entries[-1][1], entries[-1][0])
    found.sort(key=lambda key: (key[1], key[0]), reverse=True)
    if len(found) >= need:
        return found[:need], position, True
    return found, position, False


#: The home feed's sources on PostgreSQL in one round trip (``_sources_in_one_statement``)
#: when the per-author and per-group plans are "lateral"; the separate reads otherwise.
ONE_STATEMENT_SOURCES = True

# The visibility rule (``visible_q`` + ``_mute_filter``) for posts ``p`` with author ``u``
# (LEFT JOIN), spelled out for the inbox and topic sources of the one-statement read; tested
# against the ORM rule (``test_people_source_plans_agree_on_every_rule``).
_VISIBLE_SQL = """
    (p.author_id IS NULL OR p.author_id <> ALL(%(muted_members)s::bigint[]))
    AND (p.author_id = %(viewer)s OR (
        p.moderation_state = 'visible'
        AND u.deletion_scheduled IS NOT TRUE
        AND (p.author_id IS NULL OR p.author_id <> ALL(%(blocked)s::bigint[]))
        AND (p.audience IN ('public', 'members')
             OR (p.audience = 'connections' AND EXISTS (
                 SELECT 1 FROM network_connection c
                 WHERE c.owner_id = %(viewer)s AND c.other_id = p.author_id))
             OR (p.audience = 'group' AND EXISTS (
                 SELECT 1 FROM community_group g WHERE g.id = p.group_id
                 AND (g.visibility = 'public' OR g.id = ANY(%(groups)s::bigint[])))))
        {muted_topics}))
"""

_INBOX_WINDOW = """
    SELECT e.post_id, e.created_at FROM feed_inboxentry e
    WHERE e.member_id = %(viewer)s {before}
    ORDER BY e.created_at DESC, e.post_id DESC
    LIMIT %(window)s
"""

# The newest ``limit`` admitted posts of current ties among the window's entries (walked in
# order, so it stops at the page), then the window's oldest entry and size (where the
# read-time merge takes over when the inbox cannot fill the page).
_INBOX_SQL = """
(SELECT 'i' AS src, p.id, p.created_at, p.author_id FROM ({window}) e
 JOIN feed_post p ON p.id = e.post_id
 LEFT JOIN accounts_user u ON u.id = p.author_id
 WHERE p.author_id = ANY(%(authors)s::bigint[]) AND {visible}
 ORDER BY e.created_at DESC, e.post_id DESC
 LIMIT %(limit)s)
UNION ALL
(SELECT 'e', w.post_id, w.created_at, w.n FROM (
    SELECT e.post_id, e.created_at, count(*) OVER () AS n FROM ({window}) e
 ) w ORDER BY w.created_at, w.post_id LIMIT 1)
"""

_TOPICS_SQL = """
SELECT p.id, p.created_at FROM unnest(%(topics)s::bigint[]) AS t(id)
CROSS JOIN LATERAL (
    SELECT p.id, p.created_at FROM feed_posttopic pt
    JOIN feed_post p ON p.id = pt.post_id
    LEFT JOIN accounts_user u ON u.id = p.author_id
    WHERE pt.topic_id = t.id {before}
      AND {visible}
    ORDER BY pt.created_at DESC, pt.post_id DESC
    LIMIT %(limit)s
) p
GROUP BY p.id, p.created_at
ORDER BY p.created_at DESC, p.id DESC
LIMIT %(limit)s
"""


def _array(ids: Any) -> str:
    """A ``bigint[]`` literal of ``ids`` (ints only): one text value to bind instead of an
    array psycopg adapts element by element (hundreds of ids per feed read)."""
    return "{" + ",".join(str(int(i)) for i in sorted(ids)) + "}"


@dataclass
class _Sources:
    hubs: list[Key]
    inbox: list[tuple[int, datetime, int]]
    #: The oldest inbox entry read (None when the window was empty) and how many were read.
    inbox_last: Cursor | None
    inbox_read: int
    topics: list[Key]
    groups: list[Key]


def _sources_in_one_statement(
    *,
    viewer: Any,
    cursor: Cursor | None,
    limit: int,
    window: int,
    hubs: set[int],
    authors: set[int],
    connected: set[int],
    group_ids: list[int],
    topic_ids: set[int],
    blocked: set[int],
    mutes: Mutes,
) -> _Sources:
    """The hub, inbox, topic and group sources of a home feed page in one round trip
    (PostgreSQL): the same reads as ``_people_newest_ids``, ``_inbox_source``, the topics
    filter and ``_group_newest_ids``, sent as one multi-statement string with bitmap scans
    off for its duration (``_newest_per_source`` says why; put back at the end, for an
    enclosing transaction). The inbox part returns the newest ``limit`` admitted posts by
    ``authors`` (current ties, no hubs) among the newest ``window`` entries below the cursor,
    and the oldest entry of that window."""

    params: dict[str, Any] = {
        "viewer": viewer.pk,
        "people": _array(hubs),
        "connected": _array(connected),
        "groups": _array(group_ids),
        "topics": _array(topic_ids),
        "limit": limit,
        "window": window,
        "authors": _array(authors),
        "blocked": _array(blocked),
        "muted_members": _array(mutes.members),
        "excluded": _array(mutes.members | blocked),
    }
    before = ibefore = pbefore = ""
    if cursor is not None:
        before = "AND (p.created_at < %(at)s OR (p.created_at = %(at)s AND p.id < %(id)s))"
        ibefore = "AND (e.created_at < %(at)s OR (e.created_at = %(at)s AND e.post_id < %(id)s))"
        pbefore = "AND (pt.created_at < %(at)s OR (pt.created_at = %(at)s AND pt.post_id < %(id)s))"
        params.update(at=cursor.at, id=cursor.id)
    muted = ""
    if mutes.topics:
        muted = (
            "AND NOT EXISTS (SELECT 1 FROM feed_posttopic t WHERE t.post_id = p.id"
            " AND t.topic_id = ANY(%(muted)s::bigint[]))"
        )
        params["muted"] = _array(mutes.topics)
    visible = _VISIBLE_SQL.format(muted_topics=muted)
    window_sql = _INBOX_WINDOW.format(before=ibefore)
    parts = [_INBOX_SQL.format(window=window_sql, visible=visible)]
    if hubs:
        hub_sql = _PEOPLE_SQL.format(before=before, muted_topics=muted)
        parts.append(f"SELECT 'h', h.id, h.created_at, NULL::bigint FROM ({hub_sql}) h")  # noqa: S608
    if topic_ids:
        topic_sql = _TOPICS_SQL.format(before=pbefore, visible=visible)
        parts.append(f"SELECT 't', t.id, t.created_at, NULL::bigint FROM ({topic_sql}) t")  # noqa: S608
    if group_ids:
        group_sql = _GROUPS_SQL.format(before=before, muted_topics=muted)
        parts.append(f"SELECT 'g', g.id, g.created_at, NULL::bigint FROM ({group_sql}) g")  # noqa: S608
    union = "\nUNION ALL\n".join(f"({part})" for part in parts)
    found = _Sources(hubs=[], inbox=[], inbox_last=None, inbox_read=0, topics=[], groups=[])
    rows = rows_with_settings(union, params, {"enable_bitmapscan": "off"})
    for src, pk, at, extra in rows:
        if src == "i":
            found.inbox.append((pk, at, extra))
        elif src == "e":
            found.inbox_last, found.inbox_read = Cursor(at, pk), int(extra)
        elif src == "h":
            found.hubs.append((pk, at))
        elif src == "t":
            found.topics.append((pk, at))
        else:
            found.groups.append((pk, at))
    return found


def home_feed(
    *, viewer: Any, cursor: Cursor | None = None, size: int = DEFAULT_FEED_SIZE
) -> FeedPage:
    """The member's home feed, newest first (see the module docstring for the design).

    A member with no sources at all, on the first page, gets ``fallback``: recent public posts
    from members of their specialty (or recent public posts), so a newcomer never sees an
    empty page; ``has_sources`` tells the page to show how to fill the feed.
    """
    from django.db import connection

    from . import feedcache

    size = clamp_size(size)
    # PostgreSQL: the page kept for this member and cursor, if any, is read first, so that its
    # posts come with the member's context and its fingerprint (one statement)
    kept = feedcache.read(viewer.pk, cursor, size) if connection.vendor == "postgresql" else None
    context = feed_context(viewer, kept_ids=kept.ids if kept is not None else None)
    mutes, connected, followed = context.mutes, context.connected, context.followed
    people = ({viewer.pk} | connected | followed) - mutes.members - context.blocked
    topic_ids = context.topic_ids - mutes.topics
    groups = context.groups
    group_ids = [group_id for group_id, _, _ in groups]
    has_sources = len(people) > 1 or bool(topic_ids) or bool(group_ids)
    if kept is not None and kept.ids is not None and kept.fingerprint == context.fingerprint:
        shown = feedcache.kept_posts(viewer.pk, kept.ids, context)
        if shown is not None:
            decorate(viewer, shown, marks=feedcache.kept_marks(shown))
            return FeedPage(
                items=shown, next_cursor=kept.next_cursor, has_sources=has_sources, groups=groups
            )

    def visible() -> QuerySet[Post]:  # built only by the paths that use the ORM rule
        return _mute_filter(posts_visible_to(viewer), viewer, mutes)

    def base() -> QuerySet[Post]:
        return visible().filter(_before(cursor))

    # each source gives the (id, created_at) of its newest size + 1 posts below the cursor;
    # only the page's posts are then loaded (one query)
    limit = size + 1
    sources: list[list[Key]] = []
    read_people, read_from = people, cursor
    postgresql = connection.vendor == "postgresql"
    lateral = {
        "viewer": viewer,
        "connected": connected,
        "group_ids": group_ids,
        "limit": limit,
        "muted_topics": mutes.topics,
    }
    one_statement = (
        postgresql and USE_INBOX and ONE_STATEMENT_SOURCES and GROUP_SOURCE_PLAN == "lateral"
    )
    if one_statement:
        hubs = people & hub_ids()
        read_people = people - hubs
        window = limit * 2 * MAX_INBOX_BATCHES
        read = _sources_in_one_statement(
            viewer=viewer,
            cursor=cursor,
            limit=limit,
            window=window,
            hubs=hubs,
            authors=read_people,
            connected=connected,
            group_ids=group_ids,
            topic_ids=topic_ids,
            blocked=context.blocked,
            mutes=mutes,
        )
        inboxed = sorted(
            ((pk, at) for pk, at, author in read.inbox if author in read_people),
            key=lambda key: (key[1], key[0]),
            reverse=True,
        )
        sources = [read.hubs, inboxed[:limit], read.topics, read.groups]
        if len(inboxed) >= limit:
            read_people = set()
        elif read.inbox_last is not None:
            read_from = read.inbox_last
    elif USE_INBOX:
        hubs = people & hub_ids()
        if hubs and postgresql:
            sources.append(_people_newest_ids(people=hubs, cursor=cursor, **lateral))
        elif hubs:
            sources.append(_keys(base().filter(author_id__in=hubs, group__isnull=True), limit))
        read_people = people - hubs
        inboxed, read_from, complete = _inbox_source(
            viewer=viewer, base=base(), cursor=cursor, need=limit, authors=read_people
        )
        sources.append(inboxed)
        if complete:
            read_people = set()
    if read_people:
        # read-time merge: everyone without an inbox, and below what the inbox holds
        if postgresql and PEOPLE_SOURCE_PLAN == "lateral":
            sources.append(_people_newest_ids(people=read_people, cursor=read_from, **lateral))
        else:
            older = visible().filter(_before(read_from), group__isnull=True)
            sources.append(_keys(older.filter(author_id__in=read_people), limit))
    if topic_ids and not one_statement:
        linked = PostTopic.objects.filter(topic_id__in=topic_ids).values("post_id")
        sources.append(_keys(base().filter(id__in=linked), limit))
    if one_statement:
        pass  # the groups were read with the other sources
    elif group_ids and postgresql and GROUP_SOURCE_PLAN == "lateral":
        excluded = mutes.members | blocked_ids(viewer)
        sources.append(
            _group_newest_ids(
                viewer=viewer,
                group_ids=group_ids,
                excluded=excluded,
                cursor=cursor,
                limit=limit,
                muted_topics=mutes.topics,
            )
        )
    elif group_ids:
        sources.append(_keys(base().filter(group_id__in=group_ids), limit))
    merged: dict[int, datetime] = {}
    for source in sources:
        for pk, at in source[:limit]:
            merged.setdefault(pk, at)
    ordered = sorted(merged.items(), key=lambda key: (key[1], key[0]), reverse=True)
    page = [pk for pk, _ in ordered[:size]]
    loaded = Post.objects.select_related("author__profile", "group").in_bulk(page)
    items = [loaded[pk] for pk in page if pk in loaded]
    next_cursor = (
        Cursor(items[-1].created_at, items[-1].pk).encode()
        if len(ordered) > size and items
        else None
    )
    fallback: list[Post] = []
    if cursor is None and len(items) < 3 and not has_sources:
        fallback = newcomer_fallback(viewer=viewer, mutes=mutes)
        decorate(viewer, fallback)
    elif kept is not None and context.fingerprint is not None:  # fingerprint before the sources
        feedcache.store(
            viewer.pk,
            cursor,
            size,
            context.fingerprint,
            kept.epoch,
            [post.pk for post in items],
            next_cursor,
        )
    decorate(viewer, items)
    return FeedPage(
        items=items,
        next_cursor=next_cursor,
        fallback=fallback,
        has_sources=has_sources,
        groups=groups,
    )


def newcomer_fallback(*, viewer: Any, mutes: Mutes | None = None) -> list[Post]:
    """Recent public posts by members who share a specialty with ``viewer`` (or, when there
    are none, recent public posts), excluding the viewer's own."""
    from rounds.profiles.models import Profile

    mutes = mutes or mutes_of(viewer)
    public = _mute_filter(
        posts_visible_to(viewer).filter(audience=Audience.PUBLIC).exclude(author_id=viewer.pk),
        viewer,
        mutes,
    )
    specialty_ids = list(
        Profile.specialties.through.objects.filter(profile__user_id=viewer.pk).values_list(
            "specialty_id", flat=True
        )
    )
    if specialty_ids:
        peers = Profile.specialties.through.objects.filter(
            profile__user_id=OuterRef("author_id"), specialty_id__in=specialty_ids
        )
        same = list(public.filter(Exists(peers))[:FALLBACK_SIZE])
        if same:
            return same
    return list(public[:FALLBACK_SIZE])


def topic_feed(
    *, viewer: Any, topic: Topic, cursor: Cursor | None = None, size: int = DEFAULT_FEED_SIZE
) -> FeedPage:
    """Posts naming ``topic`` the viewer may see, newest first (muted members left out)."""
    size = clamp_size(size)
    mutes = mutes_of(viewer)
    qs = posts_visible_to(viewer).filter(_before(cursor))
    if mutes.members:
        qs = qs.exclude(author_id__in=mutes.members)
    linked = PostTopic.objects.filter(topic=topic).values("post_id")
    rows = list(qs.filter(id__in=linked)[: size + 1])
    items = rows[:size]
    decorate(viewer, items)
    next_cursor = Cursor(items[-1].created_at, items[-1].pk).encode() if len(rows) > size else None
    return FeedPage(items=items, next_cursor=next_cursor)


def bookmarks_page(
    *, viewer: Any, cursor: Cursor | None = None, size: int = DEFAULT_FEED_SIZE
) -> FeedPage:
    """The viewer's bookmarked posts they may still see, most recently bookmarked first."""
    size = clamp_size(size)
    marks = (
        Bookmark.objects.filter(_before(cursor), user_id=viewer.pk)
        .filter(Exists(Post.objects.filter(visible_q(viewer), pk=OuterRef("post_id"))))
        .select_related("post__author__profile", "post__group")
        .order_by("-created_at", "-id")
    )
    rows = list(marks[: size + 1])
    items = [mark.post for mark in rows[:size]]
    decorate(viewer, items)
    last = rows[size - 1] if len(rows) > size else None
    return FeedPage(
        items=items, next_cursor=Cursor(last.created_at, last.pk).encode() if last else None
    )


_MARKS_SQL = f"""
SELECT post_id, TRUE FROM {Like._meta.db_table}
WHERE user_id = %(viewer)s AND post_id = ANY(%(ids)s::bigint[])
UNION ALL
SELECT post_id, FALSE FROM {Bookmark._meta.db_table}
WHERE user_id = %(viewer)s AND post_id = ANY(%(ids)s::bigint[])
"""  # noqa: S608 - table names from the models, values bound


def _viewer_marks(viewer: Any, ids: list[int]) -> tuple[set[int], set[int]]:
    """(liked, bookmarked) among ``ids`` for ``viewer``: on PostgreSQL one prepared statement
    (constant text), elsewhere two ORM reads."""
    from django.db import connection

    if connection.vendor != "postgresql":
        liked = Like.objects.filter(user_id=viewer.pk, post_id__in=ids)
        marked = Bookmark.objects.filter(user_id=viewer.pk, post_id__in=ids)
        return (
            set(liked.values_list("post_id", flat=True)),
            set(marked.values_list("post_id", flat=True)),
        )
    from rounds.core.compiled import prepared_cursor

    with prepared_cursor(connection) as cursor:
        cursor.execute(_MARKS_SQL, {"viewer": viewer.pk, "ids": _array(ids)})
        rows = cursor.fetchall()
    return {pk for pk, like in rows if like}, {pk for pk, like in rows if not like}


def decorate(
    viewer: Any,
    posts: list[Post],
    *,
    marks: tuple[set[int], set[int]] | None = None,
    originals: dict[int, Post] | None = None,
) -> list[Post]:
    """Attach what a post card shows for ``viewer`` in a constant number of queries:
    ``viewer_liked``, ``viewer_bookmarked``, ``shown_original`` (the repost's original when the
    viewer may see it; None otherwise), ``is_own`` and ``mention_links`` (``{handle: profile
    URL}`` of the members the bodies mention whom the viewer may see; one query, only when a
    body mentions someone)."""
    if not posts:
        return posts
    ids = [post.pk for post in posts]
    liked: set[int] = set()
    marked: set[int] = set()
    if marks is not None:  # read with the posts (``feedcache.kept_posts_sql``)
        liked, marked = marks
    elif _member(viewer):
        liked, marked = _viewer_marks(viewer, ids)
    original_ids = {post.repost_of_id for post in posts if post.repost_of_id}
    if originals is not None:  # read with the posts, for the viewer (post search)
        originals = {pk: p for pk, p in originals.items() if pk in original_ids}
    elif original_ids:
        originals = {p.pk: p for p in posts_visible_to(viewer).filter(pk__in=original_ids)}
    else:
        originals = {}
    links = mention_links(viewer, [p.body for p in posts] + [p.body for p in originals.values()])
    for original in originals.values():
        original.mention_links = links  # type: ignore[attr-defined]
    for post in posts:
        post.mention_links = links  # type: ignore[attr-defined]
        post.viewer_liked = post.pk in liked  # type: ignore[attr-defined]
        post.viewer_bookmarked = post.pk in marked  # type: ignore[attr-defined]
        post.shown_original = originals.get(post.repost_of_id or 0)  # type: ignore[attr-defined]
        post.is_own = _member(viewer) and post.author_id == viewer.pk  # type: ignore[attr-defined]
    return posts


# --- one post -----------------------------------------------------------------------------------


MAX_COMMENTS_PAGE = 50


@dataclass
class CommentPage:
    items: list[Comment]
    next_after: int | None


def comments_for(
    *, viewer: Any, post: Post, after: int | None = None, size: int = MAX_COMMENTS_PAGE
) -> CommentPage:
    """Top-level comments of ``post`` oldest first (after comment id ``after``), each with its
    visible replies in ``shown_replies``. Hidden/removed comments only for their authors;
    comments of blocked members never."""
    size = max(1, min(size, MAX_COMMENTS_PAGE))
    visible = _comment_visible_q(viewer)
    qs = Comment.objects.filter(visible, post=post, parent__isnull=True).select_related(
        "author__profile"
    )
    if after:
        qs = qs.filter(id__gt=after)
    rows = list(qs.order_by("id")[: size + 1])
    items = rows[:size]
    by_parent: dict[int, list[Comment]] = {c.pk: [] for c in items}
    if items:
        replies = (
            Comment.objects.filter(visible, parent_id__in=list(by_parent))
            .select_related("author__profile")
            .order_by("id")
        )
        for reply in replies:
            by_parent[reply.parent_id or 0].append(reply)
    everyone = items + [reply for replies in by_parent.values() for reply in replies]
    links = mention_links(viewer, [c.body for c in everyone])
    for comment in everyone:
        comment.mention_links = links  # type: ignore[attr-defined]
    for comment in items:
        comment.shown_replies = by_parent[comment.pk]  # type: ignore[attr-defined]
    return CommentPage(items=items, next_after=items[-1].pk if len(rows) > size else None)


def _comment_visible_q(viewer: Any) -> Q:
    q = Q(moderation_state=ModerationState.VISIBLE)
    if _member(viewer):
        blocked = blocked_ids(viewer)
        if blocked:
            q &= ~Q(author_id__in=blocked)
        q |= Q(author_id=viewer.pk)
    return q


def comments_visible_to(viewer: Any) -> QuerySet[Comment]:
    """Comments ``viewer`` may see: on posts they may see, by the comment visibility rule."""
    return Comment.objects.filter(
        _comment_visible_q(viewer), post__in=Post.objects.filter(visible_q(viewer)).values("pk")
    ).select_related("author__profile", "post")


def revisions_of(post: Post) -> list[PostRevision]:
    """Earlier versions of ``post``, newest first (the caller already checked access)."""
    return list(post.revisions.order_by("-id"))


_TOPIC_SLUG = re.compile(r"[A-Za-z0-9_-]{1,50}")


def topic_by_slug(slug: str) -> Topic | None:
    """The topic ``slug`` names (case-insensitive); None for anything that cannot be one."""
    if not isinstance(slug, str) or not _TOPIC_SLUG.fullmatch(slug):
        return None
    return Topic.objects.filter(slug=slug.lower()).first()


def follows_topic(viewer: Any, topic: Topic) -> bool:
    return _member(viewer) and topic.follows.filter(user_id=viewer.pk).exists()


def mutes_list(*, viewer: Any) -> list[Mute]:
    return list(
        Mute.objects.filter(user_id=viewer.pk)
        .select_related("muted_user__profile", "topic")
        .order_by("-created_at", "-id")[:500]
    )


def followed_topics(*, viewer: Any) -> list[Topic]:
    return list(Topic.objects.filter(follows__user_id=viewer.pk).order_by("slug")[:500])


@dataclass
class DiscussionPage:
    items: list[Any]
    next_cursor: str | None


def discussions(
    *, viewer: Any, cursor: Cursor | None = None, size: int = DEFAULT_FEED_SIZE
) -> DiscussionPage:
    """Recent threads in the groups where the viewer is an active member (so only groups
    they may read), by latest activity, keyset-paginated on ``(last_activity_at, id)``;
    hidden/removed threads (but the viewer's own) and threads by members blocked either way
    or muted are left out, as in the forums. On PostgreSQL read per group and pin state
    (``_discussions_per_group``)."""
    from django.db import connection

    from rounds.community.models import Thread
    from rounds.community.selectors import member_group_ids, visible_content_q

    size = clamp_size(size)
    if connection.vendor == "postgresql" and _member(viewer):
        return _kept_or_worked_out_discussions(viewer=viewer, cursor=cursor, size=size)
    qs = (
        Thread.objects.filter(visible_content_q(viewer), group_id__in=member_group_ids(viewer))
        .filter(_before(cursor, at="last_activity_at"))
        .select_related("group", "author__profile")
        .order_by("-last_activity_at", "-id")
    )
    muted = mutes_of(viewer).members
    if muted:
        qs = qs.exclude(author_id__in=muted)
    rows = list(qs[: size + 1])
    items = rows[:size]
    next_cursor = (
        Cursor(items[-1].last_activity_at, items[-1].pk).encode() if len(rows) > size else None
    )
    return DiscussionPage(items=items, next_cursor=next_cursor)


_DISCUSSIONS_SQL = """
SELECT t.id, t.last_activity_at FROM (
    SELECT m.group_id FROM community_groupmembership m
    WHERE m.user_id = %(viewer)s AND m.state = 'active'
) g
CROSS JOIN (VALUES (TRUE), (FALSE)) AS pin(v)
CROSS JOIN LATERAL (
    SELECT t.id, t.last_activity_at FROM community_thread t
    WHERE t.group_id = g.group_id AND t.pinned = pin.v {before}
      AND (t.author_id IS NULL OR t.author_id <> ALL(%(muted)s::bigint[]))
      AND ((t.moderation_state = 'visible'
            AND (t.author_id IS NULL OR t.author_id <> ALL(%(blocked)s::bigint[])))
           OR t.author_id = %(viewer)s)
    ORDER BY t.last_activity_at DESC, t.id DESC
    LIMIT %(limit)s
) t
ORDER BY t.last_activity_at DESC, t.id DESC
LIMIT %(limit)s
"""


@dataclass
class DiscussionContext:
    """What the discussions tab reads about the member (PostgreSQL): blocks either way, muted
    members, active groups, the fingerprint its kept pages are stored under (``feedcache``)
    and, for a kept page, its threads' rows."""

    blocked: set[int]
    muted: set[int]
    group_ids: set[int]
    fingerprint: str
    kept_rows: Any = None


def _discussion_context_sql() -> str:
    from rounds.community.models import GroupMembership
    from rounds.network.models import Block

    from .models import SourceChanges

    member = (
        f"SELECT group_id FROM {GroupMembership._meta.db_table}"  # noqa: S608 - model name
        " WHERE user_id = %(viewer)s AND state = 'active'"
    )
    return f"""
SELECT
  ARRAY(SELECT CASE WHEN blocker_id = %(viewer)s THEN blocked_id ELSE blocker_id END
        FROM {Block._meta.db_table} WHERE blocker_id = %(viewer)s OR blocked_id = %(viewer)s
        ORDER BY 1),
  ARRAY(SELECT muted_user_id FROM {Mute._meta.db_table}
        WHERE user_id = %(viewer)s AND muted_user_id IS NOT NULL ORDER BY 1),
  ARRAY({member} ORDER BY group_id),
  (SELECT coalesce(sum(changes), 0)::bigint FROM {SourceChanges._meta.db_table}
   WHERE kind = 'f' AND ref IN ({member}))
"""  # noqa: S608 - table names from the models, values bound


_DISCUSSION_CONTEXT_SQL: list[str] = []


def discussion_context(viewer: Any, *, kept_ids: list[int] | None = None) -> DiscussionContext:
    """The member's ``DiscussionContext`` in one prepared statement (two constant texts: with
    and without a kept page's threads)."""

    from . import feedcache

    if not _DISCUSSION_CONTEXT_SQL:
        _DISCUSSION_CONTEXT_SQL.extend(
            _with_kept_rows(_discussion_context_sql(), feedcache.kept_threads_sql())
        )
    row, kept_rows = _context_row(_DISCUSSION_CONTEXT_SQL, {"viewer": viewer.pk}, kept_ids)
    blocked = set(row[0]) - {viewer.pk}
    viewer._community_blocked_ids = blocked
    return DiscussionContext(
        blocked=blocked,
        muted=set(row[1]),
        group_ids=set(row[2]),
        fingerprint=feedcache.fingerprint(tuple(row)),
        kept_rows=kept_rows,
    )


def _kept_or_worked_out_discussions(
    *, viewer: Any, cursor: Cursor | None, size: int
) -> DiscussionPage:
    """The discussions page kept for this member and cursor when nothing it depends on changed
    (its fingerprint: blocks, mutes, groups and the change counts of the groups' forums;
    ``feedcache``), each thread re-checked on its current row; otherwise worked out
    (``_discussions_per_group``) and kept under the fingerprint read before."""
    from . import feedcache

    kept = feedcache.read(viewer.pk, cursor, size, feedcache.DISCUSSIONS)
    context = discussion_context(viewer, kept_ids=kept.ids)
    if kept.ids is not None and kept.fingerprint == context.fingerprint:
        shown = feedcache.kept_threads(viewer.pk, kept.ids, context)
        if shown is not None:
            return DiscussionPage(items=shown, next_cursor=kept.next_cursor)
    page = _discussions_per_group(
        viewer=viewer, cursor=cursor, size=size, muted=context.muted, blocked=context.blocked
    )
    feedcache.store(
        viewer.pk,
        cursor,
        size,
        context.fingerprint,
        kept.epoch,
        [thread.pk for thread in page.items],
        page.next_cursor,
        feedcache.DISCUSSIONS,
    )
    return page


def _discussions_per_group(
    *,
    viewer: Any,
    cursor: Cursor | None,
    size: int,
    muted: set[int] | None = None,
    blocked: set[int] | None = None,
) -> DiscussionPage:
    """``discussions`` on PostgreSQL: the newest ``size + 1`` threads of each of the member's
    groups and pin state, read from ``thread_group_activity_idx`` (group, -pinned,
    -last_activity_at, -id) and merged, then only the page's threads loaded. The ORM's one
    query walked ``thread_activity_idx`` across every group's threads checking membership
    (2,246 threads, 5.3 ms, for the demo member); the same rules, spelled out (tested with
    the ORM's on SQLite by the same tests)."""
    from rounds.community.models import Thread

    params: dict[str, Any] = {
        "viewer": viewer.pk,
        "limit": size + 1,
        "muted": _array(mutes_of(viewer).members if muted is None else muted),
        "blocked": _array(blocked_ids(viewer) if blocked is None else blocked),
    }
    before = ""
    if cursor is not None:
        before = (
            "AND (t.last_activity_at < %(at)s OR (t.last_activity_at = %(at)s AND t.id < %(id)s))"
        )
        params.update(at=cursor.at, id=cursor.id)
    keys = rows_with_settings(
        _DISCUSSIONS_SQL.format(before=before), params, {"enable_bitmapscan": "off"}
    )
    page = [pk for pk, _ in keys[:size]]
    loaded = Thread.objects.select_related("group", "author__profile").in_bulk(page)
    items = [loaded[pk] for pk in page if pk in loaded]
    next_cursor = (
        Cursor(items[-1].last_activity_at, items[-1].pk).encode()
        if len(keys) > size and items
        else None
    )
    return DiscussionPage(items=items, next_cursor=next_cursor)


# --- search -------------------------------------------------------------------------------------

MAX_SEARCH_LENGTH = 200


def search_posts(
    *, viewer: Any, query: str, cursor: Cursor | None = None, size: int = DEFAULT_FEED_SIZE
) -> FeedPage:
    """Posts ``viewer`` may see whose body matches ``query``, newest first, keyset-paginated
    on ``(created_at, id)`` (muted members left out, as on topic pages).

    PostgreSQL: full-text search (``websearch_to_tsquery``, English stemming) on the stored,
    GIN-indexed ``search_vector`` (migration 0002). A member's search starts from the query's
    kept matches (``feed/search.py``: the newest 1,000, for everyone, under a version every
    change of a post's text moves) and applies the viewer's rule in one statement; beyond them
    ``_search_direct`` runs the search itself: a rare word reads its few matches from the
    index, a common one walks ``post_recent_idx`` and stops at a page. SQLite: ``icontains``.
    """
    from django.db import connection

    size = clamp_size(size)
    query = (query or "").strip()[:MAX_SEARCH_LENGTH]
    if not query or "\x00" in query:
        return FeedPage(items=[], next_cursor=None)
    if connection.vendor == "postgresql" and USE_SEARCH_CANDIDATES and _member(viewer):
        from .search import search_page

        # the query's matches kept for everyone, the viewer's rule applied in one statement
        page = search_page(viewer=viewer, query=query, cursor=cursor, size=size)
        if page is not None:
            return page
    return _search_direct(viewer=viewer, query=query, cursor=cursor, size=size)


#: Post search from the kept matches (``feed/search.py``) on PostgreSQL; off: every search
#: takes the direct statement (the tests compare both).
USE_SEARCH_CANDIDATES = True


def _search_direct(*, viewer: Any, query: str, cursor: Cursor | None, size: int) -> FeedPage:
    """``search_posts`` in one statement of its own (SQLite; PostgreSQL beyond the kept
    matches)."""
    from django.contrib.postgres.search import SearchQuery
    from django.db import connection

    qs = posts_visible_to(viewer).filter(_before(cursor))
    muted = mutes_of(viewer).members
    if muted:
        qs = qs.exclude(author_id__in=muted)
    if connection.vendor != "postgresql":
        rows = list(qs.filter(body__icontains=query)[: size + 1])
        items, more = rows[:size], len(rows) > size
    else:
        # The page's ids first (without parallel workers: their start-up was most of a rare
        # word's 5 ms), then only those posts with their authors and groups.
        found = qs.filter(
            search_vector=SearchQuery(query, search_type="websearch", config="english")
        ).values_list("id", "created_at")[: size + 1]
        sql, params = found.query.get_compiler(using=found.db).as_sql()
        keys = rows_with_settings(sql, params, {"max_parallel_workers_per_gather": "0"})
        page = [pk for pk, _ in keys[:size]]
        loaded = Post.objects.select_related("author__profile", "group").in_bulk(page)
        items, more = [loaded[pk] for pk in page if pk in loaded], len(keys) > size
    decorate(viewer, items)
    next_cursor = Cursor(items[-1].created_at, items[-1].pk).encode() if more and items else None
    return FeedPage(items=items, next_cursor=next_cursor)


def rows_with_settings(sql: str, params: Any, settings: dict[str, str]) -> list[tuple[Any, ...]]:
    """The rows of one SELECT run with planner ``settings`` changed for it alone, in one
    round trip (PostgreSQL): a multi-statement string sets them locally, runs the query and
    puts them back (for an enclosing transaction; outside one they end with the string's
    implicit transaction). Names and values are constants of the callers, never input."""
    from django.db import connection

    names = sorted(settings)
    save = ", ".join(
        f"set_config('rounds.before_{n}', current_setting('{n}'), true), "
        f"set_config('{n}', '{settings[n]}', true)"
        for n in names
    )
    restore = ", ".join(
        f"set_config('{n}', current_setting('rounds.before_{n}'), true)" for n in names
    )
    with connection.cursor() as db:
        db.execute(f"SELECT {save};\n{sql};\nSELECT {restore}", params)
        db.nextset()
        rows = [tuple(row) for row in db.fetchall()]
        db.nextset()
    return rows
