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

# ruff: noqa: S608 - the statements are built from model table and column names and constant
# enum values; every value is bound

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


_THREAD_FIELDS = _fields(Thread, leave=("search_vector",))


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


_PIECES: dict[str, str] = {}
_STATEMENTS: dict[tuple[str, ...], str] = {}


def _pieces() -> dict[str, str]:
    """The statement's columns by name; each a scalar subquery of the group at ``%(slug)s``."""
    from rounds.accounts.models import User
    from rounds.events.models import Event
    from rounds.events.models import State as EventState
    from rounds.feed.models import SourceChanges
    from rounds.network.models import Block
    from rounds.profiles.models import Profile

    from .models import Reply

    if _PIECES:
        return _PIECES
    org = _organization_model()
    group_id = f"(SELECT id FROM {Group._meta.db_table} WHERE slug = %(slug)s)"

    def author(alias: str, column: str, user: str = "u", profile: str = "pr") -> str:
        return (
            f" LEFT JOIN {User._meta.db_table} {user} ON {user}.id = {alias}.{column}"
            f" LEFT JOIN {Profile._meta.db_table} {profile} ON {profile}.user_id = {user}.id"
        )

    def who(user: str = "u", profile: str = "pr") -> list[str]:
        return [*jsonrows.columns(user, _USER_FIELDS), *jsonrows.columns(profile, _PROFILE_FIELDS)]

    def changes(kind: str, ref: str) -> str:
        return (
            f"(SELECT coalesce(sum(changes), 0)::bigint FROM {SourceChanges._meta.db_table}"
            f" WHERE kind = '{kind}' AND ref = {ref})"
        )

    group_cols = [*jsonrows.columns("g", _fields(Group)), *jsonrows.columns("o", _fields(org))]
    member_cols = jsonrows.columns("m", _fields(GroupMembership))
    thread_cols = jsonrows.columns("t", _THREAD_FIELDS)
    reply_cols = jsonrows.columns("r", _fields(Reply))
    quoted_cols = jsonrows.columns("q", _fields(Reply))
    thread_id = (
        f"(SELECT id FROM {Thread._meta.db_table} WHERE id = %(thread)s AND group_id = {group_id})"
    )
    _PIECES.update(
        {
            "group": f"""(SELECT json_build_array({", ".join(group_cols)})
  FROM {Group._meta.db_table} g LEFT JOIN {org._meta.db_table} o ON o.id = g.organization_id
  WHERE g.slug = %(slug)s)""",
            "membership": f"""(SELECT json_build_array({", ".join(member_cols)})
  FROM {GroupMembership._meta.db_table} m
  WHERE m.group_id = {group_id} AND m.user_id = %(viewer)s)""",
            "owner": f"""(SELECT json_build_array({", ".join([*member_cols, *who()])})
  FROM {GroupMembership._meta.db_table} m {author("m", "user_id")}
  WHERE m.group_id = {group_id} AND m.state = '{MembershipState.ACTIVE}'
    AND m.role = '{Role.OWNER}' ORDER BY m.id LIMIT 1)""",
            "blocks": f"""ARRAY(SELECT CASE WHEN blocker_id = %(viewer)s THEN blocked_id
  ELSE blocker_id END FROM {Block._meta.db_table}
  WHERE blocker_id = %(viewer)s OR blocked_id = %(viewer)s ORDER BY 1)""",
            "forum_changes": changes("f", group_id),
            "events": f"""(SELECT json_agg(json_build_array({", ".join(jsonrows.columns("e", _EVENT_FIELDS))}))
  FROM (SELECT * FROM {Event._meta.db_table} e
        WHERE e.group_id = {group_id} AND e.state = '{EventState.PUBLISHED}'
          AND e.moderation_state = '{ModerationState.VISIBLE}'
          AND e.ends_at > %(now)s AND e.starts_at > %(since)s
        ORDER BY e.starts_at, e.id LIMIT {EVENT_CANDIDATES}) e)""",
            "kept_threads": f"""(SELECT json_agg(json_build_array({", ".join([*thread_cols, *who()])}))
  FROM {Thread._meta.db_table} t {author("t", "author_id")}
  WHERE t.id = ANY(%(ids)s::bigint[]) AND t.group_id = {group_id})""",
            "thread": f"""(SELECT json_build_array({", ".join([*thread_cols, *who()])})
  FROM {Thread._meta.db_table} t {author("t", "author_id")}
  WHERE t.id = %(thread)s AND t.group_id = {group_id})""",
            "reply_changes": changes("r", thread_id),
            "kept_replies": f"""(SELECT json_agg(json_build_array({
                ", ".join([*reply_cols, *who(), *quoted_cols, *who("qu", "qpr")])
            }))
  FROM {Reply._meta.db_table} r {author("r", "author_id")}
  LEFT JOIN {Reply._meta.db_table} q ON q.id = r.quoted_id {author("q", "author_id", "qu", "qpr")}
  WHERE r.id = ANY(%(ids)s::bigint[]) AND r.thread_id = {thread_id})""",
        }
    )
    return _PIECES


