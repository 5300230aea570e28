"""Reads: which groups a viewer may read, the directory, members, threads, replies, search."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from rounds.core.pagination import Page

from . import policies
from .models import Group, GroupMembership, MembershipState, Reply, Role, Thread, Visibility

MAX_SEARCH_LENGTH = 200


def _member(viewer: Any) -> bool:
    return viewer is not None and viewer.is_authenticated


def blocked_ids_for(viewer: Any) -> set[int]:
    """Members the viewer blocked or who blocked the viewer (cached on the viewer object for
    the request)."""
    if not _member(viewer):
        return set()
    cached = getattr(viewer, "_community_blocked_ids", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    from rounds.network.models import Block

    ids: set[int] = set()
    for blocker, blocked in Block.objects.filter(
        Q(blocker_id=viewer.pk) | Q(blocked_id=viewer.pk)
    ).values_list("blocker_id", "blocked_id"):
        ids.update((blocker, blocked))
    ids.discard(viewer.pk)
    viewer._community_blocked_ids = ids
    return ids


def member_group_ids(viewer: Any) -> QuerySet[Any]:
    """Ids of the groups where ``viewer`` is an active member (a values_list subquery)."""
    if not _member(viewer):
        return GroupMembership.objects.none().values_list("group_id", flat=True)
    return GroupMembership.objects.filter(user=viewer, state=MembershipState.ACTIVE).values_list(
        "group_id", flat=True
    )


def member_groups(viewer: Any) -> QuerySet[GroupMembership]:
    """The viewer's active memberships (the rows behind ``member_group_ids``)."""
    if not _member(viewer):
        return GroupMembership.objects.none()
    return GroupMembership.objects.filter(user=viewer, state=MembershipState.ACTIVE)


def readable_group_ids(viewer: Any) -> QuerySet[Any]:
    """Ids of the groups whose content ``viewer`` may read: public groups and groups where the
    viewer is an active member. A member banned from a group reads it as a visitor would:
    its content if it is public (anyone signed out could), nothing if it is private/secret."""
    public = Q(visibility=Visibility.PUBLIC)
    if not _member(viewer):
        return Group.objects.filter(public).order_by().values_list("id", flat=True)
    return (
        Group.objects.filter(public | Q(id__in=member_group_ids(viewer)))
        .order_by()
        .values_list("id", flat=True)
    )


def readable_group_q(viewer: Any, *, prefix: str = "") -> Q:
    """``<prefix>group_id IN readable_group_ids(viewer)`` written as "one of the member's
    groups, or a public group" (an EXISTS on the group's row inside the OR, which
    PostgreSQL keeps as a subplan): as an IN list of readable groups, or as a join to the
    group, it nested-looped each candidate thread over every group (36,690–60,550 join
    comparisons for one forum search, 2.8–4.4 ms)."""
    from django.db.models import Exists, OuterRef

    public = Q(
        Exists(
            Group.objects.filter(
                pk=OuterRef(f"{prefix}group_id"), visibility=Visibility.PUBLIC
            ).order_by()
        )
    )
    if not _member(viewer):
        return public
    return Q(**{f"{prefix}group_id__in": member_group_ids(viewer)}) | public


def visible_content_q(viewer: Any, *, prefix: str = "") -> Q:
    """Visible content not written by a blocked member; authors also see their own."""
    visible = Q(**{f"{prefix}moderation_state": "visible"})
    if not _member(viewer):
        return visible
    blocked = blocked_ids_for(viewer)
    if blocked:
        visible &= ~Q(**{f"{prefix}author_id__in": blocked})
    return visible | Q(**{f"{prefix}author_id": viewer.pk})


