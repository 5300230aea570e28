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


def my_profile_with_pending_count(request: Any, user: Any) -> Any:
    """The signed-in member's profile (None without one) with the pending request count
    annotated, in one query; the count is kept on the request for ``pending_request_count``.
    The same query counts conversations waiting for the member (``unread_conversation_count``
    in ``rounds.messaging.templatetags.messaging``)."""
    from django.db.models import Count, IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from rounds.network.models import ConnectionRequest
    from rounds.network.selectors import pending_q
    from rounds.profiles.models import Profile

    waiting = (
        ConnectionRequest.objects.filter(pending_q(), recipient=OuterRef("user_id"))
        .order_by()
        .values("recipient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    from rounds.messaging.selectors import unread_conversations_subquery
    from rounds.notifications.selectors import PROFILE_USER_ID, unread_count_annotation

    profile = (
        Profile.objects.filter(user=user)
        .annotate(pending_requests=Coalesce(Subquery(waiting, output_field=IntegerField()), 0))
        .annotate(unread_conversations=unread_conversations_subquery(OuterRef("user_id")))
        .annotate(unread_notifications=unread_count_annotation(user_column=PROFILE_USER_ID))
        .first()
    )
    if profile is not None:
        request._pending_request_count = min(profile.pending_requests, PENDING_COUNT_CAP)
        request._unread_notification_count = profile.unread_notifications  # capped at 100
        request._unread_conversation_count = profile.unread_conversations
        user.profile = profile  # the reverse one-to-one cache: user.profile needs no query
    return profile


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
