"""A group with everything its page and forum list start from, in one statement (PostgreSQL).

``access.access_group_by_slug`` (the group, its organization, the viewer's membership),
``selectors.owner_of``, ``selectors.blocked_ids_for`` and the forum's first page were five
ORM queries, each built and compiled per request (~4 ms of CPU on the group page, most of
the group API's time). Here they are one prepared statement of constant text
(``group_read``): each row comes back as JSON (``core.jsonrows``) and is loaded as the ORM
would load it, and the access rules are the same functions (``policies``).

The forum's pages (``forum_page``) are kept in the shared cache per viewer, group and page
(``feed.feedcache``), under a fingerprint read in that statement: the group's id and
visibility, the viewer, their blocks either way and the forum's change count
(``feed.SourceChanges`` kind "f": every thread save, thread delete and reply write counts
one, in its transaction). A kept page's threads (with author and profile) come back in the
same statement and are re-checked on their rows (visible or the viewer's own, not by a member
blocked either way); anything else works the page out again with ``selectors.threads_of``.
SQLite (development, the demo) keeps the ORM reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone

from rounds.core import jsonrows
from rounds.core.errors import NotFound
from rounds.core.pagination import MAX_PAGE_NUMBER, MAX_PAGE_SIZE, Page, paginate
from rounds.moderation.registry import ModerationState

from . import policies
from .models import Group, GroupMembership, MembershipState, Role, Thread

#: What a group's slug may hold (``SlugField``): anything else is no group, and never reaches
#: a cache key.
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
_USER_FIELDS = ("id", "is_active", "deletion_scheduled")
#: What the group page's "Upcoming events" shows of an event, and whose it is.
_EVENT_FIELDS = ("id", "title", "starts_at", "ends_at", "is_online", "city", "organizer_id")
#: Upcoming events read with the group: the page shows ``UPCOMING`` after the viewer's blocks.
UPCOMING = 5
EVENT_CANDIDATES = 25
_PROFILE_FIELDS = ("id", "user_id", "handle", "display_name", "headline", "avatar", "updated_at")


def _fields(model: Any, *, leave: tuple[str, ...] = ()) -> tuple[str, ...]:
    return tuple(f.attname for f in model._meta.concrete_fields if f.attname not in leave)


def _organization_model() -> Any:
    return Group._meta.get_field("organization").related_model


@dataclass
class GroupRead:
    """What ``group_read`` found: the group (with organization and the viewer's membership
    remembered for ``policies``), its owner's membership (with user and profile), the viewer's
    blocks either way, the fingerprint of the forum and a kept forum page's rows."""

    group: Group
    owner: GroupMembership | None
    blocked: set[int]
    fingerprint: str
    kept_rows: Any = None
    events_rows: Any = None

    def upcoming_events(self, viewer: Any) -> list[Any]:
        """``events.selectors.group_upcoming_events`` for this group: its next published,
        visible events, none organized by a member blocked either way (the group is readable,
        or the page would not show them). From the rows read with the group; the selector
        itself when the viewer's blocks left fewer than the page shows of a full read."""
        from rounds.events.models import Event
        from rounds.events.selectors import group_upcoming_events

        rows = jsonrows.rows(self.events_rows)
        events = [jsonrows.instance(Event, _EVENT_FIELDS, values) for values in rows]
        shown = [event for event in events if event.organizer_id not in self.blocked]
        if len(shown) < UPCOMING and len(rows) == EVENT_CANDIDATES:
            return group_upcoming_events(viewer=viewer, group=self.group, limit=UPCOMING)
        return shown[:UPCOMING]


_SQL: list[str] = []


