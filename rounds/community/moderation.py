"""Reportable community content: forum threads and replies (see rounds.moderation.registry).

Both carry ``ModeratedFields``; the group's owner and moderators act on them (``group_id``),
site staff on everything. A member can report only what they can read: threads and replies
in groups they may read, visible, not by a member blocked either way.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from rounds.moderation.registry import ModerationTarget

from .models import Reply, Thread
from .selectors import readable_group_ids, visible_content_q

EXCERPT_LENGTH = 280


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_LENGTH else text[: EXCERPT_LENGTH - 1] + "…"


def threads_visible_to(viewer: Any) -> QuerySet[Thread]:
    return Thread.objects.filter(
        visible_content_q(viewer), group_id__in=readable_group_ids(viewer)
    ).select_related("group")


def replies_visible_to(viewer: Any) -> QuerySet[Reply]:
    return Reply.objects.filter(
        visible_content_q(viewer),
        visible_content_q(viewer, prefix="thread__"),
        thread__group_id__in=readable_group_ids(viewer),
    ).select_related("thread__group")


THREAD = ModerationTarget(
    kind="thread",
    model=Thread,
    author_id=lambda thread: thread.author_id,
    group_id=lambda thread: thread.group_id,
    visible_to=threads_visible_to,
    excerpt=lambda thread: _clip(f"{thread.title} — {thread.body}"),
    url=lambda thread: reverse("community:thread", args=[thread.group.slug, thread.pk]),
)

REPLY = ModerationTarget(
    kind="reply",
    model=Reply,
    author_id=lambda reply: reply.author_id,
    group_id=lambda reply: reply.thread.group_id,
    visible_to=replies_visible_to,
    excerpt=lambda reply: _clip(reply.body),
    url=lambda reply: (
        reverse("community:thread", args=[reply.thread.group.slug, reply.thread_id])
        + f"#reply-{reply.pk}"
    ),
)

TARGETS = [THREAD, REPLY]
