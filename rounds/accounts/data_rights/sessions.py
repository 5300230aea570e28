"""End a member's sessions (``rounds.accounts.sessions``: each row names its member).

This runs when a member asks for their account to be deleted (every other session) and when
the account is purged (all; deleting the account also deletes its rows by cascade).
"""

from __future__ import annotations

from collections.abc import Iterable

from rounds.accounts.models import MemberSession


def session_keys_for(user_ids: Iterable[int]) -> list[str]:
    """Keys of every stored session (expired or not) signed in as one of ``user_ids``."""
    wanted = list({int(uid) for uid in user_ids})
    if not wanted:
        return []
    return list(
        MemberSession.objects.filter(user_id__in=wanted).values_list("session_key", flat=True)
    )


def sessions_end_for(user_ids: Iterable[int], *, keep: str | None = None) -> int:
    """Delete every session of ``user_ids`` except the one keyed ``keep``; returns how many."""
    wanted = list({int(uid) for uid in user_ids})
    if not wanted:
        return 0
    sessions = MemberSession.objects.filter(user_id__in=wanted)
    if keep is not None:
        sessions = sessions.exclude(session_key=keep)
    deleted, _ = sessions.delete()
    return int(deleted)
