"""Gatekeepers: the one path from a URL key to a conversation or message. Only participants
reach a conversation; everyone else (missing or not theirs) gets NotFound (404)."""

from __future__ import annotations

from typing import Any

from rounds.core.errors import NotFound

from .models import Message, Participant
from .selectors import visible_messages_q

MAX_ID = 2**63 - 1
NO_CONVERSATION = "No such conversation."
NO_MESSAGE = "No such message."


def _valid_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def access_conversation_by_id(
    viewer: Any, conversation_id: int, *, for_update: bool = False
) -> Participant:
    """The viewer's seat in conversation ``conversation_id`` (its ``conversation`` loaded).

    Raises NotFound unless the viewer is (or was: a member who left keeps read access to what
    was said before) a participant.
    """
    if viewer is None or not viewer.is_authenticated or not _valid_id(conversation_id):
        raise NotFound(NO_CONVERSATION)
    qs = Participant.objects.select_related("conversation")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    seat = qs.filter(conversation_id=conversation_id, user_id=viewer.pk).first()
    if seat is None:
        raise NotFound(NO_CONVERSATION)
    return seat


def access_message_by_id(seat: Participant, message_id: int) -> Message:
    """Message ``message_id`` of ``seat``'s conversation if that member may read it
    (not hidden from them, not after they left). Raises NotFound otherwise."""
    if not _valid_id(message_id):
        raise NotFound(NO_MESSAGE)
    message = (
        Message.objects.filter(visible_messages_q(seat), pk=message_id)
        .select_related("sender__profile")
        .first()
    )
    if message is None:
        raise NotFound(NO_MESSAGE)
    return message
