"""@handle mentions, shared by the forums (threads, replies) and the feed (posts, comments).

- ``mentioned_handles(text)``: the distinct handles a text names (lower-case, in order, at
  most ``MAX_MENTIONS``), by the same pattern the renderer links
  (``rounds.core.markdown.MENTION_PATTERN``).
- ``mention_candidates(actor=, handles=)``: user ids of the existing, active members named,
  not the actor, not deleting their account, and with no block either way (one query). Each
  caller then keeps those who may read the text (a thread's group, a post's audience) and
  notifies them once — callers pass only handles new to the text (edits notify new names
  only).
- ``mention_links(viewer, texts)``: ``{handle: profile URL}`` for the handles in ``texts``
  that name members ``viewer`` may see (one query for a whole page), for
  ``render_markdown(mentions=links.get)``; other handles stay plain text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from rounds.core.markdown import MENTION_PATTERN

MAX_MENTIONS = 20


def mentioned_handles(text: str) -> list[str]:
    """Distinct @handles in ``text`` (lower-case, in order, at most MAX_MENTIONS)."""
    seen: list[str] = []
    for match in MENTION_PATTERN.finditer(text or ""):
        handle = match.group(1).lower()
        if handle not in seen:
            seen.append(handle)
            if len(seen) >= MAX_MENTIONS:
                break
    return seen


def new_handles(before: str, after: str) -> list[str]:
    """Handles ``after`` names that ``before`` did not (what an edit adds)."""
    earlier = set(mentioned_handles(before))
    return [h for h in mentioned_handles(after) if h not in earlier]


def mention_candidates(*, actor: Any, handles: Iterable[str]) -> set[int]:
    """User ids of the active members ``handles`` name, except the actor, members deleting
    their account and anyone blocked by or blocking the actor (one query)."""
    from rounds.network.models import Block
    from rounds.profiles.models import Profile

    handles = list(handles)[:MAX_MENTIONS]
    if not handles:
        return set()
    rows = (
        Profile.objects.filter(
            handle__in=handles, user__is_active=True, user__deletion_scheduled=False
        )
        .exclude(user_id=actor.pk)
        .exclude(
            Exists(
                Block.objects.filter(
                    Q(blocker_id=actor.pk, blocked_id=OuterRef("user_id"))
                    | Q(blocked_id=actor.pk, blocker_id=OuterRef("user_id"))
                )
            )
        )
        .values_list("user_id", flat=True)
    )
    return set(rows)


def mention_links(viewer: Any, texts: Iterable[str]) -> dict[str, str]:
    """``{handle: profile URL}`` for the handles in ``texts`` naming members ``viewer`` may
    see (existing, active, not deleting their account, no block either way; public profiles
    only for visitors). No query when no text mentions anyone."""
    from rounds.profiles.selectors import profile_visible_to

    handles: list[str] = []
    for text in texts:
        for handle in mentioned_handles(text):
            if handle not in handles:
                handles.append(handle)
    if not handles:
        return {}
    found = profile_visible_to(viewer=viewer).filter(handle__in=handles)
    return {
        handle.lower(): reverse("profiles:detail", args=[handle])
        for handle in found.values_list("handle", flat=True)
    }
