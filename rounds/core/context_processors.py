from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    """Values every page template needs: site name and the signed-in member's profile.

    The profile comes with the number of connection requests waiting for the member's answer
    (the navigation badge of ``{% pending_request_count %}``) and the other badge counts in the
    same query, asked once per request and member (the page cache asks before rendering).
    """
    user = getattr(request, "user", None)
    who = getattr(user, "pk", None)
    cached = getattr(request, "_site_context", None)
    if cached is not None and cached[0] == who:
        return cached[1]  # type: ignore[no-any-return]
    profile = None
    if user is not None and user.is_authenticated:
        from rounds.network.templatetags.network import my_profile_with_pending_count

        profile = my_profile_with_pending_count(request, user)
    context = {"SITE_NAME": settings.SITE_NAME, "my_profile": profile}
    request._site_context = (who, context)  # type: ignore[attr-defined]
    return context
