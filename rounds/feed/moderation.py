"""Reportable feed content: posts and comments (see rounds.moderation.registry).

Both carry ``ModeratedFields``. A group post's (and its comments') moderators are the group's;
other posts are moderated by site staff. A member can report only what they can see (the
feed's visibility rule); hidden/removed content leaves every feed at once because every read
goes through ``selectors.visible_q``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from rounds.moderation.registry import ModerationTarget

from .models import Comment, Post
from .selectors import comments_visible_to, posts_visible_to

EXCERPT_LENGTH = 280


def _clip(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= EXCERPT_LENGTH else text[: EXCERPT_LENGTH - 1] + "…"


def _posts(viewer: Any) -> QuerySet[Post]:
    return posts_visible_to(viewer)


def _comments(viewer: Any) -> QuerySet[Comment]:
    return comments_visible_to(viewer)


POST = ModerationTarget(
    kind="post",
    model=Post,
    author_id=lambda post: post.author_id,
    group_id=lambda post: post.group_id,
    visible_to=_posts,
    excerpt=lambda post: _clip(post.body or "(a repost without a comment)"),
    url=lambda post: reverse("feed:post", args=[post.pk]),
)

COMMENT = ModerationTarget(
    kind="comment",
    model=Comment,
    author_id=lambda comment: comment.author_id,
    group_id=lambda comment: comment.post.group_id,
    visible_to=_comments,
    excerpt=lambda comment: _clip(comment.body),
    url=lambda comment: reverse("feed:post", args=[comment.post_id]) + f"#comment-{comment.pk}",
)

TARGETS = [POST, COMMENT]
