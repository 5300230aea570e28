"""Reads for notifications: the member's own list (cursor-paginated), unread count, and their
email delivery per kind. Everything here is about the viewer; nothing reads another member's."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet

from rounds.core.compiled import SENTINEL_ID, SENTINEL_TIME, CompiledShapes
from rounds.core.errors import ValidationFailed
from rounds.core.navigation import prefetched_rows

from .models import (
    DEFAULT_DELIVERY,
    KIND_DESCRIPTIONS,
    KIND_GROUP_OF,
    KIND_GROUPS,
    Delivery,
    Kind,
    Notification,
    NotificationPreference,
)

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
#: The badge reads "99+" from here on; counting stops here too.
UNREAD_BADGE_CAP = 100
#: The API reports exact counts up to here.
UNREAD_API_CAP = 1000

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CURSOR = re.compile(r"^(\d{1,17})-(\d{1,19})$")
_MAX_ID = 2**63 - 1
_COLUMN = re.compile(r'^"[a-z_]+"\."[a-z_]+"$')
CURSOR_ERROR = "This page link is not valid; start again from the newest notifications."


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a page of the newest-first list continues: strictly older than (created_at, id)."""

    created_at: datetime
    id: int

    def encode(self) -> str:
        micros = (self.created_at - _EPOCH) // timedelta(microseconds=1)
        return f"{micros}-{self.id}"

    @classmethod
    def decode(cls, value: str) -> Cursor:
        """Parse a cursor from a link or the API; ValidationFailed (field ``cursor``) if malformed."""
        match = _CURSOR.match(value or "") if isinstance(value, str) else None
        if match is None:
            raise ValidationFailed(CURSOR_ERROR, field="cursor")
        micros, pk = int(match.group(1)), int(match.group(2))
        if not 0 < pk <= _MAX_ID:
            raise ValidationFailed(CURSOR_ERROR, field="cursor")
        try:
            created_at = _EPOCH + timedelta(microseconds=micros)
        except OverflowError as exc:
            raise ValidationFailed(CURSOR_ERROR, field="cursor") from exc
        return cls(created_at=created_at, id=pk)


@dataclass(frozen=True, slots=True)
class NotificationPage:
    items: list[Notification]
    next_cursor: str | None
    is_first: bool

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


#: What a listed notification shows of who caused it: name and photo (a profile has 28
#: columns; a page of 20 loads 20 of them).
ACTOR_FIELDS = (
    "actor__is_active",
    "actor__profile__user",
    "actor__profile__handle",
    "actor__profile__display_name",
    "actor__profile__avatar",
)
NOTIFICATION_FIELDS = tuple(f.name for f in Notification._meta.concrete_fields)


def notifications_of(*, viewer: Any) -> QuerySet[Notification]:
    """The viewer's notifications, newest first, with who caused each (name and photo only,
    for the avatar)."""
    return (
        Notification.objects.filter(recipient_id=viewer.pk)
        .select_related("actor__profile")
        .only(*NOTIFICATION_FIELDS, *ACTOR_FIELDS)
        .order_by("-created_at", "-id")
    )


def notification_page_for(
    *, viewer: Any, cursor: str | None = None, size: int = DEFAULT_PAGE_SIZE, unread: bool = False
) -> NotificationPage:
    """One page of the viewer's notifications, newest first, after ``cursor`` (from the
    previous page's ``next_cursor``). One query whatever the size. ValidationFailed for a
    malformed cursor."""
    size = max(1, min(int(size), MAX_PAGE_SIZE))
    queryset = notifications_of(viewer=viewer)
    if unread:
        queryset = queryset.filter(read_at__isnull=True)
    if cursor:
        after = Cursor.decode(cursor)
        queryset = queryset.filter(
            Q(created_at__lt=after.created_at) | Q(created_at=after.created_at, id__lt=after.id)
        )
    rows = list(queryset[: size + 1])
    items = rows[:size]
    next_cursor = None
    if len(rows) > size:
        last = items[-1]
        next_cursor = Cursor(created_at=last.created_at, id=last.pk).encode()
    return NotificationPage(items=items, next_cursor=next_cursor, is_first=not cursor)


