"""Reads for messages. Everything is about the viewer's own seats: a conversation is read
through the viewer's ``Participant`` row (``access.access_conversation_by_id``), and every
message query goes through ``visible_messages_q`` (not hidden from them, nothing after they
left).

Lists use cursors, not page numbers: the inbox pages by the seat's newest visible message id
(``before``), a conversation by message id (``before`` for earlier, ``after`` for newer), so a
page costs the same at any depth and never COUNTs.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce

from rounds.network.models import Block, Connection

from .models import Message, MessageHide, Participant
from .policies import has_left_rounds

T = TypeVar("T")

INBOX_PAGE_SIZE = 20
MESSAGE_PAGE_SIZE = 30
SEARCH_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
#: Shortest and longest search text.
MIN_QUERY = 2
MAX_QUERY = 100
#: Names shown in a conversation's title before "and N others".
TITLE_NAMES = 3
#: The unread badge stops counting here (the navigation then reads "99+").
UNREAD_CAP = 100

BOXES = ("inbox", "requests", "archived")

Status = Participant.Status


@dataclass
class CursorPage(Generic[T]):
    """One page of a cursor-paginated list. ``has_more``: more items lie beyond this page in
    the direction of the query; ``next_cursor``: the value to pass to continue (``before`` for
    lists going back in time, ``after`` for newer messages)."""

    items: list[T]
    has_more: bool
    next_cursor: int | None = None


# --- what a member row loads ------------------------------------------------------------------

#: The user and profile columns names, avatars and member summaries use.
_SHOWN_USER = frozenset({"id", "is_active", "deletion_scheduled"})
_SHOWN_PROFILE = frozenset({"id", "user", "handle", "display_name", "headline", "role", "avatar"})


def member_deferred(prefix: str) -> list[str]:
    """The columns of a member (user, then profile) reached through ``prefix`` that names,
    avatars and summaries never show, for ``defer()``: a profile has 28 columns (a bio among
    them) and a conversation page loads a member row per participant and per message."""
    from rounds.accounts.models import User
    from rounds.profiles.models import Profile

    user = [f"{prefix}__{f.name}" for f in User._meta.concrete_fields if f.name not in _SHOWN_USER]
    profile = [
        f"{prefix}__profile__{f.name}"
        for f in Profile._meta.concrete_fields
        if f.name not in _SHOWN_PROFILE
    ]
    return user + profile


def _seats() -> QuerySet[Participant]:
    """Participants with the names and avatars of their members (nothing else of them)."""
    return Participant.objects.select_related("user__profile").defer(*member_deferred("user"))


# --- visibility -------------------------------------------------------------------------------


def visible_messages_q(seat: Participant) -> Q:
    """Messages of ``seat``'s conversation that its member may read: nothing from before they
    were added, nothing after they left, nothing hidden from them (a block in a group). Needs
    ``seat.conversation`` loaded."""
    condition = Q(conversation_id=seat.conversation_id)
    if seat.history_start_id is not None:
        condition &= Q(id__gt=seat.history_start_id)
    if seat.history_end_id is not None:
        condition &= Q(id__lte=seat.history_end_id)
    if seat.conversation.has_hidden_messages:
        hidden = Exists(MessageHide.objects.filter(message=OuterRef("pk"), user=seat.user_id))
        condition &= Q(~hidden)
    return condition


def blocked_among(user_id: int, other_ids: Iterable[int]) -> set[int]:
    """Those of ``other_ids`` with a block between them and ``user_id`` (either way)."""
    ids = [i for i in set(other_ids) if i != user_id]
    if not ids:
        return set()
    pairs = Block.objects.filter(
        Q(blocker_id=user_id, blocked_id__in=ids) | Q(blocked_id=user_id, blocker_id__in=ids)
    ).values_list("blocker_id", "blocked_id")
    return {blocked if blocker == user_id else blocker for blocker, blocked in pairs}


def connected_among(user_id: int, other_ids: Iterable[int]) -> set[int]:
    """Those of ``other_ids`` that ``user_id`` is connected to (one indexed lookup)."""
    ids = list(set(other_ids))
    if not ids:
        return set()
    return set(
        Connection.objects.filter(owner_id=user_id, other_id__in=ids).values_list(
            "other_id", flat=True
        )
    )


# --- the inbox --------------------------------------------------------------------------------


def box_q(box: str) -> Q:
    """The seats shown in one tab: the inbox, message requests, or archived conversations."""
    if box == "requests":
        return Q(status=Status.REQUEST)
    if box == "archived":
        return Q(status=Status.ACTIVE, archived=True)
    return Q(status=Status.ACTIVE, archived=False)


def _seats_prefetch() -> Prefetch:
    return Prefetch("conversation__participants", queryset=_seats().order_by("id"), to_attr="seats")


def _inbox_seats(viewer: Any, box: str, before: int | None) -> QuerySet[Participant]:
    """The viewer's seats in ``box`` with a message, older than the cursor ``before``."""
    qs = Participant.objects.filter(box_q(box), user=viewer, last_message__isnull=False)
    if before is not None:
        qs = qs.filter(last_message_id__lt=before)
    return qs


