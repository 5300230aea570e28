"""API schemas for direct messages.

Inputs (``*In``, ``*Params``) refuse unknown body fields (422). Outputs are built by the
``*_out`` functions from objects the selectors already loaded (participants with profiles,
messages with their senders), so a list costs the same number of queries at any length.
Another member's private settings (mute, archive, an ignored request) never appear: others are
shown as ``active``, ``pending`` (has not accepted a request yet) or ``left``.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Schema

from rounds.core.api_utils import Safe
from rounds.network.schemas import MemberSummaryOut, member_summary_out
from rounds.profiles.schemas import InSchema

from .models import MAX_BODY, MAX_PARTICIPANTS, Conversation, Message, Participant
from .policies import has_left_rounds
from .selectors import MAX_PAGE_SIZE, MAX_QUERY, MIN_QUERY, conversation_title, others_of

Handle = Annotated[str, Field(min_length=1, max_length=220, description="A member's handle."), Safe]
#: Checked by the service (empty, > 5,000 characters, NUL, invalid Unicode → 422 on ``body``):
#: the API's validation errors cannot name a field called "body" (a location name there).
Body = Annotated[str, Field(description=f"Markdown-light text, at most {MAX_BODY:,} characters.")]
Box = Literal["inbox", "requests", "archived"]
Status = Participant.Status

#: Largest id a cursor may carry (bigint).
MAX_CURSOR = 2**63 - 1


# --- inputs -----------------------------------------------------------------------------------


class ConversationCreateIn(InSchema):
    to: list[Handle] = Field(
        ...,
        min_length=1,
        max_length=MAX_PARTICIPANTS - 1,
        description=(
            "Handles of the people to write to: one member (a one-to-one conversation; the "
            "one you already have with them is reused), or up to "
            f"{MAX_PARTICIPANTS - 1} of your connections (a group)."
        ),
    )
    body: Body = Field(..., description=f"The first message (Markdown-light, ≤ {MAX_BODY:,}).")
    acknowledge_warnings: bool = Field(
        False,
        description=(
            "Send despite the professionalism guard's warnings (after a 422 with "
            "`guard.needs_confirmation`). Never overrides patient information."
        ),
    )


class MessageIn(InSchema):
    body: Body = Field(..., description=f"Markdown-light text, at most {MAX_BODY:,} characters.")
    acknowledge_warnings: bool = Field(
        False,
        description=(
            "Send despite the professionalism guard's warnings (after a 422 with "
            "`guard.needs_confirmation`). Never overrides patient information."
        ),
    )


class ParticipantsAddIn(InSchema):
    to: list[Handle] = Field(
        ...,
        min_length=1,
        max_length=MAX_PARTICIPANTS - 2,
        description=(
            "Handles of your connections to add to the group (it holds at most "
            f"{MAX_PARTICIPANTS} people, you included; members who left do not count)."
        ),
    )


class ConversationListParams(Schema):
    box: Box = Field(
        "inbox",
        description="`inbox`, `requests` (message requests waiting for you) or `archived`.",
    )
    before: int | None = Field(
        None, ge=1, le=MAX_CURSOR, description="`next_cursor` of the previous page."
    )
    limit: int = Field(20, ge=1, le=MAX_PAGE_SIZE, description="Conversations per page.")


class MessageListParams(Schema):
    before: int | None = Field(
        None, ge=1, le=MAX_CURSOR, description="Messages before this id (earlier ones)."
    )
    after: int | None = Field(
        None,
        ge=0,
        le=MAX_CURSOR,
        description="Messages after this id (newer ones, for polling). Not with `before`.",
    )
    limit: int = Field(30, ge=1, le=MAX_PAGE_SIZE, description="Messages per page.")


class SearchParams(Schema):
    q: Annotated[str, Field(min_length=MIN_QUERY, max_length=MAX_QUERY), Safe] = Field(
        ..., description=f"Text to find ({MIN_QUERY}–{MAX_QUERY} characters, any case)."
    )
    before: int | None = Field(
        None, ge=1, le=MAX_CURSOR, description="`next_cursor` of the previous page."
    )
    limit: int = Field(20, ge=1, le=MAX_PAGE_SIZE, description="Results per page.")


# --- outputs ----------------------------------------------------------------------------------


class MessageOut(Schema):
    id: int
    conversation_id: int
    sender: MemberSummaryOut | None = Field(
        ...,
        description="Null once the author's account is gone; once they left Rounds (account "
        'closed or being deleted) `display_name` is "Former member" and `handle` null.',
    )
    is_mine: bool
    body: str = Field(..., description="The Markdown source; empty when deleted.")
    body_html: str = Field(..., description="Sanitised HTML rendering of `body`.")
    deleted: bool
    created_at: datetime
    kind: Message.Kind = Field(
        ...,
        description="`text`: a member's message. `added`: a system line without text: "
        "`sender` added `added_member` to the group.",
    )
    added_member: MemberSummaryOut | None = Field(
        ...,
        description="For `kind=added`: who was added (null otherwise, or once they left Rounds).",
    )


class MessagePageOut(Schema):
    items: list[MessageOut] = Field(..., description="Oldest first.")
    has_more: bool = Field(
        ...,
        description="More messages lie beyond this page: earlier ones (without `after`) or "
        "newer ones (with `after`).",
    )
    next_cursor: int | None = Field(
        ...,
        description="Pass as `before` to load earlier messages, or (with `after`) as the next "
        "`after` when polling.",
    )


class ParticipantOut(Schema):
    member: MemberSummaryOut | None = Field(
        ..., description="Null once they have left Rounds (see `left_rounds`)."
    )
    is_you: bool
    left_rounds: bool = Field(
        ...,
        description="They deleted (or are deleting) their account or it was closed: they "
        "receive nothing sent here. A one-to-one conversation with them is read-only.",
    )
    status: Literal["active", "pending", "left"] = Field(
        ..., description="`pending`: has not accepted your message request yet."
    )
    last_read_message_id: int | None = Field(
        ..., description="How far they have read (the “Seen” marker)."
    )


class YourSeatOut(Schema):
    status: Participant.Status
    muted: bool
    archived: bool
    unread: bool
    last_read_message_id: int | None
    last_read_at: datetime | None
    can_send: bool
    read_only_reason: str = Field(..., description="Why you cannot send here (empty if you can).")


class ConversationOut(Schema):
    id: int
    kind: Conversation.Kind
    title: str = Field(..., description="The other members' names.")
    url: str
    participants: list[ParticipantOut]
    you: YourSeatOut
    last_message: MessageOut | None = Field(..., description="The newest message you can read.")
    last_message_at: datetime | None


class ConversationPageOut(Schema):
    items: list[ConversationOut]
    has_more: bool
    next_cursor: int | None = Field(..., description="Pass as `before` for the next page.")


class SearchHitOut(Schema):
    message: MessageOut
    conversation_title: str


class SearchPageOut(Schema):
    items: list[SearchHitOut] = Field(..., description="Newest first.")
    has_more: bool
    next_cursor: int | None = Field(..., description="Pass as `before` for the next page.")


# --- builders ---------------------------------------------------------------------------------


#: A sender who left Rounds (account closed or being deleted), as the pages name them.
FORMER_MEMBER = {
    "handle": None,
    "display_name": "Former member",
    "headline": "",
    "role": "",
    "avatar_url": None,
}


def _sender_out(sender: Any, summary: Any) -> dict[str, Any] | None:
    """A message's sender: None once the account is gone, the former-member summary (no
    handle, photo or headline) once they left Rounds, else their summary."""
    if sender is None:
        return None
    if has_left_rounds(sender):
        return dict(FORMER_MEMBER)
    return summary(sender)  # type: ignore[no-any-return]


def message_out(request: HttpRequest, viewer: Any, message: Message) -> dict[str, Any]:
    """A message (``sender__profile`` loaded) as ``viewer`` sees it."""
    sender = message.sender
    return {
        "id": message.pk,
        "conversation_id": message.conversation_id,
        "sender": _sender_out(sender, lambda user: member_summary_out(request, user)),
        "is_mine": message.sender_id == viewer.pk,
        "body": message.body,
        "body_html": str(message.html) if message.body else "",
        "deleted": message.is_deleted,
        "created_at": message.created_at,
        "kind": message.kind,
        "added_member": member_summary_out(request, message.subject)
        if message.kind == Message.Kind.ADDED
        and message.subject is not None
        and not has_left_rounds(message.subject)
        else None,
    }


def _public_status(seat: Participant) -> str:
    if seat.status == Status.LEFT:
        return "left"
    if seat.status in (Status.REQUEST, Status.IGNORED):
        return "pending"
    return "active"


def participant_out(
    request: HttpRequest, viewer: Any, seat: Participant, *, blocked: bool = False
) -> dict[str, Any]:
    """A participant; how far they read is not shown for a pending request, nor across a
    block (either way) between them and the viewer."""
    user = seat.user
    gone = has_left_rounds(user)
    return {
        "member": None if gone else member_summary_out(request, user),
        "is_you": seat.user_id == viewer.pk,
        "left_rounds": gone,
        "status": _public_status(seat),
        "last_read_message_id": seat.last_read_message_id
        if seat.status != Status.REQUEST and not blocked
        else None,
    }


def conversation_out(
    request: HttpRequest,
    viewer: Any,
    seat: Participant,
    seats: list[Participant],
    *,
    read_only_reason: str,
    blocked_ids: Collection[int] = (),
) -> dict[str, Any]:
    """The viewer's ``seat`` (``conversation`` and ``last_message__sender__profile`` loaded)
    with every participant of the conversation (``seats``, profiles loaded); ``blocked_ids``:
    members with a block between them and the viewer (``selectors.blocked_among``)."""
    conversation = seat.conversation
    ordered = [s for s in seats if s.user_id == viewer.pk] + others_of(seats, viewer.pk)
    return {
        "id": conversation.pk,
        "kind": conversation.kind,
        "title": conversation_title(seats, viewer.pk, direct=not conversation.is_group),
        "url": request.build_absolute_uri(
            reverse("messaging:conversation", args=[conversation.pk])
        ),
        "participants": [
            participant_out(request, viewer, s, blocked=s.user_id in blocked_ids) for s in ordered
        ],
        "you": {
            "status": seat.status,
            "muted": seat.muted,
            "archived": seat.archived,
            "unread": seat.is_unread,
            "last_read_message_id": seat.last_read_message_id,
            "last_read_at": seat.last_read_at,
            "can_send": not read_only_reason,
            "read_only_reason": read_only_reason,
        },
        "last_message": message_out(request, viewer, seat.last_message)
        if seat.last_message is not None
        else None,
        "last_message_at": seat.last_message_at,
    }


# --- builders from rows (``selectors.inbox_rows_for``) -----------------------------------------


class _Summaries:
    """``member_summary_out`` once per member per response (the viewer is in every
    conversation of a page)."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self.done: dict[int, dict[str, Any]] = {}

    def __call__(self, member: Any) -> dict[str, Any]:
        found = self.done.get(member.pk)
        if found is None:
            found = self.done[member.pk] = member_summary_out(self.request, member)
        return found