def _statement(names: tuple[str, ...]) -> str:
    """One prepared statement of constant text per list of pieces."""
    found = _STATEMENTS.get(names)
    if found is None:
        pieces = _pieces()
        found = _STATEMENTS[names] = "SELECT\n" + ",\n".join(pieces[n] for n in names)
    return found


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


def _valid_slug(slug: str) -> bool:
    from .access import MAX_SLUG_LENGTH

    return bool(slug) and len(slug) <= MAX_SLUG_LENGTH and bool(_SLUG.fullmatch(slug))


def _read(viewer: Any, slug: str, names: tuple[str, ...], **values: Any) -> dict[str, Any]:
    """Run the statement of ``names`` for the group at ``slug``; its columns by name."""
    from rounds.core.compiled import prepared_cursor

    if not _valid_slug(slug):
        raise NotFound("No group at that address.")  # no group has such a slug
    member = viewer is not None and viewer.is_authenticated
    params = {"slug": slug, "viewer": viewer.pk if member else None, **values}
    with prepared_cursor(connection) as cursor:
        cursor.execute(_statement(names), params)
        row = cursor.fetchone()
    return dict(zip(names, row, strict=True))


def _ids(ids: list[int]) -> str:
    return "{" + ",".join(str(int(i)) for i in ids) + "}"


def _group_from(viewer: Any, found: dict[str, Any]) -> tuple[Group, set[int]]:
    """The group (NotFound when none, or one the viewer may not know of) with organization
    and the viewer's membership remembered for ``policies``; the viewer's blocks."""
    if found["group"] is None:
        raise NotFound("No group at that address.")
    member = viewer is not None and viewer.is_authenticated
    values = jsonrows.rows(found["group"])
    fields = _fields(Group)
    group = jsonrows.instance(Group, fields, values[: len(fields)])
    organization = None
    if group.organization_id is not None:
        org = _organization_model()
        organization = jsonrows.instance(org, _fields(org), values[len(fields) :])
    group._state.fields_cache["organization"] = organization
    membership = None
    if found["membership"] is not None:
        membership = jsonrows.instance(
            GroupMembership, _fields(GroupMembership), jsonrows.rows(found["membership"])
        )
    if member:
        policies.remember_membership(group, viewer.pk, membership)
    if not policies.can_see_group(viewer, group):
        raise NotFound("No group at that address.")
    blocked = set(found["blocks"]) - ({viewer.pk} if member else set())
    if member:
        viewer._community_blocked_ids = blocked
    return group, blocked