def inbox_for(
    *, viewer: Any, box: str = "inbox", before: int | None = None, size: int = INBOX_PAGE_SIZE
) -> CursorPage[Participant]:
    """The viewer's conversations in ``box``, newest activity first (two queries).

    Each item is the viewer's seat, with ``conversation`` (and ``conversation.seats``, every
    participant with their profile) and ``last_message`` (with its sender's profile) loaded.
    """
    size = max(1, min(size, MAX_PAGE_SIZE))
    rows = list(
        _inbox_seats(viewer, box, before)
        .select_related(
            "conversation", "last_message__sender__profile", "last_message__subject__profile"
        )
        .defer(*member_deferred("last_message__sender"), *member_deferred("last_message__subject"))
        .prefetch_related(_seats_prefetch())
        .order_by("-last_message_id")[: size + 1]
    )
    items = rows[:size]
    has_more = len(rows) > size
    return CursorPage(
        items=items,
        has_more=has_more,
        next_cursor=items[-1].last_message_id if has_more and items else None,
    )


@dataclass(slots=True)
class FaceProfile:
    """The profile fields a name and an avatar need (``{% avatar %}`` takes it as a profile)."""

    display_name: str
    handle: str
    avatar: Any  # a FieldFile: false when there is no photo


@dataclass(slots=True)
class FaceMember:
    is_active: bool
    profile: FaceProfile | None


@dataclass(slots=True)
class FaceSeat:
    """A participant as a list shows it; ``display_name_of(seat.user)``, ``others_of`` and
    ``conversation_title`` take it like a ``Participant``."""

    user_id: int
    status: str
    user: FaceMember


@dataclass(slots=True)
class InboxEntry:
    """One conversation on the inbox page: the viewer's seat, the conversation's kind, its
    newest message the viewer may read, and every participant's name and photo."""

    conversation_id: int
    kind: str
    muted: bool
    last_message_id: int
    last_message_at: Any
    last_read_message_id: int | None
    body: str
    deleted: bool
    sender_id: int | None
    seats: list[FaceSeat]
    #: The newest message's kind (``Message.Kind``) and, for a system line, who it is about.
    message_kind: str = "text"
    subject_id: int | None = None

    @property
    def is_group(self) -> bool:
        return self.kind == "group"

    @property
    def is_unread(self) -> bool:
        return self.last_read_message_id is None or self.last_read_message_id < self.last_message_id


def inbox_entries_for(
    *, viewer: Any, box: str = "inbox", before: int | None = None, size: int = INBOX_PAGE_SIZE
) -> CursorPage[InboxEntry]:
    """``inbox_for`` for the inbox page: the same conversations in the same order, read as
    plain values (two compiled queries, no model instances: building ~100 models per page
    cost more than the page's own rendering). A member who left Rounds (closed, deleting) is
    shown without their profile."""
    page = inbox_rows_for(viewer=viewer, box=box, before=before, size=size, flags=False)
    items = []
    for row in page.items:
        seats = []
        for seat in row.seats:
            member = seat.user
            active = member.is_active and not member.deletion_scheduled
            shown = member.profile
            profile = (
                FaceProfile(shown.display_name, shown.handle, shown.avatar)
                if shown is not None and active
                else None
            )
            seats.append(FaceSeat(seat.user_id, seat.status, FaceMember(active, profile)))
        message = row.last_message
        assert message is not None  # the page lists seats with a message
        items.append(
            InboxEntry(
                row.conversation_id,
                row.conversation.kind,
                row.muted,
                message.pk,
                row.last_message_at,
                row.last_read_message_id,
                message.body or "",
                message.deleted_at is not None,
                message.sender_id,
                seats,
                message.kind,
                message.subject_id,
            )
        )
    return CursorPage(items=items, has_more=page.has_more, next_cursor=page.next_cursor)