def group_directory(
    *, viewer: Any, query: str = "", topic: str = "", specialty: str = "", mine: bool = False
) -> QuerySet[Group]:
    """Public and private groups, plus secret groups the viewer belongs to (active or invited),
    biggest first; filters by name/description text, topic, specialty slug, membership."""
    listed = ~Q(visibility=Visibility.SECRET)
    if _member(viewer):
        my_groups = GroupMembership.objects.filter(
            user=viewer, state__in=(MembershipState.ACTIVE, MembershipState.INVITED)
        ).values_list("group_id", flat=True)
        listed |= Q(id__in=my_groups)
        if mine:
            listed = Q(id__in=member_group_ids(viewer))
    elif mine:
        return Group.objects.none()
    qs = Group.objects.filter(listed)
    query = query.strip()[:MAX_SEARCH_LENGTH]
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(description__icontains=query))
    topic = topic.strip().lower()[:MAX_SEARCH_LENGTH]
    if topic:
        qs = qs.filter(topics__name=topic)
    specialty = specialty.strip()[:MAX_SEARCH_LENGTH]
    if specialty:
        qs = qs.filter(specialties__slug=specialty)
    return (
        qs.select_related("organization")
        .prefetch_related("topics", "specialties")
        .order_by("-member_count", "name", "id")
        .distinct()
    )


def with_viewer_state(groups: list[Group], viewer: Any) -> list[Group]:
    """Attach the viewer's membership (or None) to each group, as ``policies.membership_of``
    reads it, plus ``viewer_state`` for templates (one query)."""
    rows: dict[int, GroupMembership] = {}
    if _member(viewer) and groups:
        rows = {
            m.group_id: m
            for m in GroupMembership.objects.filter(
                user=viewer, group_id__in=[g.pk for g in groups]
            )
        }
    for group in groups:
        membership = rows.get(group.pk)
        if _member(viewer):
            policies.remember_membership(group, viewer.pk, membership)
        group.viewer_state = membership.state if membership else None  # type: ignore[attr-defined]
    return groups


def members_of(*, viewer: Any, group: Group) -> QuerySet[GroupMembership]:
    """Active members of a readable group, owner and moderators first; blocked members hidden."""
    qs = GroupMembership.objects.filter(group=group, state=MembershipState.ACTIVE)
    blocked = blocked_ids_for(viewer)
    if blocked:
        qs = qs.exclude(user_id__in=blocked)
    return qs.select_related("user__profile").order_by("role", "-joined_at", "-id")


def pending_of(*, group: Group, state: str) -> QuerySet[GroupMembership]:
    """Requests, invitations or bans of a group (moderators' view)."""
    return (
        GroupMembership.objects.filter(group=group, state=state)
        .select_related("user__profile", "invited_by__profile")
        .order_by("-created_at", "-id")
    )


def my_invitations(*, viewer: Any) -> QuerySet[GroupMembership]:
    """The viewer's open invitations."""
    if not _member(viewer):
        return GroupMembership.objects.none()
    return (
        GroupMembership.objects.filter(user=viewer, state=MembershipState.INVITED)
        .select_related("group", "invited_by__profile")
        .order_by("-created_at", "-id")
    )


def threads_of(*, viewer: Any, group: Group) -> QuerySet[Thread]:
    """A readable group's forum: pinned first, then by latest activity."""
    return (
        Thread.objects.filter(visible_content_q(viewer), group=group)
        .select_related("author__profile")
        .order_by("-pinned", "-last_activity_at", "-id")
    )


def replies_of(*, viewer: Any, thread: Thread) -> QuerySet[Reply]:
    """A thread's replies, oldest first, each with the reply it quotes."""
    return (
        Reply.objects.filter(visible_content_q(viewer), thread=thread)
        .select_related("author__profile", "quoted__author__profile")
        .order_by("created_at", "id")
    )


def owner_of(group: Group) -> GroupMembership | None:
    return (
        GroupMembership.objects.filter(group=group, state=MembershipState.ACTIVE, role=Role.OWNER)
        .select_related("user__profile")
        .first()
    )


# --- search -----------------------------------------------------------------------------------

#: Search pages beyond this are not served: refine the words instead (keeps every search bounded).
MAX_SEARCH_PAGES = 10
#: Matching replies read per result wanted (several replies of one thread may match).
REPLY_FANOUT = 3
#: PostgreSQL: the whole search in one statement of constant text (``forum_search.py``);
#: off: the ORM's statements below (the tests compare both).
ONE_STATEMENT_SEARCH = True