#: What the API shows of a notification, in order (``schemas.notification_row_out``).
NOTIFICATION_ROW_FIELDS = ("id", "kind", "text", "url", "created_at", "read_at", "emailed_at")


def _notifications(viewer_id: int, unread: bool) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient_id=viewer_id)
    return qs.filter(read_at__isnull=True) if unread else qs


def _first_rows(shape: tuple[bool, int], *, viewer_id: int) -> QuerySet[Notification]:
    unread, limit = shape
    return (
        _notifications(viewer_id, unread)
        .order_by("-created_at", "-id")
        .values_list(*NOTIFICATION_ROW_FIELDS)[:limit]
    )


def _rows_after(
    shape: tuple[bool, int], *, viewer_id: int, before_at: datetime, before_id: int
) -> QuerySet[Notification]:
    unread, limit = shape
    return (
        _notifications(viewer_id, unread)
        .filter(Q(created_at__lt=before_at) | Q(created_at=before_at, id__lt=before_id))
        .order_by("-created_at", "-id")
        .values_list(*NOTIFICATION_ROW_FIELDS)[:limit]
    )


#: The API's list (read on every app start): compiled once per shape (unread filter, page
#: size), first page and later pages, instead of built by the ORM per request.
FIRST_ROWS = CompiledShapes(_first_rows, sentinels={"viewer_id": SENTINEL_ID})
ROWS_AFTER = CompiledShapes(
    _rows_after,
    sentinels={"viewer_id": SENTINEL_ID, "before_at": SENTINEL_TIME, "before_id": SENTINEL_ID - 1},
)


@dataclass(frozen=True, slots=True)
class NotificationRowPage:
    rows: list[tuple[Any, ...]]
    next_cursor: str | None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


def notification_rows_for(
    *, viewer: Any, cursor: str | None = None, size: int = DEFAULT_PAGE_SIZE, unread: bool = False
) -> NotificationRowPage:
    """``notification_page_for`` as ``NOTIFICATION_ROW_FIELDS`` tuples (no actor, no model
    instances): one compiled query. ValidationFailed for a malformed cursor."""
    from django.db import router

    size = max(1, min(int(size), MAX_PAGE_SIZE))
    after = Cursor.decode(cursor) if cursor else None
    using = router.db_for_read(Notification)
    shape = (bool(unread), size + 1)
    if after is None:
        rows = FIRST_ROWS.rows(shape, viewer_id=viewer.pk, using=using)
    else:
        rows = ROWS_AFTER.rows(
            shape, viewer_id=viewer.pk, before_at=after.created_at, before_id=after.id, using=using
        )
    items = rows[:size]
    next_cursor = None
    if len(rows) > size:
        last = items[-1]
        next_cursor = Cursor(created_at=last[4], id=last[0]).encode()
    return NotificationRowPage(rows=items, next_cursor=next_cursor)


def unread_count_for(*, viewer: Any, cap: int = UNREAD_BADGE_CAP) -> int:
    """How many of the viewer's notifications are unread, counting at most ``cap``."""
    if not getattr(viewer, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient_id=viewer.pk, read_at__isnull=True)[:cap].count()


def deliveries_for(*, user_id: int) -> dict[str, str]:
    """Every kind's email delivery for the member: their choice, else the default."""
    chosen = dict(
        NotificationPreference.objects.filter(user_id=user_id).values_list("kind", "delivery")
    )
    return {kind: chosen.get(kind, DEFAULT_DELIVERY[kind]) for kind in Kind.values}


def deliveries_for_many(user_ids: list[int]) -> dict[int, dict[str, str]]:
    """``deliveries_for`` for many members in one query."""
    chosen: dict[int, dict[str, str]] = {uid: {} for uid in user_ids}
    for uid, kind, delivery in NotificationPreference.objects.filter(
        user_id__in=user_ids
    ).values_list("user_id", "kind", "delivery"):
        chosen[uid][kind] = delivery
    return {
        uid: {kind: mine.get(kind, DEFAULT_DELIVERY[kind]) for kind in Kind.values}
        for uid, mine in chosen.items()
    }