def group_read(viewer: Any, slug: str, *, forum: tuple[int, int] | None = None) -> Any:
    """The group at ``slug`` as ``access.access_group_by_slug`` gives it (NotFound for a group
    the viewer may not know of), with its owner, the viewer's blocks, its upcoming events and —
    with ``forum`` (page, size) — a kept forum page's rows, in one statement. None on other
    databases."""
    from rounds.events.services import MAX_DURATION
    from rounds.feed import feedcache

    if connection.vendor != "postgresql":
        return None
    member = viewer is not None and viewer.is_authenticated
    kept = None
    if forum is not None and _valid_slug(slug):
        kept = feedcache.read(viewer.pk if member else 0, None, forum[1], _forum_kind(slug, forum))
    names: tuple[str, ...] = ("group", "membership", "owner", "blocks", "forum_changes", "events")
    now = timezone.now()
    values: dict[str, Any] = {"now": now, "since": now - MAX_DURATION}
    if kept is not None and kept.ids is not None:
        names += ("kept_threads",)
        values["ids"] = _ids(kept.ids)
    found = _read(viewer, slug, names, **values)
    group, blocked = _group_from(viewer, found)
    owner = None
    if found["owner"] is not None:
        row = jsonrows.rows(found["owner"])
        width = len(_fields(GroupMembership))
        owner = jsonrows.instance(GroupMembership, _fields(GroupMembership), row[:width])
        owner._state.fields_cache["user"] = _user_with_profile(row[width:])
    read = GroupRead(
        group=group,
        owner=owner,
        blocked=blocked,
        fingerprint=feedcache.fingerprint(
            (group.pk, group.visibility, found["blocks"], found["forum_changes"])
        ),
        events_rows=found["events"],
        kept_rows=found.get("kept_threads"),
    )
    read.kept = kept  # type: ignore[attr-defined]
    return read


def _forum_kind(slug: str, forum: tuple[int, int]) -> str:
    return f"forum:{slug}:{int(forum[0])}"


