"""Gatekeepers: a post, comment or topic the viewer may see, or NotFound (404)."""

from __future__ import annotations

from typing import Any

from rounds.core.errors import NotFound
from rounds.core.http import MAX_ID

from .models import Comment, Post, Topic
from .selectors import comments_visible_to, posts_visible_to, topic_by_slug


def access_post_by_id(viewer: Any, post_id: int, *, for_update: bool = False) -> Post:
    """The post ``post_id`` if ``viewer`` may see it (see ``selectors.visible_q``)."""
    if not isinstance(post_id, int) or not 0 < post_id <= MAX_ID:
        raise NotFound("No such post.")
    qs = posts_visible_to(viewer)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    post = qs.filter(pk=post_id).first()
    if post is None:
        raise NotFound("No such post.")
    return post


def access_comment_by_id(viewer: Any, comment_id: int, *, post: Post | None = None) -> Comment:
    """A comment ``viewer`` may see, on a post they may see (of ``post`` when given)."""
    if not isinstance(comment_id, int) or not 0 < comment_id <= MAX_ID:
        raise NotFound("No such comment.")
    qs = comments_visible_to(viewer).filter(pk=comment_id)
    if post is not None:
        qs = qs.filter(post_id=post.pk)
    comment = qs.first()
    if comment is None:
        raise NotFound("No such comment.")
    return comment


def access_topic_by_slug(slug: str) -> Topic:
    """A topic (topics are public: every #tag anyone used)."""
    topic = topic_by_slug(slug)
    if topic is None:
        raise NotFound("No such topic yet.")
    return topic