@dataclass(frozen=True, slots=True)
class PreferenceRow:
    kind: str
    label: str
    description: str
    group: str
    group_title: str
    delivery: str
    default: str
    chosen: bool


def preference_rows_for(*, user_id: int) -> list[PreferenceRow]:
    """One row per kind, in the preferences page's order, with the member's delivery."""
    chosen = dict(
        NotificationPreference.objects.filter(user_id=user_id).values_list("kind", "delivery")
    )
    rows = []
    for group in KIND_GROUPS:
        for kind, _ in group.kinds:
            rows.append(
                PreferenceRow(
                    kind=kind,
                    label=str(Kind(kind).label),
                    description=KIND_DESCRIPTIONS[kind],
                    group=group.key,
                    group_title=KIND_GROUP_OF[kind].title,
                    delivery=chosen.get(kind, DEFAULT_DELIVERY[kind]),
                    default=DEFAULT_DELIVERY[kind],
                    chosen=kind in chosen,
                )
            )
    return rows


DELIVERY_CHOICES: list[tuple[str, str]] = [(d.value, str(d.label)) for d in Delivery]


def unread_count_annotation(*, user_column: str, cap: int = UNREAD_BADGE_CAP) -> Any:
    """An expression counting (up to ``cap``) the unread notifications of the user whose id
    is in ``user_column`` of the outer query (e.g. ``"profiles_profile"."user_id"``), for the
    page's one profile query. The LIMIT keeps it cheap for members with thousands unread."""
    from django.db import connection
    from django.db.models import IntegerField
    from django.db.models.expressions import RawSQL

    if not _COLUMN.match(user_column):
        raise ValueError(f"Not a column reference: {user_column!r}")
    table = connection.ops.quote_name(Notification._meta.db_table)
    # Built only from the model's table name, a checked column reference and an int.
    sql = (
        f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} n WHERE n.recipient_id = {user_column} "  # noqa: S608
        f"AND n.read_at IS NULL LIMIT {int(cap)}) capped"
    )
    return RawSQL(sql, (), output_field=IntegerField())  # noqa: S611


#: The member column of the page's profile query, for ``unread_count_annotation``.
PROFILE_USER_ID = '"profiles_profile"."user_id"'


# --- the list page as values (compiled) -------------------------------------------------------

#: What the list page shows of a notification and of who caused it (name and photo).
PAGE_ROW_FIELDS = (
    *NOTIFICATION_ROW_FIELDS,
    "actor_id",
    "actor__profile__handle",
    "actor__profile__display_name",
    "actor__profile__avatar",
)


def _page_rows(
    shape: tuple[bool, int, bool],
    *,
    viewer_id: int,
    before_at: datetime | None = None,
    before_id: int | None = None,
) -> QuerySet[Notification]:
    from django.db.models import Exists, OuterRef

    from rounds.network.models import Block

    unread, limit, paged = shape
    qs = _notifications(viewer_id, unread)
    if paged:
        qs = qs.filter(Q(created_at__lt=before_at) | Q(created_at=before_at, id__lt=before_id))
    # Whether a block stands between the viewer and the one who caused it (either way): their
    # face is not shown then, as it is not for a member who left Rounds.
    blocked = Block.objects.filter(
        Q(blocker_id=viewer_id, blocked_id=OuterRef("actor_id"))
        | Q(blocker_id=OuterRef("actor_id"), blocked_id=viewer_id)
    )
    return (
        qs.annotate(actor_blocked=Exists(blocked))
        .order_by("-created_at", "-id")
        .values_list(
            *PAGE_ROW_FIELDS, "actor__is_active", "actor__deletion_scheduled", "actor_blocked"
        )[:limit]
    )


def _page_sentinels(shape: tuple[bool, int, bool]) -> dict[str, Any]:
    if shape[2]:
        return {"viewer_id": SENTINEL_ID, "before_at": SENTINEL_TIME, "before_id": SENTINEL_ID - 1}
    return {"viewer_id": SENTINEL_ID}