def _request_count(*, viewer_id: int) -> QuerySet[Any]:
    """One row: how many message requests wait for the member's answer."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count, IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    waiting = (
        Participant.objects.filter(user_id=OuterRef("pk"), status=Status.REQUEST)
        .order_by()
        .values("user_id")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    return (
        get_user_model()
        ._default_manager.filter(pk=viewer_id)
        .annotate(waiting=Coalesce(Subquery(waiting, output_field=IntegerField()), 0))
        .order_by()
        .values_list("waiting")
    )


def _compiled_request_count() -> Any:
    from rounds.core.compiled import SENTINEL_ID, CompiledQuery

    return CompiledQuery(_request_count, sentinels={"viewer_id": SENTINEL_ID})


#: The inbox's "requests" count (the tab's badge), compiled; one row, so the inbox page reads
#: it with the session and account (``request_count_prefetch``).
REQUEST_COUNT = _compiled_request_count()


def request_count_of(*, viewer: Any, cap: int = 10) -> int:
    """``request_count`` by one compiled query (or the row read with the account)."""
    from django.db import router

    from rounds.core.navigation import prefetched_rows

    rows = prefetched_rows(REQUEST_COUNT, viewer_id=viewer.pk)
    if rows is None:
        rows = REQUEST_COUNT.rows(viewer_id=viewer.pk, using=router.db_for_read(Participant))
    return min(int(rows[0][0] or 0), cap) if rows else 0


def request_count_prefetch(request: Any, viewer_id: int, kwargs: Any) -> Any:
    """The inbox's ``navigation_prefetch`` (``core.navigation``): the requests count."""
    return REQUEST_COUNT, {"viewer_id": viewer_id}


def request_count(*, viewer: Any, cap: int = 10) -> int:
    """Message requests waiting for the viewer's answer (counting stops at ``cap``)."""
    ids = Participant.objects.filter(user=viewer, status=Status.REQUEST).values_list(
        "id", flat=True
    )
    return len(ids[:cap])


def unread_q() -> Q:
    """Seats whose newest visible message is newer than the read marker."""
    return Q(last_message__isnull=False) & (
        Q(last_read_message__isnull=True) | Q(last_message_id__gt=F("last_read_message_id"))
    )


def badge_q() -> Q:
    """Seats counted in the navigation badge: unread conversations that are not muted, and
    message requests waiting for an answer."""
    return unread_q() & (Q(status=Status.ACTIVE, muted=False) | Q(status=Status.REQUEST))


