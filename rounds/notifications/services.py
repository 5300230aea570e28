"""Writes for notifications. ``notify`` is the one door every capability uses.

Contract for callers (messages, network, community, events, mentorship, contacts, moderation):

    from rounds.notifications.models import Kind
    from rounds.notifications.services import notify

    notify(recipient_id=other.pk, kind=Kind.MESSAGE, actor_id=actor.pk,
           text="Ana Ruiz sent you a message", url="/messages/12/")

Call it inside the caller's transaction: the in-app row commits or rolls back with the
action, and the email (when the member wants it right away) is queued only after commit.
"""

from __future__ import annotations

from django.db import transaction

from rounds.core.errors import ValidationFailed

from .models import DEFAULT_DELIVERY, Delivery, Kind, Notification, NotificationPreference

MAX_TEXT = 300


def delivery_for(*, user_id: int, kind: str) -> str:
    """The member's email delivery for ``kind`` (their preference, else the default)."""
    chosen = (
        NotificationPreference.objects.filter(user_id=user_id, kind=kind)
        .values_list("delivery", flat=True)
        .first()
    )
    return chosen or DEFAULT_DELIVERY.get(kind, Delivery.DIGEST)


def notify(
    *,
    recipient_id: int,
    kind: str,
    text: str,
    url: str = "",
    actor_id: int | None = None,
) -> Notification | None:
    """Tell ``recipient`` that ``kind`` happened. Returns None (and records nothing) when the
    actor is the recipient or the recipient has blocked the actor.

    Side effect after commit: when the recipient's delivery for ``kind`` is "immediate", a
    background task emails it (``tasks.send_notification_email``).
    """
    from rounds.network.models import Block

    if kind not in Kind.values:
        raise ValidationFailed("Unknown notification kind.", field="kind")
    if actor_id is not None and actor_id == recipient_id:
        return None
    if (
        actor_id is not None
        and Block.objects.filter(blocker_id=recipient_id, blocked_id=actor_id).exists()
    ):
        return None
    text = " ".join(text.split())
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1] + "…"
    notification = Notification.objects.create(
        recipient_id=recipient_id, kind=kind, actor_id=actor_id, text=text, url=url[:500]
    )
    if delivery_for(user_id=recipient_id, kind=kind) == Delivery.IMMEDIATE:
        from .tasks import send_notification_email

        notification_id = notification.pk
        transaction.on_commit(
            lambda: send_notification_email.enqueue(notification_id=notification_id)
        )
    return notification