#: The list page's query, compiled once per shape (unread filter, page size, paged).
PAGE_ROWS = CompiledShapes(_page_rows, sentinels=_page_sentinels)


@dataclass(slots=True)
class ActorProfile:
    """Who caused a notification, as ``{% avatar %}`` reads a profile."""

    handle: str
    display_name: str
    avatar: Any  # a FieldFile of no instance: only its URL and truthiness are used


@dataclass(slots=True)
class Actor:
    profile: ActorProfile | None


_KIND_LABELS = {value: str(label) for value, label in Kind.choices}
_AVATAR: Any = None


def _avatar_file(name: str | None) -> Any:
    global _AVATAR
    if _AVATAR is None:
        from rounds.profiles.models import Profile

        _AVATAR = Profile._meta.get_field("avatar")
    return _AVATAR.attr_class(None, _AVATAR, name or "")


@dataclass(slots=True)
class NotificationItem:
    """A notification as the list page shows it (``_item.html`` reads it like the model)."""

    pk: int
    kind: str
    text: str
    url: str
    created_at: datetime
    read_at: datetime | None
    emailed_at: datetime | None
    actor_id: int | None
    actor: Actor | None
    #: "5 minutes" (what ``|timesince`` shows), set by the page that keys its HTML on it.
    since: str = ""

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def get_kind_display(self) -> str:
        return _KIND_LABELS.get(self.kind, self.kind)


def notification_item_page_for(
    *, viewer: Any, cursor: str | None = None, size: int = DEFAULT_PAGE_SIZE, unread: bool = False
) -> NotificationPage:
    """``notification_page_for`` as ``NotificationItem``s (one compiled query, no model
    instances). ValidationFailed for a malformed cursor."""
    from django.db import router

    size = max(1, min(int(size), MAX_PAGE_SIZE))
    after = Cursor.decode(cursor) if cursor else None
    using = router.db_for_read(Notification)
    shape = (bool(unread), size + 1, after is not None)
    if after is None:
        query = PAGE_ROWS.query(shape, names={"viewer_id": viewer.pk})
        rows = prefetched_rows(query, viewer_id=viewer.pk)  # read with the account
        if rows is None:
            rows = query.rows(viewer_id=viewer.pk, using=using)
    else:
        rows = PAGE_ROWS.rows(
            shape, viewer_id=viewer.pk, before_at=after.created_at, before_id=after.id, using=using
        )
    items = []
    for (
        pk,
        kind,
        text,
        url,
        created_at,
        read_at,
        emailed_at,
        actor_id,
        handle,
        name,
        avatar,
        actor_active,
        actor_leaving,
        actor_blocked,
    ) in rows[:size]:
        actor = None
        if actor_id is not None:
            # No face (photo, link) for a member who left Rounds or with a block either way.
            shown = handle is not None and actor_active and not actor_leaving
            shown = shown and not actor_blocked
            profile = ActorProfile(handle, name, _avatar_file(avatar)) if shown else None
            actor = Actor(profile)
        items.append(
            NotificationItem(pk, kind, text, url, created_at, read_at, emailed_at, actor_id, actor)
        )
    next_cursor = None
    if len(rows) > size:
        last = items[-1]
        next_cursor = Cursor(created_at=last.created_at, id=last.pk).encode()
    return NotificationPage(items=items, next_cursor=next_cursor, is_first=not cursor)  # type: ignore[arg-type]


def notification_page_prefetch(size: int) -> Any:
    """The notifications list's ``navigation_prefetch`` (``core.navigation``): its first page
    of ``size`` rows (everything or unread), read with the session and the account."""

    rows = max(1, min(int(size), MAX_PAGE_SIZE)) + 1  # as ``notification_item_page_for``

    def plan(request: Any, viewer_id: int, kwargs: Any) -> Any:
        if request.GET.get("cursor"):
            return None
        unread = request.GET.get("show") == "unread"
        query = PAGE_ROWS.query((unread, rows, False), names={"viewer_id": viewer_id})
        return query, {"viewer_id": viewer_id}

    return plan