def unread_conversations_subquery(user_ref: Any) -> Coalesce:
    """How many conversations wait for ``user_ref`` (an ``OuterRef`` to a user id), for
    annotating another query (the navigation's one query per page). Not capped: a member has
    at most a few thousand seats, read through the inbox index."""
    counted = (
        Participant.objects.filter(badge_q(), user_id=user_ref)
        .order_by()
        .values("user_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def unread_conversation_count(*, viewer: Any) -> int:
    """Conversations in the navigation badge (see ``badge_q``), capped at ``UNREAD_CAP``."""
    ids = Participant.objects.filter(badge_q(), user=viewer).values_list("id", flat=True)
    return len(ids[:UNREAD_CAP])


# --- one conversation -------------------------------------------------------------------------


def seats_of(conversation_id: int) -> list[Participant]:
    """Every participant of a conversation (who joined first, first), with their names."""
    return list(_seats().filter(conversation_id=conversation_id).order_by("id"))


def messages_page(
    *,
    seat: Participant,
    before: int | None = None,
    after: int | None = None,
    size: int = MESSAGE_PAGE_SIZE,
    senders: bool = True,
) -> CursorPage[Message]:
    """Messages ``seat``'s member may read, oldest first within the page (one query), each
    with its sender's name and avatar (``sender.profile``) unless ``senders`` is False (a
    caller that has the participants already names senders from them).

    Without cursors: the newest ``size``; ``has_more`` says earlier ones exist and
    ``next_cursor`` is the ``before`` to load them. With ``before``: the ``size`` messages
    just before that id (same meaning). With ``after``: the first ``size`` messages after that
    id (for polling); ``has_more`` says newer ones remain and ``next_cursor`` is the next
    ``after``.
    """
    size = max(1, min(size, MAX_PAGE_SIZE))
    qs = Message.objects.filter(visible_messages_q(seat))
    if senders:
        qs = qs.select_related("sender__profile", "subject__profile").defer(
            *member_deferred("sender"), *member_deferred("subject")
        )
    if after is not None:
        rows = list(qs.filter(id__gt=after).order_by("id")[: size + 1])
        items = rows[:size]
        has_more = len(rows) > size
        return CursorPage(
            items=items, has_more=has_more, next_cursor=items[-1].pk if items else after
        )
    if before is not None:
        qs = qs.filter(id__lt=before)
    rows = list(qs.order_by("-id")[: size + 1])
    items = list(reversed(rows[:size]))
    has_more = len(rows) > size
    return CursorPage(
        items=items, has_more=has_more, next_cursor=items[0].pk if has_more and items else None
    )


def latest_visible_message_id(seat: Participant) -> int | None:
    """The id of the newest message ``seat``'s member may read (one indexed query)."""
    return (
        Message.objects.filter(visible_messages_q(seat))
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )


# --- search -----------------------------------------------------------------------------------


def message_search_for(
    *, viewer: Any, q: str, before: int | None = None, size: int = SEARCH_PAGE_SIZE
) -> CursorPage[Message]:
    """Messages containing ``q`` (case-insensitive) that the viewer may read, newest first.

    Searches the viewer's own conversations only (not ignored requests), never past the point
    where they left, never messages hidden from them, never deleted ones. Each message comes
    with its sender's profile and ``conversation.seats``. ``q`` must be 2–100 characters
    (callers validate; shorter or longer returns nothing).
    """
    q = q.strip()
    size = max(1, min(size, MAX_PAGE_SIZE))
    if not MIN_QUERY <= len(q) <= MAX_QUERY:
        return CursorPage(items=[], has_more=False)
    qs = Message.objects.filter(
        Q(conversation__participants__user=viewer),
        Q(conversation__participants__status__in=[Status.ACTIVE, Status.REQUEST, Status.LEFT]),
        Q(conversation__participants__history_end_id__isnull=True)
        | Q(id__lte=F("conversation__participants__history_end_id")),
        Q(conversation__participants__history_start_id__isnull=True)
        | Q(id__gt=F("conversation__participants__history_start_id")),
        deleted_at__isnull=True,
        body__icontains=q,
    ).filter(~Exists(MessageHide.objects.filter(message=OuterRef("pk"), user=viewer)))
    if before is not None:
        qs = qs.filter(id__lt=before)
    rows = list(
        qs.select_related("sender__profile", "conversation")
        .defer(*member_deferred("sender"))
        .prefetch_related(_seats_prefetch())
        .order_by("-id")[: size + 1]
    )
    items = rows[:size]
    has_more = len(rows) > size
    return CursorPage(
        items=items, has_more=has_more, next_cursor=items[-1].pk if has_more and items else None
    )


def read_only_reasons(*, viewer: Any, seats: Sequence[Participant]) -> dict[int, str]:
    """Why the viewer cannot send in each of their ``seats``' conversations ("" when they
    can), by conversation id, in two queries for any number of conversations. Each seat needs
    ``conversation.seats`` (every participant with their user) loaded."""
    from .policies import read_only_reason

    others_by_conversation = {
        seat.conversation_id: others_of(getattr(seat.conversation, "seats", []), viewer.pk)
        for seat in seats
    }
    everyone = {o.user_id for others in others_by_conversation.values() for o in others}
    pending = {
        o.user_id
        for others in others_by_conversation.values()
        for o in others
        if o.status in (Status.REQUEST, Status.IGNORED)
    }
    blocked = blocked_among(viewer.pk, everyone)
    connected = connected_among(viewer.pk, pending)
    reasons = {}
    for seat in seats:
        others = others_by_conversation[seat.conversation_id]
        reasons[seat.conversation_id] = read_only_reason(
            seat=seat,
            conversation=seat.conversation,
            others=others,
            blocked_ids=blocked,
            connected_ids=connected,
            other_name=display_name_of(others[0].user) if others else "them",
        )
    return reasons


# --- titles and read markers ------------------------------------------------------------------


def display_name_of(user: Any) -> str:
    """The member's display name, or "Former member" once they have left Rounds (account
    gone, closed or scheduled for deletion: ``policies.has_left_rounds``)."""
    if user is None or has_left_rounds(user):
        return "Former member"
    profile = getattr(user, "profile", None)
    return profile.display_name if profile is not None else "A member"


def others_of(seats: Sequence[Any], viewer_id: int) -> list[Any]:
    """The other participants, those still in the conversation first."""
    others = [s for s in seats if s.user_id != viewer_id]
    return sorted(others, key=lambda s: s.status == Status.LEFT)


def conversation_title(seats: Sequence[Any], viewer_id: int, *, direct: bool = False) -> str:
    """The other members' names: "Ana Ruiz", "Ana Ruiz, Ben Okafor and Chen Li", "Ana Ruiz,
    Ben Okafor, Chen Li and 4 others" (members who left are not named; a conversation left
    alone says so). A one-to-one conversation (``direct``) whose other member's account is
    gone with their seat is "Former member"."""
    present = [
        display_name_of(s.user)
        for s in others_of(seats, viewer_id)
        if s.status != Status.LEFT or len(seats) == 2
    ]
    if not present:
        return "Former member" if direct else "Only you"
    if len(present) == 1:
        return present[0]
    if len(present) <= TITLE_NAMES:
        return ", ".join(present[:-1]) + " and " + present[-1]
    rest = len(present) - TITLE_NAMES
    return ", ".join(present[:TITLE_NAMES]) + f" and {rest} other{'s' if rest != 1 else ''}"


@dataclass
class SeenMarker:
    """Who has read up to the viewer's newest message (shown under it)."""

    message_id: int
    names: list[str] = field(default_factory=list)


def seen_marker(
    seats: Sequence[Any],
    viewer_id: int,
    messages: Sequence[Message],
    *,
    blocked_ids: Collection[int] = (),
) -> SeenMarker | None:
    """The "Seen" marker under the viewer's newest message on the page when others have read
    that far: for a one-to-one conversation the other member; for a group, every member who
    has — never a member with a block between them and the viewer (``blocked_ids``): the
    viewer's messages are hidden from them, and their reading is none of the viewer's
    business."""
    mine = [
        m for m in messages if m.sender_id == viewer_id and not m.is_deleted and not m.is_system
    ]
    if not mine:
        return None
    newest = mine[-1]
    if any(m.pk > newest.pk and m.sender_id != viewer_id for m in messages):
        return None  # someone answered since: their reply says more than a marker
    names = [
        display_name_of(s.user)
        for s in seats
        if s.user_id != viewer_id
        and s.user_id not in blocked_ids
        and s.status == Status.ACTIVE
        and not has_left_rounds(s.user)
        and s.last_read_message_id is not None
        and s.last_read_message_id >= newest.pk
    ]
    if not names:
        return None
    return SeenMarker(message_id=newest.pk, names=names)


def system_line(
    kind: str,
    *,
    viewer_id: int,
    sender_id: int | None,
    sender_name: str,
    subject_id: int | None,
    subject_name: str,
) -> str:
    """The text of a system line (``Message.is_system``) as the viewer reads it: "Ana Ruiz
    added Chen Li", "You added Chen Li", "Ana Ruiz added you"."""
    if kind != Message.Kind.ADDED:
        return ""
    who = "You" if sender_id is not None and sender_id == viewer_id else sender_name
    whom = "you" if subject_id is not None and subject_id == viewer_id else subject_name
    return f"{who} added {whom}"


# --- the inbox API as values (compiled) -------------------------------------------------------
#
# ``GET /api/v1/conversations`` is read on every app start. Built with the ORM it cost two
# querysets of model instances (~10 per conversation: seat, conversation, message, members,
# profiles) and two more for blocks and connections, ~20 ms for a page of 20. Here it is two
# queries compiled once per process (``rounds.core.compiled``): the page of the viewer's seats
# with their newest message and its sender's and subject's names, then every participant of
# those conversations with their names and, for the viewer, whether a block stands between
# them (either way) and whether they are connected. Rows become small objects that the same
# functions (``conversation_title``, ``policies.read_only_reason``, ``member_summary_out``)
# read like models, so the output is the same by construction (tests compare both paths).


@dataclass(slots=True)
class RowProfile:
    """A profile as names, avatars and member summaries read it."""

    handle: str
    display_name: str
    headline: str
    role: str
    avatar: Any  # a FieldFile of no instance: only its URL and truthiness are used


@dataclass(slots=True)
class RowMember:
    """A user as ``has_left_rounds``, ``display_name_of`` and ``member_summary_out`` read it."""

    pk: int
    is_active: bool
    deletion_scheduled: bool
    profile: RowProfile | None


@dataclass(slots=True)
class RowSeat:
    """A participant as titles, read-only reasons and ``participant_out`` read it, with
    whether a block stands between them and the viewer and whether the viewer is connected
    to them."""

    user_id: int
    status: str
    last_read_message_id: int | None
    user: RowMember
    blocked: bool = False
    connected: bool = False


@dataclass(slots=True)
class RowMessage:
    """A message as ``schemas.message_row_out`` shows it."""

    pk: int
    conversation_id: int
    sender_id: int | None
    sender: RowMember | None
    body: str
    body_html: str
    created_at: Any
    deleted_at: Any
    kind: str
    subject_id: int | None
    subject: RowMember | None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_system(self) -> bool:
        return self.kind != Message.Kind.TEXT

    @property
    def html(self) -> Any:
        """``Message.html``: the stored sanitised HTML, or rendered now for a row written
        without it."""
        from django.utils.safestring import mark_safe

        from .models import body_html_of

        return mark_safe(self.body_html or body_html_of(self.body))  # noqa: S308 - nh3 output


@dataclass(slots=True)
class RowConversation:
    pk: int
    kind: str

    @property
    def is_group(self) -> bool:
        return self.kind == "group"


@dataclass(slots=True)
class InboxRow:
    """One conversation of the inbox API: the viewer's seat (``status`` … ``last_read_at``),
    the conversation, its newest message the viewer may read, and every participant."""

    conversation_id: int
    conversation: RowConversation
    status: str
    muted: bool
    archived: bool
    last_message_id: int | None
    last_message_at: Any
    last_read_message_id: int | None
    last_read_at: Any
    last_message: RowMessage | None
    seats: list[RowSeat]

    @property
    def is_unread(self) -> bool:
        if self.last_message_id is None:
            return False
        return self.last_read_message_id is None or self.last_read_message_id < self.last_message_id


#: A member's columns reached through a prefix, in the order ``_row_member`` reads them.
_MEMBER_COLUMNS = (
    "is_active",
    "deletion_scheduled",
    "profile__handle",
    "profile__display_name",
    "profile__headline",
    "profile__role",
    "profile__avatar",
)


def _member_columns(prefix: str) -> tuple[str, ...]:
    return (f"{prefix}_id", *(f"{prefix}__{c}" for c in _MEMBER_COLUMNS))


_AVATAR: Any = None


def _avatar_file(name: str | None) -> Any:
    global _AVATAR
    if _AVATAR is None:
        from rounds.profiles.models import Profile

        _AVATAR = Profile._meta.get_field("avatar")
    return _AVATAR.attr_class(None, _AVATAR, name or "")


def _row_member(values: Sequence[Any]) -> RowMember | None:
    """A member from ``_member_columns`` values (None when the account is gone)."""
    pk, active, leaving, handle, name, headline, role, avatar = values
    if pk is None:
        return None
    profile = (
        None if handle is None else RowProfile(handle, name, headline, role, _avatar_file(avatar))
    )
    return RowMember(pk, bool(active), bool(leaving), profile)


_INBOX_SEAT_COLUMNS = (
    "conversation_id",
    "conversation__kind",
    "status",
    "muted",
    "archived",
    "last_message_id",
    "last_message_at",
    "last_read_message_id",
    "last_read_at",
    "last_message__conversation_id",
    "last_message__body",
    "last_message__body_html",
    "last_message__created_at",
    "last_message__deleted_at",
    "last_message__kind",
    "last_message__sender_id",
    "last_message__subject_id",
)


def _inbox_seat_rows(
    shape: tuple[str, int, bool], *, viewer_id: int, before: int | None = None
) -> QuerySet[Participant]:
    box, limit, paged = shape
    qs = Participant.objects.filter(box_q(box), user_id=viewer_id, last_message__isnull=False)
    if paged:
        qs = qs.filter(last_message_id__lt=before)
    return qs.order_by("-last_message_id").values_list(*_INBOX_SEAT_COLUMNS)[:limit]


def _inbox_seat_sentinels(shape: tuple[str, int, bool]) -> dict[str, Any]:
    from rounds.core.compiled import SENTINEL_ID

    if shape[2]:
        return {"viewer_id": SENTINEL_ID, "before": SENTINEL_ID - 1}
    return {"viewer_id": SENTINEL_ID}


_SEAT_COLUMNS = (
    "conversation_id",
    "user_id",
    "status",
    "last_read_message_id",
    *_member_columns("user")[1:],
    "blocks_viewer",
    "blocked_by_viewer",
    "viewer_connected",
)


def _conversation_ids(count: int) -> list[str]:
    return [f"c{i}" for i in range(count)]


def _participant_rows(
    shape: tuple[int, bool], *, viewer_id: int | None = None, **ids: int
) -> QuerySet[Participant]:
    """Every participant of ``shape[0]`` conversations (oldest seat first), with the viewer's
    blocks and connection to each when ``shape[1]``."""
    count, flags = shape
    wanted = [ids[name] for name in _conversation_ids(count)]
    qs = Participant.objects.filter(conversation_id__in=wanted).order_by("id")
    if not flags:
        return qs.values_list(*_SEAT_COLUMNS[:-3])
    return qs.annotate(
        blocks_viewer=Exists(
            Block.objects.filter(blocker_id=OuterRef("user_id"), blocked_id=viewer_id)
        ),
        blocked_by_viewer=Exists(
            Block.objects.filter(blocker_id=viewer_id, blocked_id=OuterRef("user_id"))
        ),
        viewer_connected=Exists(
            Connection.objects.filter(owner_id=viewer_id, other_id=OuterRef("user_id"))
        ),
    ).values_list(*_SEAT_COLUMNS)


def _participant_sentinels(shape: tuple[int, bool]) -> dict[str, Any]:
    from rounds.core.compiled import SENTINEL_ID

    count, flags = shape
    ids = {name: SENTINEL_ID - 1 - i for i, name in enumerate(_conversation_ids(count))}
    return {"viewer_id": SENTINEL_ID, **ids} if flags else ids


def _compiled() -> tuple[Any, Any]:
    from rounds.core.compiled import CompiledShapes

    return (
        CompiledShapes(_inbox_seat_rows, sentinels=_inbox_seat_sentinels),
        CompiledShapes(
            _participant_rows, sentinels=_participant_sentinels, limit=4 * MAX_PAGE_SIZE
        ),
    )


#: The inbox API's two queries, compiled once per shape: (box, page size, paged) and the
#: number of conversations on the page.
INBOX_SEAT_ROWS, PARTICIPANT_ROWS = _compiled()


def seat_rows_of(
    conversation_ids: Sequence[int], *, viewer_id: int, flags: bool = True
) -> dict[int, list[RowSeat]]:
    """Every participant of ``conversation_ids`` (oldest seat first) as ``RowSeat``s with the
    viewer's blocks and connections (unless ``flags`` is False: then ``blocked`` and
    ``connected`` are False), by conversation (one compiled query)."""
    from django.db import router

    ids = list(dict.fromkeys(conversation_ids))
    seats: dict[int, list[RowSeat]] = {cid: [] for cid in ids}
    if not ids:
        return seats
    values: dict[str, Any] = {f"c{i}": cid for i, cid in enumerate(ids)}
    if flags:
        values["viewer_id"] = viewer_id
    rows = PARTICIPANT_ROWS.rows((len(ids), flags), using=router.db_for_read(Participant), **values)
    members: dict[int, RowMember | None] = {}
    for row in rows:
        cid, user_id, status, read_id = row[:4]
        member = members.get(user_id)
        if member is None:
            member = members[user_id] = _row_member((user_id, *row[4:11]))
        seats[cid].append(
            RowSeat(
                user_id,
                status,
                read_id,
                member,  # type: ignore[arg-type]  # a seat's user always exists
                blocked=flags and user_id != viewer_id and bool(row[11] or row[12]),
                connected=flags and bool(row[13]),
            )
        )
    return seats


def members_of(ids: Collection[int], *, known: dict[int, Any]) -> dict[int, Any]:
    """Add to ``known`` (user id → ``RowMember``) the members of ``ids`` it lacks, read in one
    query (none when it lacks nobody); returns ``known``."""
    missing = [i for i in ids if i not in known]
    if missing:
        from rounds.accounts.models import User

        for values in User.objects.filter(pk__in=missing).values_list("id", *_MEMBER_COLUMNS):
            known[values[0]] = _row_member(values)
    return known


def inbox_rows_for(
    *,
    viewer: Any,
    box: str = "inbox",
    before: int | None = None,
    size: int = INBOX_PAGE_SIZE,
    flags: bool = True,
) -> CursorPage[InboxRow]:
    """``inbox_for`` as plain rows for the API (two compiled queries, no model instances):
    the same conversations in the same order, each with every participant (``seats``)."""
    from django.db import router

    size = max(1, min(size, MAX_PAGE_SIZE))
    shape = (box, size + 1, before is not None)
    values: dict[str, Any] = {"viewer_id": viewer.pk}
    if before is not None:
        values["before"] = before
    rows = INBOX_SEAT_ROWS.rows(shape, using=router.db_for_read(Participant), **values)
    page = rows[:size]
    seats = seat_rows_of([row[0] for row in page], viewer_id=viewer.pk, flags=flags)
    # senders and subjects are named from the seats (a member's seat goes only with their
    # account, which empties ``sender``); any other is read by id (no joins in the page's
    # query: planning seven tables cost the database more than running it)
    members = {seat.user_id: seat.user for found in seats.values() for seat in found}
    members_of({row[i] for row in page for i in (15, 16) if row[i] is not None}, known=members)
    items = []
    for row in page:
        (cid, kind, status, muted, archived, last_id, last_at, read_id, read_at) = row[:9]
        message = None
        if last_id is not None:
            m_cid, body, body_html, created_at, deleted_at, m_kind, sender_id, subject_id = row[
                9:17
            ]
            message = RowMessage(
                last_id,
                m_cid,
                sender_id,
                members.get(sender_id),
                body,
                body_html,
                created_at,
                deleted_at,
                m_kind,
                subject_id,
                members.get(subject_id),
            )
        items.append(
            InboxRow(
                cid,
                RowConversation(cid, kind),
                status,
                bool(muted),
                bool(archived),
                last_id,
                last_at,
                read_id,
                read_at,
                message,
                seats[cid],
            )
        )
    has_more = len(rows) > size
    return CursorPage(
        items=items,
        has_more=has_more,
        next_cursor=items[-1].last_message_id if has_more and items else None,
    )


def row_read_only_reason(row: Any, viewer_id: int) -> str:
    """``policies.read_only_reason`` for an ``InboxRow`` (its seats carry blocks and
    connections)."""
    from .policies import read_only_reason

    others = others_of(row.seats, viewer_id)
    return read_only_reason(
        seat=row,  # type: ignore[arg-type]
        conversation=row.conversation,
        others=others,
        blocked_ids={s.user_id for s in row.seats if s.blocked},
        connected_ids={s.user_id for s in row.seats if s.connected},
        other_name=display_name_of(others[0].user) if others else "them",
    )


# --- a conversation's messages as values (compiled) -------------------------------------------

_MESSAGE_COLUMNS = (
    "id",
    "conversation_id",
    "body",
    "body_html",
    "created_at",
    "deleted_at",
    "kind",
    "sender_id",
    "subject_id",
)
_MESSAGE_MEMBER_COLUMNS = (*_member_columns("sender"), *_member_columns("subject"))


def _message_rows(
    shape: tuple[bool, bool, bool, str, int, bool],
    *,
    conversation_id: int,
    start: int | None = None,
    end: int | None = None,
    user_id: int | None = None,
    cursor: int | None = None,
) -> QuerySet[Message]:
    """``messages_page``'s query (``visible_messages_q`` spelled out per shape)."""
    hidden, has_start, has_end, mode, limit, senders = shape
    condition = Q(conversation_id=conversation_id)
    if has_start:
        condition &= Q(id__gt=start)
    if has_end:
        condition &= Q(id__lte=end)
    if hidden:
        condition &= Q(~Exists(MessageHide.objects.filter(message=OuterRef("pk"), user=user_id)))
    qs = Message.objects.filter(condition)
    if mode == "after":
        qs = qs.filter(id__gt=cursor).order_by("id")
    elif mode == "before":
        qs = qs.filter(id__lt=cursor).order_by("-id")
    else:
        qs = qs.order_by("-id")
    columns = _MESSAGE_COLUMNS + (_MESSAGE_MEMBER_COLUMNS if senders else ())
    return qs.values_list(*columns)[:limit]


def _message_sentinels(shape: tuple[bool, bool, bool, str, int, bool]) -> dict[str, Any]:
    from rounds.core.compiled import SENTINEL_ID

    hidden, has_start, has_end, mode, _, _ = shape
    names = {"conversation_id": SENTINEL_ID}
    if has_start:
        names["start"] = SENTINEL_ID - 1
    if has_end:
        names["end"] = SENTINEL_ID - 2
    if hidden:
        names["user_id"] = SENTINEL_ID - 3
    if mode != "latest":
        names["cursor"] = SENTINEL_ID - 4
    return names


def _compiled_messages() -> Any:
    from rounds.core.compiled import CompiledShapes

    return CompiledShapes(_message_rows, sentinels=_message_sentinels, limit=128)


#: A conversation's page of messages, compiled once per shape (which filters the seat needs,
#: which direction, page size, with or without the senders' names).
MESSAGE_ROWS = _compiled_messages()


def message_rows_page(
    *,
    seat: Participant,
    before: int | None = None,
    after: int | None = None,
    size: int = MESSAGE_PAGE_SIZE,
    senders: bool = True,
) -> CursorPage[RowMessage]:
    """``messages_page`` as ``RowMessage``s (one compiled query, no model instances): the
    same messages, order and cursors. Without ``senders`` the messages carry no sender or
    subject (a caller that has the participants names them)."""
    from django.db import router

    size = max(1, min(size, MAX_PAGE_SIZE))
    hidden = bool(seat.conversation.has_hidden_messages)
    has_start = seat.history_start_id is not None
    has_end = seat.history_end_id is not None
    mode = "after" if after is not None else "before" if before is not None else "latest"
    values: dict[str, Any] = {"conversation_id": seat.conversation_id}
    if has_start:
        values["start"] = seat.history_start_id
    if has_end:
        values["end"] = seat.history_end_id
    if hidden:
        values["user_id"] = seat.user_id
    if mode != "latest":
        values["cursor"] = after if after is not None else before
    shape = (hidden, has_start, has_end, mode, size + 1, senders)
    rows = MESSAGE_ROWS.rows(shape, using=router.db_for_read(Message), **values)
    messages = []
    for row in rows:
        pk, cid, body, body_html, created_at, deleted_at, kind, sender_id, subject_id = row[:9]
        sender = subject = None
        if senders:
            sender = _row_member(row[9:17])
            subject = _row_member(row[17:25])
        messages.append(
            RowMessage(
                pk,
                cid,
                sender_id,
                sender,
                body,
                body_html,
                created_at,
                deleted_at,
                kind,
                subject_id,
                subject,
            )
        )
    if mode == "after":
        items = messages[:size]
        has_more = len(messages) > size
        return CursorPage(
            items=items, has_more=has_more, next_cursor=items[-1].pk if items else after
        )
    items = list(reversed(messages[:size]))
    has_more = len(messages) > size
    return CursorPage(
        items=items, has_more=has_more, next_cursor=items[0].pk if has_more and items else None
    )
