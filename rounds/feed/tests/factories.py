"""Helpers to build posts in tests. ``publish`` goes through the real service (guard, rate
limit); ``make_post`` writes directly (for volume: many posts by one member, set times)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from rounds.feed.models import Audience, Post
from rounds.feed.services import _link_topics, fan_out, note_source_changes, post_create


def publish(author: Any, body: str = "Sharing our sepsis audit.", **kwargs: Any) -> Post:
    """A post published through ``post_create`` (guarded, rate limited)."""
    return post_create(actor=author, body=body, **kwargs)


def make_post(
    author: Any,
    body: str = "A post.",
    *,
    audience: str = Audience.PUBLIC,
    group: Any = None,
    at: datetime | None = None,
    fan: bool = True,
    **fields: Any,
) -> Post:
    """A post written directly (no guard, no rate limit), with its #topics linked and fanned
    out as publishing does (``fan=False``: left to the read-time merge, as posts written
    before the inbox existed)."""
    post = Post.objects.create(
        author=author,
        body=body,
        audience=audience,
        group=group,
        created_at=at or timezone.now(),
        **fields,
    )
    # what publishing records for the home feed (``services.post_create``): the topic links,
    # the group's and topics' change counts, and the fan-out into inboxes
    note_source_changes(group_id=post.group_id, topic_ids=_link_topics(post))
    if fan:
        fan_out(post)
    return post


def make_group(owner: Any, *, visibility: str = "public", slug: str = "") -> Any:
    """A group created through the community service (``owner`` is its owner)."""
    from rounds.community.services import group_create

    return group_create(
        actor=owner,
        name=slug.replace("-", " ").title() if slug else "Hospital Medicine Forum",
        description="Hospitalists sharing practice.",
        visibility=visibility,
        **({"slug": slug} if slug else {}),
    )


def join(user: Any, group: Any) -> None:
    """``user`` becomes an active member of ``group``."""
    from rounds.community.models import GroupMembership, MembershipState, Role

    GroupMembership.objects.update_or_create(
        group=group, user=user, defaults={"state": MembershipState.ACTIVE, "role": Role.MEMBER}
    )
