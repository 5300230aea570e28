from __future__ import annotations

from django.db.models import F, QuerySet

from .models import ApiToken, User


def api_token_list_for(*, viewer: User) -> QuerySet[ApiToken]:
    """The viewer's own tokens, newest first (active and revoked)."""
    # Active tokens (no revocation time) first on every database: NULL ordering differs.
    return ApiToken.objects.filter(user=viewer).order_by(
        F("revoked_at").asc(nulls_first=True), "-created_at", "-id"
    )
