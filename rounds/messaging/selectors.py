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
    plain values (two queries, no model instances: building ~100 models per page cost more
    than the page's own rendering)."""
    from rounds.profiles.models import Profile

    size = max(1, min(size, MAX_PAGE_SIZE))
    rows = list(
        _inbox_seats(viewer, box, before)
        .order_by("-last_message_id")
        .values_list(
            "conversation_id",
            "conversation__kind",
            "muted",
            "last_message_id",
            "last_message_at",
            "last_read_message_id",
            "last_message__body",
            "last_message__deleted_at",
            "last_message__sender_id",
            "last_message__kind",
            "last_message__subject_id",
        )[: size + 1]
    )
    page = rows[:size]
    seats: dict[int, list[FaceSeat]] = {row[0]: [] for row in page}
    if page:
        photo = Profile._meta.get_field("avatar")
        for conversation_id, user_id, status, active, leaving, name, handle, avatar in (
            Participant.objects.filter(conversation_id__in=list(seats))
            .order_by("id")
            .values_list(
                "conversation_id",
                "user_id",
                "status",
                "user__is_active",
                "user__deletion_scheduled",
                "user__profile__display_name",
                "user__profile__handle",
                "user__profile__avatar",
            )
        ):
            active = active and not leaving  # scheduled for deletion: shown as departed
            profile = (
                None
                if handle is None or not active
                else FaceProfile(
                    # a file of no instance: only its URL and truthiness are used
                    name,
                    handle,
                    photo.attr_class(None, photo, avatar or ""),  # type: ignore[arg-type]
                )
            )
            seats[conversation_id].append(FaceSeat(user_id, status, FaceMember(active, profile)))
    items = [
        InboxEntry(
            cid,
            kind,
            muted,
            last_id,
            last_at,
            read_id,
            body or "",
            deleted is not None,
            sender,
            seats[cid],
            message_kind,
            subject,
        )
        for (
            cid,
            kind,
            muted,
            last_id,
            last_at,
            read_id,
            body,
            deleted,
            sender,
            message_kind,
            subject,
        ) in page
    ]
    has_more = len(rows) > size
    return CursorPage(
        items=items,
        has_more=has_more,
        next_cursor=items[-1].last_message_id if has_more and items else None,
    )


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
    seats: Sequence[Participant],
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