def _fts(query: str, column: str = "search_vector") -> RawSQL:
    """``column @@ websearch_to_tsquery('english', query)`` (GIN-indexed stored tsvector,
    kept by the trigger of migration 0002). ``column`` is one of two constants, never input."""
    # The query is a bound parameter.
    return RawSQL(  # noqa: S611
        f"{column} @@ websearch_to_tsquery('english'::regconfig, %s)",
        [query],
        output_field=BooleanField(),
    )


def search_threads(
    *, viewer: Any, query: str, group: Group | None = None, page: int = 1, size: int = 20
) -> Page[Thread]:
    """One page of the threads the viewer may read whose title/body, or a visible reply by a
    member not blocked either way, matches ``query``; latest activity first.

    PostgreSQL: full-text search (``websearch_to_tsquery``, English stemming) on the stored,
    GIN-indexed ``search_vector`` columns. SQLite: ``icontains``. Bounded queries — the newest
    matching threads (``page * size + 1``), the threads of the newest matching replies
    (``REPLY_FANOUT`` times as many replies), filtered by the same rules — are merged here: one
    EXISTS/OR query cannot use either GIN index (measured in docs/benchmarks.md). Pages stop
    at ``MAX_SEARCH_PAGES``.
    """
    query = query.strip()[:MAX_SEARCH_LENGTH]
    page = max(1, min(page, MAX_SEARCH_PAGES))
    if not query:
        return Page(items=[], number=page, size=size, has_next=False)
    if connection.vendor == "postgresql" and ONE_STATEMENT_SEARCH:
        from .forum_search import search_rows

        window = search_rows(
            viewer_id=viewer.pk if _member(viewer) else 0,
            query=query,
            group_id=group.pk if group is not None else None,
            page=page,
            size=size,
            fanout=REPLY_FANOUT,
        )
        return Page(
            items=window[:size],
            number=page,
            size=size,
            has_next=len(window) > size and page < MAX_SEARCH_PAGES,
        )
    limit = page * size + 1
    threads = Thread.objects.filter(visible_content_q(viewer))
    threads = (
        threads.filter(group=group)
        if group is not None
        else threads.filter(readable_group_q(viewer))
    )
    replies = Reply.objects.filter(visible_content_q(viewer))
    if group is not None:
        replies = replies.filter(thread__group=group)
    if connection.vendor == "postgresql":
        threads = threads.filter(_fts(query, '"community_thread"."search_vector"'))
        replies = replies.filter(_fts(query, '"community_reply"."search_vector"'))
    else:
        threads = threads.filter(Q(title__icontains=query) | Q(body__icontains=query))
        replies = replies.filter(body__icontains=query)
    found: dict[int, Any] = dict(
        threads.order_by("-last_activity_at", "-id").values_list("id", "last_activity_at")[:limit]
    )
    # Threads of the newest matching replies (a reply's recency stands for its thread's
    # activity: every reply bumps it), then the same visibility rules as above.
    candidates = list(
        dict.fromkeys(
            replies.order_by("-id").values_list("thread_id", flat=True)[: limit * REPLY_FANOUT]
        )
    )
    if candidates:
        found.update(
            threads.model.objects.filter(visible_content_q(viewer), id__in=candidates)
            .filter(Q(group=group) if group is not None else readable_group_q(viewer))
            .values_list("id", "last_activity_at")
        )
    ranked = sorted(found.items(), key=lambda item: (item[1], item[0]), reverse=True)
    window = [thread_id for thread_id, _ in ranked[(page - 1) * size : page * size + 1]]
    rows = Thread.objects.select_related("author__profile", "group").in_bulk(window[:size])
    return Page(
        items=[rows[i] for i in window[:size] if i in rows],
        number=page,
        size=size,
        has_next=len(window) > size and page < MAX_SEARCH_PAGES,
    )
