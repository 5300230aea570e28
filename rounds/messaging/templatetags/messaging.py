"""Template tags of the message pages: ``{% load messaging %}``.

- ``{% unread_conversation_count as count %}``: conversations waiting for the signed-in member
  (unread and not muted, plus message requests), for the navigation badge. The number comes
  with the member's profile in the page's one navigation query
  (``rounds.network.templatetags.network.my_profile_with_pending_count``); computed here
  only when that did not run.
- filter ``member_name``: a user's display name, or "Former member".
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.context import Context

from rounds.messaging.selectors import UNREAD_CAP, display_name_of, unread_conversation_count

register = template.Library()


@register.simple_tag(takes_context=True, name="unread_conversation_count")
def unread_conversation_badge(context: Context) -> int:
    """Conversations waiting for the signed-in member (0 for visitors), capped at 100."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return 0
    cached = getattr(request, "_unread_conversation_count", None)
    if cached is None:
        cached = unread_conversation_count(viewer=user)
        request._unread_conversation_count = cached  # type: ignore[attr-defined]
    return min(int(cached), UNREAD_CAP)


@register.filter
def member_name(user: Any) -> str:
    """The display name of ``user`` (with ``profile`` loaded), or "Former member"."""
    return display_name_of(user)