def forum_page(viewer: Any, read: GroupRead, *, page: int, size: int) -> Page[Thread]:
    """Page ``page`` of the group's forum (``selectors.threads_of``): the kept page when its
    fingerprint holds and each of its threads may still be shown, otherwise worked out and
    kept. ``read`` must come from ``group_read(…, forum=(page, size))``."""

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
    _keep(
        kept, viewer_id, size, read.fingerprint, found, _forum_kind(read.group.slug, (page, size))
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
    return _still_shown(threads, ids, viewer_id, read.blocked)


# --- a thread and its replies -------------------------------------------------------------------


@dataclass
class ThreadRead:
    """What ``thread_read`` found: the group (as ``group_read``), the thread (with author and
    profile; ``thread.group`` set), the viewer's blocks, the fingerprint of the thread's
    replies and a kept replies page's rows."""

    group: Group
    thread: Thread
    blocked: set[int]
    fingerprint: str
    kept: Any = None
    kept_rows: Any = None


def _replies_kind(thread_id: int, page: int) -> str:
    return f"replies:{int(thread_id)}:{int(page)}"


def thread_read(
    viewer: Any, slug: str, thread_id: int, *, replies: tuple[int, int] | None = None
) -> ThreadRead | None:
    """The thread ``thread_id`` of the readable group at ``slug`` as ``access.access_thread``
    gives it (NotFound for a group the viewer may not read or a thread they may not see),
    with the viewer's blocks and — with ``replies`` (page, size) — a kept replies page's rows,
    in one statement. None on other databases."""
    from rounds.core.http import MAX_ID
    from rounds.feed import feedcache

    from .access import _content_visible

    if connection.vendor != "postgresql":
        return None
    member = viewer is not None and viewer.is_authenticated
    valid = 0 < int(thread_id) <= MAX_ID
    kept = None
    if replies is not None and valid and _valid_slug(slug):
        kept = feedcache.read(
            viewer.pk if member else 0, None, replies[1], _replies_kind(thread_id, replies[0])
        )
    names: tuple[str, ...] = ("group", "membership", "blocks", "thread", "reply_changes")
    values: dict[str, Any] = {"thread": int(thread_id) if valid else 0}
    if kept is not None and kept.ids is not None:
        names += ("kept_replies",)
        values["ids"] = _ids(kept.ids)
    found = _read(viewer, slug, names, **values)
    group, blocked = _group_from(viewer, found)
    if not policies.can_read_group(viewer, group):
        raise NotFound("No group at that address.")
    if found["thread"] is None:
        raise NotFound("No such thread.")
    row = jsonrows.rows(found["thread"])
    thread = jsonrows.instance(Thread, _THREAD_FIELDS, row[: len(_THREAD_FIELDS)])
    thread._state.fields_cache["author"] = (
        _user_with_profile(row[len(_THREAD_FIELDS) :])
        if row[len(_THREAD_FIELDS)] is not None
        else None
    )
    thread.group = group
    if not _content_visible(viewer, thread):
        raise NotFound("No such thread.")
    return ThreadRead(
        group=group,
        thread=thread,
        blocked=blocked,
        fingerprint=feedcache.fingerprint((thread.pk, found["blocks"], found["reply_changes"])),
        kept=kept,
        kept_rows=found.get("kept_replies"),
    )


def replies_page(viewer: Any, read: ThreadRead, *, page: int, size: int) -> Page[Any]:
    """Page ``page`` of the thread's replies (``selectors.replies_of``): the kept page when its
    fingerprint holds and each reply may still be shown, otherwise worked out and kept.
    ``read`` must come from ``thread_read(…, replies=(page, size))``."""

    from .selectors import replies_of

    size = max(1, min(size, MAX_PAGE_SIZE))
    page = max(1, min(page, MAX_PAGE_NUMBER))
    member = viewer is not None and viewer.is_authenticated
    viewer_id = viewer.pk if member else 0
    kept = read.kept
    if kept is not None and kept.ids is not None and kept.fingerprint == read.fingerprint:
        shown = _kept_replies(viewer_id, kept.ids, read)
        if shown is not None:
            return Page(items=shown, number=page, size=size, has_next=kept.next_cursor == "1")
    found = paginate(replies_of(viewer=viewer, thread=read.thread), page=page, size=size)
    _keep(kept, viewer_id, size, read.fingerprint, found, _replies_kind(read.thread.pk, page))
    return found


def _keep(
    kept: Any, viewer_id: int, size: int, fingerprint: str, found: Page[Any], kind: str
) -> None:
    """Store a worked-out forum or replies page under the fingerprint and epoch read before it
    (the kept entry's cursor slot holds "has next")."""
    from rounds.feed import feedcache

    if kept is not None:
        feedcache.store(
            viewer_id,
            None,
            size,
            fingerprint,
            kept.epoch,
            [item.pk for item in found.items],
            "1" if found.has_next else None,
            kind,
        )


def _kept_replies(viewer_id: int, ids: list[int], read: ThreadRead) -> list[Any] | None:
    from .models import Reply

    fields = _fields(Reply)
    width = len(fields)
    who = len(_USER_FIELDS) + len(_PROFILE_FIELDS)
    replies: dict[int, Any] = {}
    for values in jsonrows.rows(read.kept_rows):
        reply = jsonrows.instance(Reply, fields, values[:width])
        author = values[width : width + who]
        reply._state.fields_cache["author"] = (
            _user_with_profile(author) if author[0] is not None else None
        )
        quoted_values = values[width + who : width + who + width]
        quoted = None
        if quoted_values[0] is not None:
            quoted = jsonrows.instance(Reply, fields, quoted_values)
            quoted_author = values[width + who + width :]
            quoted._state.fields_cache["author"] = (
                _user_with_profile(quoted_author) if quoted_author[0] is not None else None
            )
        reply._state.fields_cache["quoted"] = quoted
        reply.thread = read.thread
        replies[reply.pk] = reply
    return _still_shown(replies, ids, viewer_id, read.blocked)


def _still_shown(
    loaded: dict[int, Any], ids: list[int], viewer_id: int, blocked: set[int]
) -> list[Any] | None:
    """The kept page's threads or replies in order, or None when one is gone or may no longer
    be shown (``selectors.visible_content_q``: visible or the viewer's own, not by a member
    blocked either way): the page is then worked out again."""
    shown = [loaded.get(pk) for pk in ids]
    for item in shown:
        if item is None:
            return None
        if viewer_id and item.author_id == viewer_id:
            continue
        if item.moderation_state != ModerationState.VISIBLE or item.author_id in blocked:
            return None
    return shown
