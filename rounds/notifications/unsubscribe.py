"""Signed one-click unsubscribe links (RFC 8058), valid without signing in.

A token carries the member's id and a scope (one notification kind, or ``"all"``), signed
with ``SECRET_KEY`` and a salt of its own, so a token made for any other purpose (a password
reset, a signed cookie) is refused here, and nobody can make one for someone else. Tokens do
not expire: an unsubscribe link in an old email must keep working. Using one only ever turns
email off, never on, and never reveals anything about the member.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing

from .models import Kind

SALT = "rounds.notifications.unsubscribe"
ALL = "all"
#: Longest token accepted (a real one is about 60 characters).
MAX_TOKEN_LENGTH = 200


class InvalidToken(Exception):
    """The link was altered, truncated, or made for something else."""


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    user_id: int
    scope: str  # a Kind value or ALL


def make_token(*, user_id: int, scope: str) -> str:
    """The token for ``user_id`` and ``scope`` (a kind or ``"all"``)."""
    if scope != ALL and scope not in Kind.values:
        raise ValueError(f"Unknown unsubscribe scope {scope!r}.")
    return signing.dumps({"u": user_id, "s": scope}, salt=SALT)


def read_token(token: str) -> Unsubscribe:
    """What ``token`` unsubscribes. Raises InvalidToken for anything not made by make_token."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidToken()
    try:
        data = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, UnicodeDecodeError) as exc:
        raise InvalidToken() from exc
    if not isinstance(data, dict):
        raise InvalidToken()
    user_id, scope = data.get("u"), data.get("s")
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
        raise InvalidToken()
    if not isinstance(scope, str) or (scope != ALL and scope not in Kind.values):
        raise InvalidToken()
    return Unsubscribe(user_id=user_id, scope=scope)
