"""Writes for accounts: API tokens."""

from __future__ import annotations

import hashlib
import secrets
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import router, transaction
from django.utils import timezone

from rounds.core.audit import audit
from rounds.core.compiled import SENTINEL_TEXT, CompiledQuery
from rounds.core.errors import NotFound, ValidationFailed

from .models import ApiToken, User

MAX_ACTIVE_TOKENS = 20


def token_digest(secret: str) -> str:
    """The stored form of a token secret."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@transaction.atomic
def api_token_create(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``actor`` and return it with its secret (shown once, never stored).

    Raises ValidationFailed for an empty or over-long name or too many active tokens.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("Give the token a name so you can recognise it later.", field="name")
    if len(name) > 80:
        raise ValidationFailed("Token names are at most 80 characters.", field="name")
    active = ApiToken.objects.filter(user=actor, revoked_at__isnull=True).count()
    if active >= MAX_ACTIVE_TOKENS:
        raise ValidationFailed(
            f"You already have {MAX_ACTIVE_TOKENS} active tokens; revoke one first.", field="name"
        )
    secret = settings.API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor,
        name=name,
        prefix=secret[: len(settings.API_TOKEN_PREFIX) + 6],
        digest=token_digest(secret),
    )
    audit(actor=actor, action="api_token.create", target=token)
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: User, token_id: int) -> ApiToken:
    """Revoke one of ``actor``'s tokens. Raises NotFound for anyone else's or unknown tokens."""
    token = ApiToken.objects.select_for_update().filter(user=actor, pk=token_id).first()
    if token is None:
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        audit(actor=actor, action="api_token.revoke", target=token)
    return token


def _token_lookup(*, digest: str) -> Any:
    return (
        ApiToken.objects.filter(digest=digest, revoked_at__isnull=True, user__is_active=True)
        .order_by()
        .values_list("pk", "last_used_at", *(f"user__{name}" for name in _user_columns()))[:1]
    )


@lru_cache(maxsize=1)
def _user_columns() -> tuple[str, ...]:
    return tuple(f.attname for f in User._meta.concrete_fields)


#: Compiled once per process (``core/compiled.py``): every API request runs it.
TOKEN_QUERY = CompiledQuery(_token_lookup, sentinels={"digest": SENTINEL_TEXT})


def api_token_authenticate(secret: str) -> User | None:
    """Return the active user owning the token ``secret``, or None. Records last use (coarsely)."""
    if not secret or not secret.startswith(settings.API_TOKEN_PREFIX) or len(secret) > 128:
        return None
    using = router.db_for_read(ApiToken)
    rows = TOKEN_QUERY.rows(digest=token_digest(secret), using=using)
    if not rows:
        return None
    token_id, last_used_at, *user_values = rows[0]
    now = timezone.now()
    if last_used_at is None or (now - last_used_at).total_seconds() > 300:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
    return User.from_db(using, list(_user_columns()), user_values)


@transaction.atomic
def time_zone_set(*, actor: User, time_zone: Any) -> User:
    """Set the zone the member's pages show times in (an IANA name; blank = UTC)."""
    from rounds.events.services import validate_time_zone

    zone = validate_time_zone(time_zone, allow_blank=True)
    actor.time_zone = zone
    actor.save(update_fields=["time_zone"])
    return actor
