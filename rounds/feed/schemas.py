"""API shapes for posts, comments, topics, mutes and the feed."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Schema

from rounds.community.mentions import mentioned_handles
from rounds.community.schemas import ThreadOut
from rounds.core.api_utils import MAX_QUERY_PARAM, Safe, absolute_url
from rounds.core.markdown import render_markdown

from .models import MAX_COMMENT, MAX_POST, Audience, Comment, Post, PostRevision, Topic
from .selectors import DEFAULT_FEED_SIZE, MAX_FEED_SIZE


def topic_url(slug: str) -> str:
    from django.urls import reverse

    return reverse("feed:topic", args=[slug])


def render_post_body(text: str, mentions: dict[str, str] | None = None) -> str:
    """Sanitised HTML of a post or comment body; @handles in ``mentions`` (``{handle: profile
    URL}``, see ``selectors.decorate``) link to the profile.

    Rendering (Markdown, sanitising, links) costs ~1 ms per body, 20 per feed page, so it is
    memoised per process on the body and the mention links it uses (a pure function of both).
    """
    text = text or ""
    used: tuple[tuple[str, str], ...] = ()
    if mentions:
        used = tuple((h, mentions[h]) for h in mentioned_handles(text) if h in mentions)
    return _render_cached(text, used)


@lru_cache(maxsize=4096)
def _render_cached(text: str, mentions: tuple[tuple[str, str], ...]) -> str:
    links = dict(mentions)
    return str(
        render_markdown(text, links=True, topics=topic_url, mentions=links.get if links else None)
    )


class AuthorOut(Schema):
    handle: str
    display_name: str


class PostIn(Schema):
    body: Annotated[str, Field(max_length=MAX_POST), Safe] = Field(
        ..., description=f"Markdown, up to {MAX_POST:,} characters; #topics are linked."
    )
    audience: Audience = Audience.PUBLIC
    group: Annotated[str, Field(max_length=80), Safe] | None = Field(
        None, description="The group's slug when the audience is `group`."
    )
    acknowledge_warnings: bool = False


class RepostIn(Schema):
    body: Annotated[str, Field(max_length=MAX_POST), Safe] = Field(
        "", description="Your comment on the reposted post (optional)."
    )
    audience: Audience = Audience.PUBLIC
    group: Annotated[str, Field(max_length=80), Safe] | None = None
    acknowledge_warnings: bool = False


class PostEditIn(Schema):
    body: Annotated[str, Field(max_length=MAX_POST), Safe]
    acknowledge_warnings: bool = False


class OriginalOut(Schema):
    id: int
    author: AuthorOut | None
    body: str
    body_html: str
    created_at: datetime
    url: str


class PostOut(Schema):
    id: int
    author: AuthorOut | None = Field(..., description="Null for a former member.")
    body: str
    body_html: str = Field(..., description="Sanitised HTML (links rel=nofollow noopener ugc).")
    audience: str
    group: str | None = Field(None, description="The group's slug for group posts.")
    created_at: datetime
    edited: bool
    edited_at: datetime | None
    like_count: int
    comment_count: int
    repost_count: int
    liked: bool
    bookmarked: bool
    is_repost: bool
    repost_of: OriginalOut | None = Field(
        None, description="The original, when you may see it (null when deleted or not visible)."
    )
    moderation_state: str
    moderation_reason: str = Field("", description="Shown to the author only.")
    url: str


class FeedOut(Schema):
    items: list[PostOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page.")
    fallback: list[PostOut] = Field(
        default_factory=list,
        description="For a member who follows nothing yet: recent public posts in their specialty.",
    )


class FeedParams(Schema):
    cursor: Annotated[str, Field(max_length=MAX_QUERY_PARAM)] | None = None
    page_size: int = Field(DEFAULT_FEED_SIZE, ge=1, le=MAX_FEED_SIZE)


class SearchParams(FeedParams):
    q: Annotated[str, Field(max_length=MAX_QUERY_PARAM), Safe] = Field(
        "", description="Words to find (web-search syntax: quotes, OR, -word)."
    )


class DiscussionsOut(Schema):
    items: list[ThreadOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page.")


class CommentIn(Schema):
    body: Annotated[str, Field(max_length=MAX_COMMENT), Safe]
    parent: int | None = Field(None, ge=1, le=2**63 - 1, description="The comment replied to.")
    acknowledge_warnings: bool = False


class CommentEditIn(Schema):
    body: Annotated[str, Field(max_length=MAX_COMMENT), Safe]
    acknowledge_warnings: bool = False


class CommentOut(Schema):
    id: int
    post: int
    parent: int | None
    author: AuthorOut | None
    body: str
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    moderation_state: str
    replies: list[CommentOut] = Field(default_factory=list)


class CommentPageOut(Schema):
    items: list[CommentOut]
    next_after: int | None = Field(None, description="Pass as `after` for the next page.")


class CommentParams(Schema):
    after: int | None = Field(None, ge=1, le=2**63 - 1)


class RevisionOut(Schema):
    body: str
    body_html: str
    published_at: datetime


class HistoryOut(Schema):
    current: PostOut
    revisions: list[RevisionOut]


class TopicOut(Schema):
    slug: str
    name: str
    following: bool
    muted: bool
    url: str


class MuteOut(Schema):
    kind: str
    handle: str | None = None
    topic: str | None = None


class MutesOut(Schema):
    items: list[MuteOut]


def author_out(user: Any) -> dict[str, str] | None:
    profile = getattr(user, "profile", None) if user is not None else None
    if profile is None or not user.is_active:
        return None
    return {"handle": profile.handle, "display_name": profile.display_name}


def post_out(request: HttpRequest, viewer: Any, post: Post) -> dict[str, Any]:
    """A decorated post (``selectors.decorate``) for ``viewer``."""
    from .services import post_url

    original = getattr(post, "shown_original", None)
    is_author = getattr(viewer, "is_authenticated", False) and post.author_id == viewer.pk
    return {
        "id": post.pk,
        "author": author_out(post.author),
        "body": post.body,
        "body_html": render_post_body(post.body, getattr(post, "mention_links", None)),
        "audience": post.audience,
        "group": post.group.slug if post.group_id and post.group else None,
        "created_at": post.created_at,
        "edited": post.edited_at is not None,
        "edited_at": post.edited_at,
        "like_count": post.like_count,
        "comment_count": post.comment_count,
        "repost_count": post.repost_count,
        "liked": getattr(post, "viewer_liked", False),
        "bookmarked": getattr(post, "viewer_bookmarked", False),
        "is_repost": post.is_repost,
        "repost_of": None
        if original is None
        else {
            "id": original.pk,
            "author": author_out(original.author),
            "body": original.body,
            "body_html": render_post_body(original.body, getattr(original, "mention_links", None)),
            "created_at": original.created_at,
            "url": absolute_url(request, post_url(original)),
        },
        "moderation_state": post.moderation_state,
        "moderation_reason": post.moderation_reason if is_author else "",
        "url": absolute_url(request, post_url(post)),
    }


def comment_out(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.pk,
        "post": comment.post_id,
        "parent": comment.parent_id,
        "author": author_out(comment.author),
        "body": comment.body,
        "body_html": render_post_body(comment.body, getattr(comment, "mention_links", None)),
        "created_at": comment.created_at,
        "edited_at": comment.edited_at,
        "moderation_state": comment.moderation_state,
        "replies": [comment_out(r) for r in getattr(comment, "shown_replies", [])],
    }


def revision_out(revision: PostRevision) -> dict[str, Any]:
    return {
        "body": revision.body,
        "body_html": render_post_body(revision.body),
        "published_at": revision.created_at,
    }


def topic_out(
    request: HttpRequest, topic: Topic, *, following: bool, muted: bool
) -> dict[str, Any]:
    return {
        "slug": topic.slug,
        "name": topic.name,
        "following": following,
        "muted": muted,
        "url": absolute_url(request, topic_url(topic.slug)),
    }
