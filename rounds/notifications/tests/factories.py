"""Helpers to create notifications in tests through the real service (``notify``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from rounds.notifications.models import Kind, Notification


def note(
    recipient: Any,
    *,
    kind: str = Kind.MENTION,
    text: str = "",
    url: str = "/",
    actor: Any = None,
    **fields: Any,
) -> Notification:
    """One notification for ``recipient`` (a User) via ``notify``; ``fields`` then set
    ``read_at`` / ``created_at`` / ``emailed_at`` directly (what time would do)."""
    from rounds.notifications.services import notify

    created = notify(
        recipient_id=recipient.pk,
        kind=kind,
        text=text or f"Something happened ({kind})",
        url=url,
        actor_id=actor.pk if actor is not None else None,
    )
    assert created is not None
    if fields:
        Notification.objects.filter(pk=created.pk).update(**fields)
        created.refresh_from_db()
    return created


def many(
    recipient: Any, count: int, *, kind: str = Kind.MENTION, start_minutes_ago: int = 0
) -> list[Notification]:
    """``count`` notifications, one minute apart, the first the newest."""
    now = timezone.now()
    made = []
    for i in range(count):
        made.append(
            note(
                recipient,
                kind=kind,
                text=f"Event number {i}",
                created_at=now - timedelta(minutes=start_minutes_ago + i),
            )
        )
    return made
