from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    """Values every page template needs: site name and the signed-in member's profile.

    The profile comes with the number of connection requests waiting for the member's answer
    (the navigation badge of ``{% pending_request_count %}``) in the same query.
    """
    user = getattr(request, "user", None)
    profile = None
    if user is not None and user.is_authenticated:
        from rounds.network.templatetags.network import my_profile_with_pending_count

        profile = my_profile_with_pending_count(request, user)
    return {"SITE_NAME": settings.SITE_NAME, "my_profile": profile}
