"""The one path to a notification: only its recipient ever gets it (anyone else: NotFound)."""

from __future__ import annotations

from typing import Any

from rounds.core.errors import NotFound
from rounds.core.http import MAX_ID

from .models import Notification

NOT_FOUND = "No such notification."


def access_notification_by_id(
    viewer: Any, notification_id: int, *, for_update: bool = False
) -> Notification:
    """The viewer's own notification ``notification_id``.

    Raises NotFound when it does not exist, belongs to someone else, the id cannot exist, or
    the viewer is not signed in: all look the same.
    """
    if not getattr(viewer, "is_authenticated", False):
        raise NotFound(NOT_FOUND)
    if not isinstance(notification_id, int) or not 0 < notification_id <= MAX_ID:
        raise NotFound(NOT_FOUND)
    queryset = Notification.objects.filter(pk=notification_id, recipient_id=viewer.pk)
    if for_update:
        queryset = queryset.select_for_update()
    notification = queryset.first()
    if notification is None:
        raise NotFound(NOT_FOUND)
    return notification
