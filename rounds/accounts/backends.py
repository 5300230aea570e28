"""Authentication backends: Django's and allauth's, with the per-request user lookup compiled.

Every signed-in request loads its user from the session's user id; Django's
``ModelBackend.get_user`` builds that query with the ORM each time (≈ 0.4 ms of Python for a
primary-key lookup). These subclasses run the same query compiled once per process
(``rounds.core.compiled``); everything else is the stock behaviour.
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend
from django.db import router

from rounds.core.compiled import (
    SENTINEL_ID,
    SENTINEL_TEXT,
    SENTINEL_TIME,
    CompiledQuery,
    rows_joined,
)

from .models import User


@lru_cache(maxsize=1)
def _columns() -> tuple[str, ...]:
    return tuple(f.attname for f in User._meta.concrete_fields)


def _user_by_id(*, user_id: int) -> Any:
    return User._default_manager.filter(pk=user_id).order_by().values_list(*_columns())[:1]


USER_QUERY = CompiledQuery(_user_by_id, sentinels={"user_id": SENTINEL_ID})


#: The account read with this request's session (``read_session_with_account``):
#: ``(member id, account or None)``, taken by the first ``user_by_id`` for that member.
_SESSION_ACCOUNT: ContextVar[tuple[int, User | None] | None] = ContextVar(
    "session_account", default=None
)


def _session_row(*, session_key: str, user_id: int, now: Any) -> Any:
    from .models import MemberSession

    return (
        MemberSession._default_manager.filter(
            session_key=session_key, user_id=user_id, expire_date__gt=now
        )
        .order_by()
        .values_list("session_data")[:1]
    )


SESSION_QUERY = CompiledQuery(
    _session_row,
    sentinels={"session_key": SENTINEL_TEXT, "user_id": SENTINEL_ID, "now": SENTINEL_TIME},
)


def read_session_with_account(session_key: str, user_id: int) -> str | None:
    """The data of the unexpired session ``session_key`` signed in as ``user_id`` (None when
    there is none), read in one query with that member's account — and on page requests with
    the navigation's row and the view's first query (``rounds.core.navigation``). The account
    is kept for this request's ``user_by_id``."""
    from django.utils import timezone

    from .models import MemberSession

    using = router.db_for_read(MemberSession)
    session = (
        SESSION_QUERY,
        {"session_key": session_key, "user_id": user_id, "now": timezone.now()},
    )
    _SESSION_ACCOUNT.set(None)
    from rounds.core.navigation import current

    if current() is not None:  # a page request: the navigation's row comes along
        from rounds.network.templatetags.network import header_queries, user_from_header_rows

        queries = header_queries(user_id)
        rows, (account_rows, *extra) = rows_joined([session, *queries], using=using)
        if not rows:
            return None
        user = user_from_header_rows(account_rows, extra[0] if extra else None, using)
    else:
        rows, (account_rows,) = rows_joined(
            [session, (USER_QUERY, {"user_id": user_id})], using=using
        )
        if not rows:
            return None
        user = User.from_db(using, list(_columns()), account_rows[0]) if account_rows else None
    _SESSION_ACCOUNT.set((user_id, user))
    return str(rows[0][0])


def forget_session_account() -> None:
    """Nothing read with a session for this request (a new request, an anonymous session)."""
    _SESSION_ACCOUNT.set(None)


def user_by_id(user_id: Any) -> User | None:
    try:
        pk = int(user_id)
    except (TypeError, ValueError):
        return None
    if pk <= 0 or pk > 2**63 - 1:
        return None
    kept = _SESSION_ACCOUNT.get()
    if kept is not None and kept[0] == pk:  # read with the session a moment ago
        _SESSION_ACCOUNT.set(None)
        return kept[1]
    using = router.db_for_read(User)
    from rounds.core.navigation import current

    if current() is not None:  # a page request: the navigation's row comes along
        from rounds.network.templatetags.network import user_with_header

        return user_with_header(pk, using)  # type: ignore[no-any-return]
    rows = USER_QUERY.rows(user_id=pk, using=using)
    if not rows:
        return None
    return User.from_db(using, list(_columns()), rows[0])


class MemberModelBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        user = user_by_id(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class MemberAuthenticationBackend(AuthenticationBackend):
    def get_user(self, user_id: Any) -> Any:
        user = user_by_id(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
