"""The session engine (``SESSION_ENGINE = "rounds.accounts.sessions"``): database sessions whose
key names the member, read together with the member's account.

Django's engines read the session (from Redis or the database) and then, in a second round
trip, the account it names. Here a signed-in session's key is Django's 32 random characters
followed by ``.<member id>``, so the member is known from the cookie before anything is read,
and the first access to the session reads the session row, the account and (on pages) the
navigation's row in **one** query (``rounds.accounts.backends.read_session_with_account``).
The id in the key is only a claim: the row must exist under the whole key, for that member,
unexpired, so changing the id in a cookie finds nothing.

The key changes whenever the member it names does (signing in, signing out), on top of
Django's own rotation at sign-in. Each row also stores its member's id, so ending a member's
sessions (deleting the account, revoking everything) is an indexed delete, and deleting the
account deletes its sessions (a cascading foreign key). Anonymous sessions (sign-in flows)
keep a plain random key and are read on their own, as with Django's ``db`` engine.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils.crypto import get_random_string

#: Separates the random part of a signed-in session's key from the member's id.
SEPARATOR = "."
_RANDOM_LENGTH = 32
_MAX_ID = 2**63 - 1


def member_id_in_key(session_key: str | None) -> int | None:
    """The member id a session key names (None for an anonymous key or a malformed one)."""
    if not session_key:
        return None
    random_part, separator, digits = session_key.rpartition(SEPARATOR)
    if (
        not separator
        or len(random_part) != _RANDOM_LENGTH
        or not digits.isascii()
        or not digits.isdigit()
        or len(digits) > 19
    ):
        return None
    member_id = int(digits)
    return member_id if 0 < member_id <= _MAX_ID else None


def _member_id_in_data(data: dict[str, Any] | None) -> int | None:
    value = (data or {}).get(SESSION_KEY)
    try:
        member_id = int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
    return member_id if member_id is not None and 0 < member_id <= _MAX_ID else None


class SessionStore(DatabaseSessionStore):
    def __init__(self, session_key: str | None = None) -> None:
        from .backends import forget_session_account

        super().__init__(session_key)
        forget_session_account()  # a new request: nothing was read with its session yet

    def claimed_member_id(self) -> int | None:
        """The member this session's key names, before anything is read (``load`` checks
        it): lets a view's first query be planned to come with the account."""
        return member_id_in_key(self.session_key)

    @classmethod
    def get_model_class(cls) -> Any:
        from .models import MemberSession

        return MemberSession

    def _data_now(self) -> dict[str, Any]:
        """The session's data as it stands, without reading the database for it."""
        return getattr(self, "_session_cache", None) or {}

    def _get_new_session_key(self) -> str:
        member_id = _member_id_in_data(self._data_now())
        suffix = f"{SEPARATOR}{member_id}" if member_id else ""
        while True:
            key = get_random_string(_RANDOM_LENGTH, VALID_KEY_CHARS) + suffix
            if not self.exists(key):
                return key

    def create_model_instance(self, data: dict[str, Any]) -> Any:
        instance = super().create_model_instance(data)
        instance.user_id = _member_id_in_data(data)  # type: ignore[attr-defined]
        return instance

    def save(self, must_create: bool = False) -> None:
        key = self.session_key
        if (
            key is not None
            and not must_create
            and member_id_in_key(key) != _member_id_in_data(self._get_session())  # type: ignore[attr-defined]
        ):
            # Signed in or out as someone else than the key names: a new key for the new
            # member (``create`` saves under it), and the old row goes.
            self.create()
            self.delete(key)
            return
        super().save(must_create=must_create)

    def load(self) -> dict[str, Any]:
        member_id = member_id_in_key(self.session_key)
        if member_id is None:  # anonymous (or not ours): the session row on its own
            from .backends import forget_session_account

            forget_session_account()
            return super().load()  # type: ignore[no-any-return]
        from .backends import read_session_with_account

        found = read_session_with_account(str(self.session_key), member_id)
        if found is None:
            self._session_key = None
            return {}
        data = self.decode(found)
        if _member_id_in_data(data) != member_id:  # cannot happen: the row was written so
            from .backends import forget_session_account

            forget_session_account()
        return data  # type: ignore[no-any-return]