def _sql(kept: bool) -> str:
    from rounds.accounts.models import User
    from rounds.events.models import Event
    from rounds.events.models import State as EventState
    from rounds.feed.models import SourceChanges
    from rounds.network.models import Block
    from rounds.profiles.models import Profile

    if not _SQL:
        org = _organization_model()
        group_id = f"(SELECT id FROM {Group._meta.db_table} WHERE slug = %(slug)s)"  # noqa: S608
        user_profile = [
            *jsonrows.columns("u", _USER_FIELDS),
            *jsonrows.columns("pr", _PROFILE_FIELDS),
        ]
        joins = (
            f" LEFT JOIN {User._meta.db_table} u ON u.id = {{alias}}.{{column}}"
            f" LEFT JOIN {Profile._meta.db_table} pr ON pr.user_id = u.id"
        )
        group_cols = [
            *jsonrows.columns("g", _fields(Group)),
            *jsonrows.columns("o", _fields(org)),
        ]
        member_cols = jsonrows.columns("m", _fields(GroupMembership))
        thread_cols = [*jsonrows.columns("t", _fields(Thread, leave=("search_vector",)))]
        base = f"""
SELECT
  (SELECT json_build_array({", ".join(group_cols)}) FROM {Group._meta.db_table} g
   LEFT JOIN {org._meta.db_table} o ON o.id = g.organization_id WHERE g.slug = %(slug)s),
  (SELECT json_build_array({", ".join(member_cols)}) FROM {GroupMembership._meta.db_table} m
   WHERE m.group_id = {group_id} AND m.user_id = %(viewer)s),
  (SELECT json_build_array({", ".join([*member_cols, *user_profile])})
   FROM {GroupMembership._meta.db_table} m {joins.format(alias="m", column="user_id")}
   WHERE m.group_id = {group_id} AND m.state = '{MembershipState.ACTIVE}'
     AND m.role = '{Role.OWNER}' ORDER BY m.id LIMIT 1),
  ARRAY(SELECT CASE WHEN blocker_id = %(viewer)s THEN blocked_id ELSE blocker_id END
        FROM {Block._meta.db_table} WHERE blocker_id = %(viewer)s OR blocked_id = %(viewer)s
        ORDER BY 1),
  (SELECT coalesce(sum(changes), 0)::bigint FROM {SourceChanges._meta.db_table}
   WHERE kind = 'f' AND ref = {group_id}),
  (SELECT json_agg(json_build_array({", ".join(jsonrows.columns("e", _EVENT_FIELDS))}))
   FROM (SELECT * FROM {Event._meta.db_table} e
         WHERE e.group_id = {group_id} AND e.state = '{EventState.PUBLISHED}'
           AND e.moderation_state = '{ModerationState.VISIBLE}'
           AND e.ends_at > %(now)s AND e.starts_at > %(since)s
         ORDER BY e.starts_at, e.id LIMIT {EVENT_CANDIDATES}) e)"""  # noqa: S608 - names
        rows = f""",
  (SELECT json_agg(json_build_array({", ".join([*thread_cols, *user_profile])}))
   FROM {Thread._meta.db_table} t {joins.format(alias="t", column="author_id")}
   WHERE t.id = ANY(%(ids)s::bigint[]) AND t.group_id = {group_id})"""  # noqa: S608
        _SQL.extend([base, base + rows])
    return _SQL[1 if kept else 0]


def _user_with_profile(values: list[Any]) -> Any:
    from rounds.accounts.models import User
    from rounds.profiles.models import Profile

    user = jsonrows.instance(User, _USER_FIELDS, values[: len(_USER_FIELDS)])
    profile = None
    if values[len(_USER_FIELDS)] is not None:
        profile = jsonrows.instance(Profile, _PROFILE_FIELDS, values[len(_USER_FIELDS) :])
        profile._state.fields_cache["user"] = user
    user._state.fields_cache["profile"] = profile
    return user


