from __future__ import annotations

from django.db.models import QuerySet

from .models import ApiToken, User


def api_token_list_for(*, viewer: User) -> QuerySet[ApiToken]:
    """The viewer's own tokens, newest first (active and revoked)."""
    return ApiToken.objects.filter(user=viewer).order_by("revoked_at", "-created_at")
