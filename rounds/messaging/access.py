"""Gatekeepers: the one path from a URL key to a conversation or message. Only participants
reach a conversation; everyone else (missing or not theirs) gets NotFound (404)."""

from __future__ import annotations

from typing import Any

from rounds.core.errors import NotFound
from rounds.core.navigation import prefetched_rows

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


# --- the read path, compiled ------------------------------------------------------------------

_SEAT_FIELDS = tuple(f.name for f in Participant._meta.concrete_fields)


def _conversation_fields() -> tuple[str, ...]:
    from .models import Conversation

    return tuple(f.name for f in Conversation._meta.concrete_fields)


def _seat_row(*, viewer_id: int, conversation_id: int) -> Any:
    return Participant.objects.filter(
        conversation_id=conversation_id, user_id=viewer_id
    ).values_list(*_SEAT_FIELDS, *(f"conversation__{f}" for f in _conversation_fields()))[:1]


def _compiled_seat() -> Any:
    from rounds.core.compiled import SENTINEL_ID, CompiledQuery

    return CompiledQuery(
        _seat_row, sentinels={"viewer_id": SENTINEL_ID, "conversation_id": SENTINEL_ID - 1}
    )


#: Opening a conversation (its page, its messages through the API): one compiled query.
SEAT_ROW = _compiled_seat()


def access_conversation_for_read(viewer: Any, conversation_id: int) -> Participant:
    """``access_conversation_by_id`` for reads: the same seat and conversation (the same
    rule: only a participant, else NotFound), loaded by one compiled query."""
    from django.db import router

    from .models import Conversation

    if viewer is None or not viewer.is_authenticated or not _valid_id(conversation_id):
        raise NotFound(NO_CONVERSATION)
    using = router.db_for_read(Participant)
    rows = prefetched_rows(SEAT_ROW, viewer_id=viewer.pk, conversation_id=conversation_id)
    if rows is None:  # not read with the account (``seat_prefetch``)
        rows = SEAT_ROW.rows(viewer_id=viewer.pk, conversation_id=conversation_id, using=using)
    if not rows:
        raise NotFound(NO_CONVERSATION)
    values = rows[0]
    count = len(_SEAT_FIELDS)
    attnames = [f.attname for f in Participant._meta.concrete_fields]
    seat = Participant.from_db(using, attnames, values[:count])
    conversation = Conversation.from_db(
        using, [f.attname for f in Conversation._meta.concrete_fields], values[count:]
    )
    seat.conversation = conversation
    return seat


def seat_prefetch(request: Any, viewer_id: int, kwargs: Any) -> Any:
    """A conversation page's ``navigation_prefetch`` (``core.navigation``): the viewer's seat
    and the conversation, read with the session and the account."""
    conversation_id = kwargs.get("conversation_id")
    if not isinstance(conversation_id, int) or not _valid_id(conversation_id):
        return None
    return SEAT_ROW, {"viewer_id": viewer_id, "conversation_id": conversation_id}