def group_read(viewer: Any, slug: str, *, forum: tuple[int, int] | None = None) -> Any:
    """The group at ``slug`` as ``access.access_group_by_slug`` gives it (NotFound for a group
    the viewer may not know of), with its owner, the viewer's blocks and — with ``forum``
    (page, size) — a kept forum page's rows, in one statement. None on other databases."""
    from rounds.events.services import MAX_DURATION
    from rounds.feed import feedcache

    from .access import MAX_SLUG_LENGTH

    if connection.vendor != "postgresql":
        return None
    if not slug or len(slug) > MAX_SLUG_LENGTH or not _SLUG.fullmatch(slug):
        raise NotFound("No group at that address.")  # no group has such a slug
    member = viewer is not None and viewer.is_authenticated
    kept = None
    if forum is not None:
        kept = feedcache.read(viewer.pk if member else 0, None, forum[1], _forum_kind(slug, forum))
    now = timezone.now()
    params: dict[str, Any] = {
        "slug": slug,
        "viewer": viewer.pk if member else None,
        "now": now,
        "since": now - MAX_DURATION,
    }
    if kept is not None and kept.ids is not None:
        params["ids"] = "{" + ",".join(str(int(i)) for i in kept.ids) + "}"
    from rounds.core.compiled import prepared_cursor

    with prepared_cursor(connection) as cursor:
        cursor.execute(_sql("ids" in params), params)
        row = cursor.fetchone()
    if row[0] is None:
        raise NotFound("No group at that address.")
    group_values = jsonrows.rows(row[0])
    group_fields = _fields(Group)
    group = jsonrows.instance(Group, group_fields, group_values[: len(group_fields)])
    organization = None
    if group.organization_id is not None:
        org = _organization_model()
        organization = jsonrows.instance(org, _fields(org), group_values[len(group_fields) :])
    group._state.fields_cache["organization"] = organization
    membership = None
    if row[1] is not None:
        membership = jsonrows.instance(
            GroupMembership, _fields(GroupMembership), jsonrows.rows(row[1])
        )
    if member:
        policies.remember_membership(group, viewer.pk, membership)
    if not policies.can_see_group(viewer, group):
        raise NotFound("No group at that address.")
    owner = None
    if row[2] is not None:
        values = jsonrows.rows(row[2])
        width = len(_fields(GroupMembership))
        owner = jsonrows.instance(GroupMembership, _fields(GroupMembership), values[:width])
        owner._state.fields_cache["user"] = _user_with_profile(values[width:])
    blocked = set(row[3]) - ({viewer.pk} if member else set())
    if member:
        viewer._community_blocked_ids = blocked
    read = GroupRead(
        group=group,
        owner=owner,
        blocked=blocked,
        fingerprint=feedcache.fingerprint((group.pk, group.visibility, *row[3:5])),
        events_rows=row[5],
        kept_rows=row[6] if len(row) > 6 else None,
    )
    read.kept = kept  # type: ignore[attr-defined]
    return read


def _forum_kind(slug: str, forum: tuple[int, int]) -> str:
    return f"forum:{slug}:{int(forum[0])}"


def forum_page(viewer: Any, read: GroupRead, *, page: int, size: int) -> Page[Thread]:
    """Page ``page`` of the group's forum (``selectors.threads_of``): the kept page when its
    fingerprint holds and each of its threads may still be shown, otherwise worked out and
    kept. ``read`` must come from ``group_read(…, forum=(page, size))``."""
    from rounds.feed import feedcache

    from .selectors import threads_of

    size = max(1, min(size, MAX_PAGE_SIZE))
    page = max(1, min(page, MAX_PAGE_NUMBER))
    member = viewer is not None and viewer.is_authenticated
    viewer_id = viewer.pk if member else 0
    kept = getattr(read, "kept", None)
    if kept is not None and kept.ids is not None and kept.fingerprint == read.fingerprint:
        threads = _kept_threads(viewer_id, kept.ids, read)
        if threads is not None:
            return Page(items=threads, number=page, size=size, has_next=kept.next_cursor == "1")
    found = paginate(threads_of(viewer=viewer, group=read.group), page=page, size=size)
    for thread in found.items:
        thread.group = read.group
    if kept is not None:
        feedcache.store(
            viewer_id,
            None,
            size,
            read.fingerprint,
            kept.epoch,
            [thread.pk for thread in found.items],
            "1" if found.has_next else None,
            _forum_kind(read.group.slug, (page, size)),
        )
    return found


def _kept_threads(viewer_id: int, ids: list[int], read: GroupRead) -> list[Thread] | None:
    width = len(_fields(Thread, leave=("search_vector",)))
    threads: dict[int, Thread] = {}
    for values in jsonrows.rows(read.kept_rows):
        thread = jsonrows.instance(
            Thread, _fields(Thread, leave=("search_vector",)), values[:width]
        )
        thread._state.fields_cache["author"] = (
            _user_with_profile(values[width:]) if values[width] is not None else None
        )
        thread.group = read.group
        threads[thread.pk] = thread
    shown = [threads.get(pk) for pk in ids]
    for thread in shown:
        if thread is None:
            return None
        if viewer_id and thread.author_id == viewer_id:
            continue
        if thread.moderation_state != ModerationState.VISIBLE or thread.author_id in read.blocked:
            return None
    return [thread for thread in shown if thread is not None]
