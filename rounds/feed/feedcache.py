"""The home feed's page cache (PostgreSQL): which posts a page holds, kept per member under
everything that could change it.

Working a home feed page out is the merge of four sources (``selectors.home_feed``): ~5 ms of
database time for a member with 500 connections and 20 groups. Between two reads of the
same page nothing usually changed, so the page's post ids are kept (the shared cache) under
a **fingerprint** that the member's context statement (``selectors.feed_context``) reads in
the same round trip as the member's ties:

- the member's context itself: connections, followees, blocks either way, muted members and
  topics, followed topics and groups (any follow, block, mute or membership changes it);
- the inbox: its number of entries and the sum of their post ids (fan-out on write adds an
  entry for every new post of a non-hub tie, in the post's transaction; a back-fill or a trim
  changes them too);
- the groups and the topics (followed or muted): the sum of their ``SourceChanges`` counts,
  raised in the transaction of every post written to, edited in or deleted from one of them
  (``services.note_source_changes``; counts only grow, so the sum changes with any of them);
- the hubs among the member's ties (``selectors.hub_ids``, merged at read time): the id of each
  one's newest post, and the hub list itself;
- an **epoch** (``EPOCH_KEY``), changed when posts become visible again without a write to
  them (an account deletion cancelled, a departed member's kept posts).

What can make a kept post invisible without changing the fingerprint (a moderator hides it,
its author is deleted or leaving, the post is deleted) is checked on every hit: the page's
posts are loaded anyway, and each must still pass the visibility rule (``still_shown``, the
rule of ``selectors.visible_q`` on the loaded row and the member's context) or the page is
worked out again. The cards themselves are never kept here: they render from the loaded rows.

A fingerprint is read in the same transaction snapshot as the statement's ties, and a page is
stored under the fingerprint and epoch read *before* it was worked out: a change committed
meanwhile gives the next reader a new fingerprint, never a page missing it.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import transaction

from rounds.community.models import Visibility
from rounds.core import jsonrows
from rounds.moderation.registry import ModerationState

from .models import Audience

EPOCH_KEY = "feed:epoch:v1"
#: How long a page is kept (it is replaced as soon as its fingerprint changes).
PAGE_SECONDS = 600


#: The lists kept here: the home feed and the discussions tab.
FEED = "page"
DISCUSSIONS = "discussions"


def _page_key(viewer_id: int, cursor: Any, size: int, kind: str) -> str:
    at = "" if cursor is None else f"{cursor.at.isoformat()}/{int(cursor.id)}"
    return f"feed:{kind}:v1:{int(viewer_id)}:{int(size)}:{at}"


def fingerprint(parts: tuple[Any, ...]) -> str:
    """A short digest of the context row's values (lists of ints, counts, the hub list)."""
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


@dataclass
class Kept:
    """The page kept for a member and cursor: the epoch a page worked out now is stored under,
    and (when one is kept under that epoch) its fingerprint, post ids and next cursor."""

    epoch: str
    fingerprint: str | None = None
    ids: list[int] | None = None
    next_cursor: str | None = None


def read(viewer_id: int, cursor: Any, size: int, kind: str = FEED) -> Kept:
    """The page of list ``kind`` kept for this member, cursor and size under the current
    epoch, if any (one cache round trip); the caller compares its fingerprint with the
    member's current one."""
    key = _page_key(viewer_id, cursor, size, kind)
    found = cache.get_many([key, EPOCH_KEY])
    epoch = found.get(EPOCH_KEY)
    if epoch is None:
        fresh = uuid.uuid4().hex
        epoch = fresh if cache.add(EPOCH_KEY, fresh, None) else cache.get(EPOCH_KEY, fresh)
        return Kept(epoch=str(epoch))
    page = found.get(key)
    if page is not None and page[1] == epoch:
        return Kept(epoch=str(epoch), fingerprint=page[0], ids=list(page[2]), next_cursor=page[3])
    return Kept(epoch=str(epoch))


def store(
    viewer_id: int,
    cursor: Any,
    size: int,
    print_: str,
    epoch: str,
    ids: list[int],
    next_cursor: str | None,
    kind: str = FEED,
) -> None:
    cache.set(
        _page_key(viewer_id, cursor, size, kind),
        (print_, epoch, tuple(ids), next_cursor),
        PAGE_SECONDS,
    )


def bump_epoch() -> None:
    """Forget every kept page once the current transaction commits."""
    transaction.on_commit(lambda: cache.set(EPOCH_KEY, uuid.uuid4().hex, None), robust=True)


