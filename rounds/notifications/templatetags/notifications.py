"""Template tags of notifications: ``{% load notifications %}``.

- ``{% unread_notification_count as count %}``: the signed-in member's unread notifications,
  counted up to 100 (the bell then reads "99+"). Computed once per request: the page's
  profile query annotates it (``rounds.network.templatetags.network``), else one capped count.
"""

from __future__ import annotations

from django import template
from django.template.context import Context

from rounds.notifications.selectors import UNREAD_BADGE_CAP, unread_count_for

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notification_count(context: Context, given: int | str | None = None) -> int:
    """Unread notifications of the signed-in member (0 for visitors), at most 100; ``given``
    when the caller already has the number (the cached site header)."""
    if isinstance(given, int):
        return given
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return 0
    cached = getattr(request, "_unread_notification_count", None)
    if cached is None:
        cached = unread_count_for(viewer=user, cap=UNREAD_BADGE_CAP)
        request._unread_notification_count = cached  # type: ignore[attr-defined]
    return int(cached)
