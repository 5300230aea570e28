"""Data rights for direct messages: what a member's export holds and what erasure removes.

Export (``messages``): every conversation the member takes part in (or left), with the other
participants' names and handles, the member's own settings for it (status, mute, archive,
read marker), and the messages they sent AND received that they may read (nothing hidden from
them, nothing said after they left). Nothing private of anyone else: other members' settings
(mute, archive, ignored requests) are not included.

Erasure: messages are private texts, so they are always erased whatever ``anonymise`` says:
the member's sent messages keep their place (the others see "This message was deleted") with
the text removed, system lines about them ("… added them") no longer name them, their seats
are removed, one-to-one conversations lose the pair key, and a
conversation nobody is left in is deleted with its messages.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from .models import Conversation, Message, MessageHide, Participant
from .policies import has_left_rounds
from .selectors import display_name_of


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _member(user: Any) -> dict[str, Any]:
    profile = getattr(user, "profile", None) if user is not None else None
    return {
        "handle": profile.handle if profile is not None and not has_left_rounds(user) else None,
        "display_name": display_name_of(user),
    }


def export_member_data(user: Any) -> dict[str, Any]:
    """``{"messages": [conversation, ...]}``: each conversation with the member's settings and
    the messages they sent and received (oldest first). JSON-serialisable."""
    seats = list(
        Participant.objects.filter(user=user)
        .select_related("conversation")
        .order_by("conversation_id")
    )
    conversations = []
    for seat in seats:
        conversation = seat.conversation
        others = (
            Participant.objects.filter(conversation=conversation)
            .exclude(user=user)
            .select_related("user__profile")
            .order_by("id")
        )
        messages = Message.objects.filter(conversation=conversation).select_related(
            "sender__profile", "subject__profile"
        )
        if seat.history_start_id is not None:
            messages = messages.filter(id__gt=seat.history_start_id)
        if seat.history_end_id is not None:
            messages = messages.filter(id__lte=seat.history_end_id)
        messages = messages.filter(
            ~Exists(MessageHide.objects.filter(message=OuterRef("pk"), user=user))
        )
        conversations.append(
            {
                "id": conversation.pk,
                "kind": conversation.kind,
                "started_at": _iso(conversation.created_at),
                "started_by_you": conversation.creator_id == user.pk,
                "other_participants": [
                    {**_member(other.user), "left": other.status == Participant.Status.LEFT}
                    for other in others
                ],
                "your_settings": {
                    "status": seat.status,
                    "muted": seat.muted,
                    "archived": seat.archived,
                    "joined_at": _iso(seat.joined_at),
                    "reads_after_message_id": seat.history_start_id,
                    "left_at": _iso(seat.left_at),
                    "last_read_message_id": seat.last_read_message_id,
                    "last_read_at": _iso(seat.last_read_at),
                },
                "messages": [
                    {
                        "id": message.pk,
                        "sent_by_you": message.sender_id == user.pk,
                        "sender": _member(message.sender),
                        "body": message.body,
                        "deleted": message.is_deleted,
                        "sent_at": _iso(message.created_at),
                        "kind": message.kind,
                        "added_member": _member(message.subject)
                        if message.kind == Message.Kind.ADDED
                        else None,
                    }
                    for message in messages.order_by("id")
                ],
            }
        )
    return {"messages": conversations}


def erase_member_data(user: Any, *, anonymise: bool = False) -> None:
    """Erase the member's messages (always: private texts) before their account is deleted.

    Their sent messages keep their place for the others but lose their text; their seats
    go; their one-to-one conversations lose the pair key (a new account never reopens them);
    conversations left without participants are deleted with their messages. ``anonymise``
    changes nothing here.
    """
    now = timezone.now()
    conversation_ids = list(
        Participant.objects.filter(user=user).values_list("conversation_id", flat=True)
    )
    Message.objects.filter(sender=user).update(body="", body_html="", deleted_at=now)
    # "… added <them>" lines stay in place for the others, naming a former member.
    Message.objects.filter(subject=user).update(subject=None)
    MessageHide.objects.filter(user=user).delete()
    Participant.objects.filter(user=user).delete()
    Conversation.objects.filter(Q(pk__in=conversation_ids) | Q(creator=user)).filter(
        kind=Conversation.Kind.DIRECT
    ).update(direct_key=None)
    Conversation.objects.filter(pk__in=conversation_ids).annotate(
        seats=Count("participants")
    ).filter(seats=0).delete()