def still_shown(viewer_id: int, post: Any, context: Any) -> bool:
    """Whether ``post`` (loaded with its author and group) still passes the visibility rule
    for the member of ``context`` (``selectors.FeedContext``): the rule of
    ``selectors.visible_q`` and the mutes, on the row as it is now."""
    author_id = post.author_id
    if author_id == viewer_id:
        return True
    if post.moderation_state != ModerationState.VISIBLE:
        return False
    if author_id is not None:
        if author_id in context.blocked or author_id in context.mutes.members:
            return False
        if getattr(post.author, "deletion_scheduled", False):
            return False
    if post.audience in (Audience.PUBLIC, Audience.MEMBERS):
        return True
    if post.audience == Audience.CONNECTIONS:
        return author_id in context.connected
    if post.audience == Audience.GROUP and post.group is not None:
        if post.group.visibility == Visibility.PUBLIC:
            return True
        return any(group_id == post.group_id for group_id, _, _ in context.groups)
    return False


# --- the kept page's posts, read with the member's context ------------------------------------

_POST_FIELDS = (
    "id",
    "moderation_state",
    "moderation_reason",
    "author_id",
    "body",
    "audience",
    "group_id",
    "repost_of_id",
    "is_repost",
    "like_count",
    "comment_count",
    "repost_count",
    "created_at",
    "updated_at",
    "edited_at",
)
_USER_FIELDS = ("id", "is_active", "deletion_scheduled")
_PROFILE_FIELDS = ("id", "user_id", "handle", "display_name", "headline", "avatar", "updated_at")
_GROUP_FIELDS = ("id", "slug", "name", "visibility")


def _json_rows(columns: list[str], source: str) -> str:
    return f"  (SELECT json_agg(json_build_array({', '.join(columns)})) {source})\n"


def kept_posts_sql(ids: str = "%(ids)s::bigint[]") -> str:
    """The column the context statement gains for a kept page (``selectors.feed_context``):
    its posts as one JSON array of arrays (post, author, profile, group, and whether the
    member liked and bookmarked it), so a kept page costs no statement of its own. ``ids``
    is the SQL of the posts' id array (a constant of the caller: post search passes an
    expression of its own statement, ``feed/search.py``)."""
    from rounds.accounts.models import User
    from rounds.community.models import Group
    from rounds.profiles.models import Profile

    from .models import Bookmark, Like, Post

    columns = [
        *(f"p.{name}" for name in _POST_FIELDS),
        *(f"u.{name}" for name in _USER_FIELDS),
        *(f"pr.{name}" for name in _PROFILE_FIELDS),
        *(f"g.{name}" for name in _GROUP_FIELDS),
        f"EXISTS (SELECT 1 FROM {Like._meta.db_table} l"  # noqa: S608 - names from models
        " WHERE l.user_id = %(viewer)s AND l.post_id = p.id)",
        f"EXISTS (SELECT 1 FROM {Bookmark._meta.db_table} b"  # noqa: S608 - names from models
        " WHERE b.user_id = %(viewer)s AND b.post_id = p.id)",
    ]
    return _json_rows(
        columns,
        f"FROM {Post._meta.db_table} p"
        f" LEFT JOIN {User._meta.db_table} u ON u.id = p.author_id"
        f" LEFT JOIN {Profile._meta.db_table} pr ON pr.user_id = u.id"
        f" LEFT JOIN {Group._meta.db_table} g ON g.id = p.group_id"
        f" WHERE p.id = ANY({ids})",
    )


def _instance(model: Any, names: tuple[str, ...], values: list[Any]) -> Any:
    return jsonrows.instance(model, names, values)


def _rows(value: Any) -> list[Any]:
    return jsonrows.rows(value)


def _with_author_and_group(model: Any, fields: tuple[str, ...], row: list[Any]) -> tuple[Any, int]:
    """An instance of ``model`` from the first ``fields`` of ``row``, with its author (user and
    profile) and group from the columns that follow, as ``select_related`` would attach them;
    and where the row's remaining columns start."""
    from rounds.accounts.models import User
    from rounds.community.models import Group
    from rounds.profiles.models import Profile

    m_end = len(fields)
    u_end = m_end + len(_USER_FIELDS)
    pr_end = u_end + len(_PROFILE_FIELDS)
    g_end = pr_end + len(_GROUP_FIELDS)
    obj = _instance(model, fields, row[:m_end])
    user = profile = group = None
    if row[m_end] is not None:
        user = _instance(User, _USER_FIELDS, row[m_end:u_end])
        if row[u_end] is not None:
            profile = _instance(Profile, _PROFILE_FIELDS, row[u_end:pr_end])
            profile._state.fields_cache["user"] = user
        user._state.fields_cache["profile"] = profile
    if row[pr_end] is not None:
        group = _instance(Group, _GROUP_FIELDS, row[pr_end:g_end])
    obj._state.fields_cache["author"] = user
    obj._state.fields_cache["group"] = group
    return obj, g_end


