"""What a feed card shows, as a hashable stamp: the key parts of cached feed pages.

A cached page (``core.fragments.render_page``) is served only while every card on it would
render the same HTML, so each card's stamp holds **the values the card shows**, not only
``updated_at`` (counters and moderation decisions are written by ``UPDATE … SET`` without
touching it): the body, audience, group, times, counts, moderation state and reason, the
author's profile stamp (``Profile.updated_at``, bumped by every profile service) and the
viewer's own state of the post (liked, bookmarked, own), plus the repost's original as the
viewer may see it and the mention links the bodies resolve to for this viewer.
"""

from __future__ import annotations

from typing import Any


def _profile_stamp(user: Any) -> tuple[Any, ...] | None:
    profile = getattr(user, "profile", None) if user is not None else None
    if profile is None:
        return None
    return (
        profile.pk,
        profile.updated_at.timestamp(),
        profile.handle,
        profile.display_name,
        profile.headline,
        str(profile.avatar or ""),
    )


def _group_stamp(post: Any) -> tuple[Any, ...] | None:
    if not post.group_id or post.group is None:
        return None
    return (post.group_id, post.group.slug, post.group.name)


def post_stamp(post: Any) -> tuple[Any, ...]:
    """Everything ``feed/_post.html`` shows of ``post`` (decorated by ``selectors.decorate``)."""
    original = getattr(post, "shown_original", None)
    return (
        post.pk,
        post.updated_at.timestamp(),
        post.body,
        post.audience,
        _group_stamp(post),
        post.created_at.timestamp(),
        post.edited_at.timestamp() if post.edited_at else None,
        post.moderation_state,
        post.moderation_reason,
        post.like_count,
        post.comment_count,
        post.is_repost,
        post.author_id,
        _profile_stamp(post.author),
        getattr(post, "viewer_liked", False),
        getattr(post, "viewer_bookmarked", False),
        None
        if original is None
        else (
            original.pk,
            original.updated_at.timestamp(),
            original.body,
            _profile_stamp(original.author),
        ),
    )


def thread_stamp(thread: Any) -> tuple[Any, ...]:
    """Everything ``feed/_discussion.html`` shows of ``thread``."""
    return (
        thread.pk,
        thread.title,
        thread.group_id,
        thread.group.slug,
        thread.group.name,
        thread.reply_count,
        thread.last_activity_at.timestamp(),
        thread.author_id,
        _profile_stamp(thread.author),
    )


def _links_stamp(posts: list[Any]) -> tuple[Any, ...]:
    links: dict[str, str] = {}
    for post in posts:
        links.update(getattr(post, "mention_links", None) or {})
        original = getattr(post, "shown_original", None)
        if original is not None:
            links.update(getattr(original, "mention_links", None) or {})
    return tuple(sorted(links.items()))


def page_stamps(page: Any) -> tuple[Any, ...]:
    """The stamps of a feed page (``selectors.FeedPage`` or ``DiscussionPage``): its cards in
    order, the next page's cursor, and for posts the fallback and the mention links."""
    from .selectors import FeedPage

    if isinstance(page, FeedPage):
        return (
            "posts",
            page.next_cursor,
            page.has_sources,
            tuple(post_stamp(p) for p in page.items),
            tuple(post_stamp(p) for p in page.fallback),
            _links_stamp([*page.items, *page.fallback]),
        )
    return ("threads", page.next_cursor, tuple(thread_stamp(t) for t in page.items))
