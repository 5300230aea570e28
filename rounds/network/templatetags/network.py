"""Template tags of the network pages: ``{% load network %}``.

- ``{% pending_request_count as count %}``: how many connection requests wait for the signed-in
  member's answer (capped: the navigation shows "99+"), computed once per request.
- filter ``network_name``: "operational" → "Operational".
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.context import Context

from rounds.network.models import NetworkType
from rounds.network.selectors import incoming_requests_for

register = template.Library()

#: Counting stops here; the badge then reads "99+".
PENDING_COUNT_CAP = 100


@register.simple_tag(takes_context=True)
def pending_request_count(context: Context) -> int:
    """Pending, unexpired requests addressed to the signed-in member (0 for visitors)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return 0
    cached = getattr(request, "_pending_request_count", None)
    if cached is None:
        ids = incoming_requests_for(viewer=user).values_list("id", flat=True)
        cached = len(ids[:PENDING_COUNT_CAP])
        request._pending_request_count = cached  # type: ignore[attr-defined]
    return int(cached)


@register.filter
def network_name(key: Any) -> str:
    """The display name of a network type key."""
    try:
        return str(NetworkType(str(key)).label)
    except ValueError:
        return str(key)