def kept_posts(viewer_id: int, ids: list[int], context: Any) -> list[Any] | None:
    """The kept page's posts (``context.kept_rows``) in order, loaded as the ORM would load
    them with their author, profile and group, or None when one is gone or may no longer be
    shown to the member (``still_shown``): the page is then worked out again."""
    posts = posts_from_rows(context.kept_rows)
    if context.kept_rows is None:
        return None
    shown = [posts.get(pk) for pk in ids]
    if any(post is None or not still_shown(viewer_id, post, context) for post in shown):
        return None
    return shown


def posts_from_rows(value: Any) -> dict[int, Any]:
    """The posts of a ``kept_posts_sql`` column by id, loaded as the ORM would load them with
    their author, profile and group, with ``viewer_liked`` and ``viewer_bookmarked`` set."""
    from .models import Post

    posts: dict[int, Any] = {}
    for row in _rows(value):
        post, end = _with_author_and_group(Post, _POST_FIELDS, row)
        post.viewer_liked, post.viewer_bookmarked = bool(row[end]), bool(row[end + 1])
        posts[post.pk] = post
    return posts


def kept_marks(posts: list[Any]) -> tuple[set[int], set[int]]:
    """(liked, bookmarked) among ``posts`` as read with them."""
    return (
        {post.pk for post in posts if post.viewer_liked},
        {post.pk for post in posts if post.viewer_bookmarked},
    )


# --- the discussions tab ---------------------------------------------------------------------

_THREAD_FIELDS = (
    "id",
    "created_at",
    "updated_at",
    "moderation_state",
    "moderation_reason",
    "group_id",
    "author_id",
    "title",
    "pinned",
    "locked",
    "last_activity_at",
    "reply_count",
    "edited_at",
)


def kept_threads_sql() -> str:
    """The column the discussions' context statement gains for a kept page: its threads with
    their group, author and profile (as ``kept_posts_sql``)."""
    from rounds.accounts.models import User
    from rounds.community.models import Group, Thread
    from rounds.profiles.models import Profile

    columns = [
        *(f"t.{name}" for name in _THREAD_FIELDS),
        *(f"u.{name}" for name in _USER_FIELDS),
        *(f"pr.{name}" for name in _PROFILE_FIELDS),
        *(f"g.{name}" for name in _GROUP_FIELDS),
    ]
    return _json_rows(
        columns,
        f"FROM {Thread._meta.db_table} t"
        f" JOIN {Group._meta.db_table} g ON g.id = t.group_id"
        f" LEFT JOIN {User._meta.db_table} u ON u.id = t.author_id"
        f" LEFT JOIN {Profile._meta.db_table} pr ON pr.user_id = u.id"
        " WHERE t.id = ANY(%(ids)s::bigint[])",
    )


def kept_threads(viewer_id: int, ids: list[int], context: Any) -> list[Any] | None:
    """The kept discussions page's threads in order (with group, author and profile), or None
    when one is gone or no longer shown to the member: the discussions' rule (visible, or the
    member's own; not by a member blocked either way or muted; in one of the member's
    groups) on the rows as they are now."""
    from rounds.community.models import Thread

    if context.kept_rows is None:
        return None
    threads: dict[int, Any] = {}
    for row in _rows(context.kept_rows):
        thread, _ = _with_author_and_group(Thread, _THREAD_FIELDS, row)
        threads[thread.pk] = thread
    shown = [threads.get(pk) for pk in ids]
    for thread in shown:
        if thread is None or thread.group_id not in context.group_ids:
            return None
        if thread.author_id == viewer_id:
            continue
        if thread.moderation_state != ModerationState.VISIBLE:
            return None
        if thread.author_id in context.blocked or thread.author_id in context.muted:
            return None
    return shown


def note_forum_change(group_id: int | None) -> None:
    """Count one change of group ``group_id``'s forum threads (``SourceChanges`` kind "f"), in
    the caller's transaction: a thread written, edited, pinned, locked, moderated or deleted,
    a reply added or removed (the thread's count and last activity). The discussions tab keys
    its kept pages on the sum over the member's groups."""
    if group_id:
        from .services import note_source_changes

        note_source_changes(group_id=None, topic_ids=set(), forum_ids={int(group_id)})


def note_reply_change(thread_id: int | None) -> None:
    """Count one change of thread ``thread_id``'s replies (``SourceChanges`` kind "r"), in the
    caller's transaction: a reply written, edited, moderated or deleted. A thread's kept
    replies pages (``community.reads``) key on it."""
    if thread_id:
        from .services import note_source_changes

        note_source_changes(group_id=None, topic_ids=set(), thread_ids={int(thread_id)})
