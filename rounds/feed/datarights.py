"""Data rights for posts: what a member's export holds and what erasure removes.

Export: the member's posts (with their earlier versions), comments, likes and bookmarks (post
ids), followed topics and mutes (muted members' handles, muted topics) — all the member's
own. Nothing private of anyone else: other members' comments on the member's posts are not
included (they are those members' data).

Erasure (called right before the User row is deleted): with ``anonymise=False`` the member's
posts (with their comments, likes, bookmarks and history) and comments are deleted; with
``anonymise=True`` posts and comments stay as "Former member" (author cleared by the FK's
SET NULL) but their edit history is deleted. Either way the counters on other members' posts
are corrected for the member's likes and (deleted) comments. Likes, bookmarks, topic follows
and mutes go by CASCADE.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Count, F
from django.db.models.functions import Greatest

from .models import Bookmark, Comment, Like, Mute, Post, PostRevision, TopicFollow

#: What replaces the member's name, handle and contact details in texts they chose to keep.
FORMER_MEMBER = "Former member"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def export_member_data(user: Any) -> dict[str, Any]:
    """``{"posts", "post_comments", "post_likes", "post_bookmarks", "topics", "mutes"}``."""
    posts = []
    revisions: dict[int, list[dict[str, Any]]] = {}
    for revision in PostRevision.objects.filter(post__author=user).order_by("id"):
        revisions.setdefault(revision.post_id, []).append(
            {"body": revision.body, "published_at": _iso(revision.created_at)}
        )
    for post in Post.objects.filter(author=user).select_related("group").order_by("id"):
        posts.append(
            {
                "id": post.pk,
                "body": post.body,
                "audience": post.audience,
                "group": post.group.slug if post.group else None,
                "repost_of": post.repost_of_id,
                "created_at": _iso(post.created_at),
                "edited_at": _iso(post.edited_at),
                "moderation_state": post.moderation_state,
                "moderation_reason": post.moderation_reason,
                "earlier_versions": revisions.get(post.pk, []),
            }
        )
    comments = [
        {
            "id": c.pk,
            "post": c.post_id,
            "parent": c.parent_id,
            "body": c.body,
            "created_at": _iso(c.created_at),
            "edited_at": _iso(c.edited_at),
            "moderation_state": c.moderation_state,
            "moderation_reason": c.moderation_reason,
        }
        for c in Comment.objects.filter(author=user).order_by("id")
    ]
    mutes: list[dict[str, Any]] = []
    for mute in Mute.objects.filter(user=user).select_related("topic", "muted_user__profile"):
        if mute.topic is not None:
            mutes.append({"topic": mute.topic.slug})
        else:
            profile = getattr(mute.muted_user, "profile", None)
            mutes.append({"member": profile.handle if profile else None})
    return {
        "posts": posts,
        "post_comments": comments,
        "post_likes": [
            {"post": like.post_id, "at": _iso(like.created_at)}
            for like in Like.objects.filter(user=user).order_by("id")
        ],
        "post_bookmarks": [
            {"post": mark.post_id, "at": _iso(mark.created_at)}
            for mark in Bookmark.objects.filter(user=user).order_by("id")
        ],
        "topics_followed": list(
            TopicFollow.objects.filter(user=user)
            .order_by("topic__slug")
            .values_list("topic__slug", flat=True)
        ),
        "mutes": mutes,
    }


def _identifiers(user: Any) -> list[str]:
    """What names the member in a text: their display name, handle, e-mail, phone and NPI."""
    profile = getattr(user, "profile", None)
    values = [getattr(user, "email", "")]
    if profile is not None:
        values += [profile.display_name, profile.handle, profile.phone, profile.npi or ""]
    # Longest first, so "Dr Ana Ruiz" goes before "Ana Ruiz"; very short values are skipped.
    return sorted({v for v in values if v and len(v) >= 3}, key=len, reverse=True)


def _scrub(text: str, identifiers: list[str]) -> str:
    for value in identifiers:
        text = re.sub(re.escape(value), FORMER_MEMBER, text, flags=re.IGNORECASE)
    return text


def erase_member_data(user: Any, *, anonymise: bool = False) -> None:
    """Delete (or, with ``anonymise``, keep as "Former member") the member's posts and comments.

    Anonymising keeps the texts but removes the member's personal data from them: their name,
    handle, e-mail, phone and NPI become "Former member", moderators' reasons about them are
    cleared, and the edit history (earlier versions) is deleted.
    """
    from .feedcache import bump_epoch

    # Kept posts come back as "Former member" (hidden while the deletion was scheduled):
    # every kept home feed page is worked out again (``feedcache``).
    bump_epoch()
    liked = (
        Like.objects.filter(user=user).exclude(post__author=user).values_list("post_id", flat=True)
    )
    Post.objects.filter(pk__in=list(liked), like_count__gt=0).update(like_count=F("like_count") - 1)
    if anonymise:
        from .search import posts_changed

        posts_changed()  # bodies rewritten below by ``update()``: new search matches
        PostRevision.objects.filter(post__author=user).delete()
        identifiers = _identifiers(user)
        for model in (Post, Comment):
            for row in model.objects.filter(author=user).only("pk", "body"):  # type: ignore[attr-defined]
                model.objects.filter(pk=row.pk).update(  # type: ignore[attr-defined]
                    body=_scrub(row.body, identifiers), moderation_reason=""
                )
        return
    counts = (
        Comment.objects.filter(author=user)
        .exclude(post__author=user)
        .order_by()
        .values_list("post_id")
        .annotate(n=Count("id"))
        .values_list("post_id", "n")
    )
    for post_id, n in counts:
        Post.objects.filter(pk=post_id).update(comment_count=Greatest(F("comment_count") - n, 0))
    Comment.objects.filter(author=user).delete()
    for original_id in Post.objects.filter(author=user, repost_of__isnull=False).values_list(
        "repost_of_id", flat=True
    ):
        Post.objects.filter(pk=original_id, repost_count__gt=0).update(
            repost_count=F("repost_count") - 1
        )
    Post.objects.filter(author=user).delete()


def seed_canary_data(user: Any, *, canary: str, other: Any) -> None:
    """Tests only: through the services, a post by ``user`` naming them (edited, so it has an
    earlier version), a comment and a reply, a like, a bookmark, a followed and a muted topic
    and a muted member — every text holding ``canary`` (their handle in the canary test) —
    and moderators' reasons about them."""
    from .services import (
        bookmark_set,
        comment_create,
        like_set,
        member_mute_set,
        post_create,
        post_edit,
        topic_follow_set,
        topic_mute_set,
    )

    post = post_create(actor=user, body=f"Notes by {canary}", audience="public")
    post_edit(actor=user, post_id=post.pk, body=f"Notes by {canary}, #rounds edition")
    comment = comment_create(actor=user, post_id=post.pk, body=f"Signed, {canary}")
    theirs = post_create(actor=other, body="An update on #rounds", audience="public")
    comment_create(actor=user, post_id=theirs.pk, body=f"Thanks from {canary}", parent_id=None)
    like_set(actor=user, post_id=theirs.pk, liked=True)
    bookmark_set(actor=user, post_id=theirs.pk, bookmarked=True)
    topic_follow_set(actor=user, slug="rounds", following=True)
    topic_mute_set(actor=user, slug="rounds", muted=True)
    member_mute_set(actor=user, member=other, muted=True)
    Post.objects.filter(pk=post.pk).update(moderation_reason=f"About {canary}")
    Comment.objects.filter(pk=comment.pk).update(moderation_reason=f"About {canary}")
