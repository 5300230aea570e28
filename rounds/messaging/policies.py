"""Who may do what in a conversation. Pure predicates over already-loaded seats: the services
enforce them, the pages and the API use them to show (or not) the composer and actions."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from .models import Conversation, Message, Participant

Status = Participant.Status

LEFT_REASON = "You left this conversation, so you can no longer send or read new messages."
REQUEST_REASON = "Accept this message request to reply."
GONE_REASON = "This member has left Rounds, so you can no longer message them."
BLOCKED_REASON = "You can no longer message each other, so this conversation is read-only."
ALONE_REASON = "Everyone else has left this conversation."


def has_left_rounds(user: Any) -> bool:
    """Whether ``user`` is no longer a member for others: account gone (``None``), closed
    (inactive) or scheduled for deletion (the 14-day grace: hidden from everyone at once).
    Such a participant is shown as departed and receives nothing."""
    return (
        user is None
        or not getattr(user, "is_active", True)
        or bool(getattr(user, "deletion_scheduled", False))
    )


def awaiting_reason(name: str) -> str:
    return (
        f"Your first message is waiting for {name} to accept it. You can write again once "
        "they do, or once you are connected."
    )


def read_only_reason(
    *,
    seat: Participant,
    conversation: Conversation,
    others: Sequence[Participant],
    blocked_ids: Collection[int],
    connected_ids: Collection[int],
    other_name: str = "them",
) -> str:
    """Why ``seat``'s member cannot send here ("" when they can).

    Left the group; an unanswered request addressed to them; in a one-to-one conversation: the
    other member has left Rounds (``has_left_rounds``, or their seat is gone with their
    account), a block stands between them (either way), or the member's own first message
    still waits for acceptance (and they are not connected since); in a group: nobody else
    who is still on Rounds is left to read it.
    """
    if seat.status == Status.LEFT:
        return LEFT_REASON
    if seat.status in (Status.REQUEST, Status.IGNORED):
        return REQUEST_REASON
    if conversation.kind == Conversation.Kind.DIRECT:
        other = others[0] if others else None
        if other is None or has_left_rounds(other.user):
            return GONE_REASON
        if other.user_id in blocked_ids:
            return BLOCKED_REASON
        if other.status in (Status.REQUEST, Status.IGNORED) and other.user_id not in connected_ids:
            return awaiting_reason(other_name)
        return ""
    readers = [
        o
        for o in others
        if o.status in (Status.ACTIVE, Status.REQUEST)
        and not has_left_rounds(o.user)
        and o.user_id not in blocked_ids
    ]
    return "" if readers else ALONE_REASON


def can_delete_message(viewer: Any, message: Message) -> bool:
    """Members delete their own messages only (once); system lines stay."""
    return bool(
        viewer is not None
        and viewer.is_authenticated
        and message.sender_id == viewer.pk
        and not message.is_deleted
        and not message.is_system
    )


def can_leave(seat: Participant, conversation: Conversation) -> bool:
    """Members leave groups (once); a one-to-one conversation is archived instead."""
    if conversation.kind == Conversation.Kind.DIRECT:
        return seat.status == Status.ACTIVE and not seat.archived
    return seat.status in (Status.ACTIVE, Status.REQUEST)


def can_add_people(seat: Participant, conversation: Conversation) -> bool:
    """Members of a group (not one who left) add people to it; a one-to-one conversation
    never becomes a group."""
    return conversation.kind == Conversation.Kind.GROUP and seat.status == Status.ACTIVE


def can_answer_request(seat: Participant) -> bool:
    """Whether the member has a message request here to accept or ignore."""
    return seat.status in (Status.REQUEST, Status.IGNORED)