def member_summaries(request: HttpRequest) -> Any:
    """A ``member_summary_out`` that builds each member's summary once per response."""
    return _Summaries(request)


def message_row_out(viewer_id: int, message: Any, summary: Any) -> dict[str, Any]:
    """``message_out`` for a ``selectors.RowMessage``."""
    subject = message.subject
    return {
        "id": message.pk,
        "conversation_id": message.conversation_id,
        "sender": _sender_out(message.sender, summary),
        "is_mine": message.sender_id == viewer_id,
        "body": message.body,
        "body_html": str(message.html) if message.body else "",
        "deleted": message.is_deleted,
        "created_at": message.created_at,
        "kind": message.kind,
        "added_member": summary(subject)
        if message.kind == Message.Kind.ADDED
        and subject is not None
        and not has_left_rounds(subject)
        else None,
    }


def conversation_rows_out(request: HttpRequest, viewer_id: int, rows: list[Any]) -> list[Any]:
    """``conversation_out`` for each ``selectors.InboxRow`` (seats with their blocks and
    connections), with its read-only reason."""
    from .selectors import row_read_only_reason

    summary = _Summaries(request)
    slot = "987654321987654321"
    url = request.build_absolute_uri(reverse("messaging:conversation", args=[int(slot)]))
    out = []
    for row in rows:
        seats = row.seats
        reason = row_read_only_reason(row, viewer_id)
        ordered = [s for s in seats if s.user_id == viewer_id] + others_of(seats, viewer_id)
        out.append(
            {
                "id": row.conversation_id,
                "kind": row.conversation.kind,
                "title": conversation_title(seats, viewer_id, direct=not row.conversation.is_group),
                "url": url.replace(slot, str(row.conversation_id)),
                "participants": [
                    {
                        "member": None if has_left_rounds(s.user) else summary(s.user),
                        "is_you": s.user_id == viewer_id,
                        "left_rounds": has_left_rounds(s.user),
                        "status": _public_status(s),  # type: ignore[arg-type]
                        "last_read_message_id": s.last_read_message_id
                        if s.status != Status.REQUEST and not s.blocked
                        else None,
                    }
                    for s in ordered
                ],
                "you": {
                    "status": row.status,
                    "muted": row.muted,
                    "archived": row.archived,
                    "unread": row.is_unread,
                    "last_read_message_id": row.last_read_message_id,
                    "last_read_at": row.last_read_at,
                    "can_send": not reason,
                    "read_only_reason": reason,
                },
                "last_message": message_row_out(viewer_id, row.last_message, summary)
                if row.last_message is not None
                else None,
                "last_message_at": row.last_message_at,
            }
        )
    return out
