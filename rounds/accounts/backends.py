"""Authentication backends: Django's and allauth's, with the per-request user lookup compiled.

Every signed-in request loads its user from the session's user id; Django's
``ModelBackend.get_user`` builds that query with the ORM each time (≈ 0.4 ms of Python for a
primary-key lookup). These subclasses run the same query compiled once per process
(``rounds.core.compiled``); everything else is the stock behaviour.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend
from django.db import router

from rounds.core.compiled import SENTINEL_ID, CompiledQuery

from .models import User


@lru_cache(maxsize=1)
def _columns() -> tuple[str, ...]:
    return tuple(f.attname for f in User._meta.concrete_fields)


def _user_by_id(*, user_id: int) -> Any:
    return User._default_manager.filter(pk=user_id).order_by().values_list(*_columns())[:1]


USER_QUERY = CompiledQuery(_user_by_id, sentinels={"user_id": SENTINEL_ID})


def user_by_id(user_id: Any) -> User | None:
    try:
        pk = int(user_id)
    except (TypeError, ValueError):
        return None
    if pk <= 0 or pk > 2**63 - 1:
        return None
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
