"""Writes for posts: publish (or repost), edit (history kept), delete; comments; likes;
bookmarks; following and muting topics; muting members.

Each service: rate limit first (posts, comments) → validate → one transaction → guard the text
(``feed.post`` / ``feed.comment`` publishing paths) → write → notify (``notify`` queues email
after commit). Deleting a post deletes it everywhere at once (its comments, likes, bookmarks
and history go with it; reposts of it say the original was deleted).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from rounds.accounts.policies import ensure_not_leaving
from rounds.community.mentions import mention_candidates, mentioned_handles, new_handles
from rounds.core.audit import audit
from rounds.core.errors import Forbidden, NotFound, ValidationFailed
from rounds.core.markdown import topic_names
from rounds.core.publishing import guard_text, publishing_path
from rounds.core.ratelimit import rate_limit
from rounds.moderation.registry import ModerationState
from rounds.notifications.models import Kind
from rounds.notifications.services import notify

from .access import access_comment_by_id, access_post_by_id, access_topic_by_slug
from .models import (
    AUDIENCE_BREADTH,
    MAX_COMMENT,
    MAX_POST,
    MAX_TOPICS_PER_POST,
    Audience,
    Bookmark,
    Comment,
    Like,
    Mute,
    Post,
    PostRevision,
    PostTopic,
    Topic,
    TopicFollow,
)

POST_PATH = publishing_path("feed.post", kind="post", field="body", model_field="feed.Post.body")
COMMENT_PATH = publishing_path(
    "feed.comment", kind="comment", field="body", model_field="feed.Comment.body"
)


def post_url(post: Post | int) -> str:
    """The post's page (``reverse`` once per process: the feed API gives one per post)."""
    from rounds.core.templatetags.ids import id_url_of

    return id_url_of("feed:post", post if isinstance(post, int) else post.pk)


def _display_name(user: Any) -> str:
    profile = getattr(user, "profile", None)
    return profile.display_name if profile is not None else "A member"


def clean_text(value: Any, *, limit: int, noun: str, required: bool = True) -> str:
    """The text as stored (trimmed), or ValidationFailed on field ``body``."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(f"The {noun} must be text.", field="body")
    value = value.strip()
    if required and not value:
        raise ValidationFailed(f"Write your {noun} first.", field="body")
    if len(value) > limit:
        raise ValidationFailed(
            f"Keep a {noun} to {limit:,} characters (this one has {len(value):,}).", field="body"
        )
    if "\x00" in value:
        raise ValidationFailed(
            f"The {noun} contains a character that is not allowed.", field="body"
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValidationFailed(
            f"The {noun} contains text that is not valid Unicode.", field="body"
        ) from exc
    return value


def _resolve_group(actor: Any, audience: str, group_slug: str | None) -> Any:
    """The group a group-audience post goes to (the actor must be an active member)."""
    if audience != Audience.GROUP:
        if group_slug:
            raise ValidationFailed("Choose the group audience to post in a group.", field="group")
        return None
    from rounds.community.access import access_group_by_slug
    from rounds.community.policies import can_post_in_group

    refused = ValidationFailed("You can post only in groups you are a member of.", field="group")
    if not group_slug or not isinstance(group_slug, str):
        raise ValidationFailed("Choose the group to post in.", field="group")
    try:
        group = access_group_by_slug(actor, group_slug)
    except NotFound:
        raise refused from None
    if not can_post_in_group(actor, group):
        raise refused
    return group


def _check_repost_audience(original: Post, audience: str, group: Any) -> None:
    """A repost never reaches further than its original."""
    narrower = ValidationFailed(
        "A repost cannot reach more people than the original post.", field="audience"
    )
    if original.audience == Audience.GROUP:
        if audience != Audience.GROUP or group is None or group.pk != original.group_id:
            raise ValidationFailed(
                "A group post can only be reposted in the same group.", field="audience"
            )
        return
    if audience == Audience.GROUP:
        if original.audience == Audience.PUBLIC:
            return
        if original.audience == Audience.MEMBERS and not group.is_public:
            return
        raise narrower
    if AUDIENCE_BREADTH[Audience(audience)] > AUDIENCE_BREADTH[Audience(original.audience)]:
        raise narrower


def _post_readers(post: Post, user_ids: set[int]) -> set[int]:
    """Those of ``user_ids`` whom ``post``'s audience admits (blocks are the caller's:
    ``mention_candidates`` already left them out)."""
    if not user_ids:
        return set()
    if post.audience in (Audience.PUBLIC, Audience.MEMBERS):
        return set(user_ids)
    if post.audience == Audience.CONNECTIONS:
        from rounds.network.models import Connection

        return set(
            Connection.objects.filter(owner_id=post.author_id, other_id__in=user_ids).values_list(
                "other_id", flat=True
            )
        )
    from rounds.community.models import GroupMembership, MembershipState

    if post.group_id is None:
        return set()
    states = dict(
        GroupMembership.objects.filter(group_id=post.group_id, user_id__in=user_ids).values_list(
            "user_id", "state"
        )
    )
    if post.group is not None and post.group.is_public:
        return {u for u in user_ids if states.get(u) != MembershipState.BANNED}
    return {u for u, state in states.items() if state == MembershipState.ACTIVE}


def _notify_mentions(
    *,
    actor: Any,
    post: Post,
    handles: list[str],
    url: str,
    what: str,
    told: set[int] | frozenset[int] = frozenset(),
) -> None:
    """Tell each member newly mentioned in a post or comment who may read it, once
    (callers pass only the handles new to the text, and in ``told`` whom this write already
    notified, e.g. the author of the post commented on)."""
    candidates = mention_candidates(actor=actor, handles=handles) - set(told)
    readers = _post_readers(post, candidates)
    text = f"{_display_name(actor)} mentioned you in {what}."
    for user_id in sorted(readers):
        notify(recipient_id=user_id, kind=Kind.MENTION, text=text, url=url, actor_id=actor.pk)


def _link_topics(post: Post, *, earlier: set[int] | None = None) -> set[int]:
    """Record the post's #topics (creating new topics), replacing earlier links; returns the
    ids of the topics linked now, with ``earlier`` (the links before an edit) added."""
    names = dict(list(topic_names(post.body).items())[:MAX_TOPICS_PER_POST])
    if earlier:
        PostTopic.objects.filter(post=post).exclude(topic__slug__in=list(names)).delete()
    touched = set(earlier or ())
    if not names:
        return touched
    Topic.objects.bulk_create(
        [Topic(slug=slug, name=name) for slug, name in names.items()], ignore_conflicts=True
    )
    topics = list(Topic.objects.filter(slug__in=list(names)))
    PostTopic.objects.bulk_create(
        [PostTopic(post=post, topic=topic, created_at=post.created_at) for topic in topics],
        ignore_conflicts=True,
    )
    return touched | {topic.pk for topic in topics}


_SOURCE_CHANGES_SQL = """
INSERT INTO feed_sourcechanges (kind, ref, changes) VALUES {rows}
ON CONFLICT (kind, ref) DO UPDATE SET changes = feed_sourcechanges.changes + 1
"""


def note_source_changes(
    *,
    group_id: int | None,
    topic_ids: set[int],
    forum_ids: Iterable[int] = (),
    thread_ids: Iterable[int] = (),
) -> None:
    """Count one change of the posts of group ``group_id``, of each topic of ``topic_ids``, of
    the forum threads of each group of ``forum_ids`` and of the replies of each thread of
    ``thread_ids`` (``SourceChanges``), in the caller's transaction: the home feed's and discussions' kept pages key on these counts
    (``feedcache``). One statement; rows in a fixed order, so two writers never wait on
    each other's rows crosswise."""
    from django.db import connection

    sources = sorted(
        ([("g", int(group_id))] if group_id else [])
        + [("t", int(t)) for t in topic_ids]
        + [("f", int(f)) for f in forum_ids]
        + [("r", int(t)) for t in thread_ids]
    )
    if not sources:
        return
    rows = ", ".join(["(%s, %s, 1)"] * len(sources))
    with connection.cursor() as cursor:
        cursor.execute(
            _SOURCE_CHANGES_SQL.format(rows=rows), [v for source in sources for v in source]
        )


#: Inbox entries kept per member by ``inbox_trim`` (older posts are read at read time).
INBOX_CAP = 500

_FAN_OUT_SQL = """
INSERT INTO feed_inboxentry (member_id, post_id, created_at)
SELECT recipient, %s, %s FROM (
    SELECT %s AS recipient
    UNION SELECT other_id FROM network_connection WHERE owner_id = %s
    {followers}
) recipients
"""


def fan_out(post: Post) -> int:
    """Write ``post`` into the inboxes of its author, the author's connections and — for a
    public or members post — followers (one ``INSERT … SELECT``); returns the rows written.

    Not for group posts (groups are merged at read time) nor for hubs' posts
    (``selectors.hub_ids``: thousands of inboxes per post; merged at read time instead).
    The audience is re-checked when the inbox is read, as are blocks, mutes and moderation.
    """
    from django.db import connection

    from .selectors import hub_ids

    if post.author_id is None or post.audience == Audience.GROUP:
        return 0
    if post.author_id in hub_ids():
        return 0
    author = post.author_id
    params: list[Any] = [post.pk, post.created_at, author, author]
    followers = ""
    if post.audience in (Audience.PUBLIC, Audience.MEMBERS):
        followers = "UNION SELECT follower_id FROM network_follow WHERE followee_id = %s"
        params.append(author)
    with connection.cursor() as cursor:
        cursor.execute(_FAN_OUT_SQL.format(followers=followers), params)
        return int(cursor.rowcount)


#: Most posts a new tie back-fills into the member's inbox (``inbox_backfill``). As many as the
#: inbox keeps: with fewer, a prolific author's older posts inside the inbox window would be
#: skipped by the feed (it reads below the inbox only); with this many, any such posts lie
#: below the newest ``INBOX_CAP`` entries, where the next ``inbox_trim`` hands them to the
#: read-time merge.
BACKFILL_LIMIT = INBOX_CAP

# The inbox's floor as scalar subqueries (not a join), so PostgreSQL bounds the scan of
# ``post_author_recent_idx`` with it instead of walking every post of a prolific author.

_BACKFILL_SQL = """
INSERT INTO feed_inboxentry (member_id, post_id, created_at)
WITH bottom AS (
    SELECT created_at AS at, post_id AS id FROM feed_inboxentry
    WHERE member_id = %(member)s ORDER BY created_at, post_id LIMIT 1
)
SELECT member_id, id, created_at FROM (
    SELECT %(member)s AS member_id, p.id, p.created_at
    FROM feed_post p
    WHERE p.author_id = %(author)s
      AND p.created_at >= (SELECT at FROM bottom)
      AND (p.created_at > (SELECT at FROM bottom) OR p.id >= (SELECT id FROM bottom))
      AND p.moderation_state = %(visible)s
      AND (p.audience IN (%(public)s, %(members)s)
           OR (p.audience = %(connections)s AND EXISTS (
               SELECT 1 FROM network_connection c
               WHERE c.owner_id = %(author)s AND c.other_id = %(member)s)))
      AND (EXISTS (SELECT 1 FROM network_connection c
                   WHERE c.owner_id = %(author)s AND c.other_id = %(member)s)
           OR EXISTS (SELECT 1 FROM network_follow f
                      WHERE f.follower_id = %(member)s AND f.followee_id = %(author)s))
      AND NOT EXISTS (SELECT 1 FROM network_block b
                      WHERE (b.blocker_id = %(member)s AND b.blocked_id = %(author)s)
                         OR (b.blocker_id = %(author)s AND b.blocked_id = %(member)s))
    ORDER BY p.created_at DESC, p.id DESC
    LIMIT %(limit)s
) picked WHERE TRUE
ON CONFLICT DO NOTHING
"""


def inbox_backfill(*, member_id: int, author_id: int) -> int:
    """Put ``author``'s recent posts that fan-out would have given ``member`` into member's
    inbox, after a new tie (connection or follow) between them; returns the rows written.

    Fan-out on write only reaches the ties a post's author had when publishing, and the feed
    reads below the inbox only (``selectors._inbox_source``): without this, a new tie's posts
    newer than the member's oldest inbox entry would never show. One ``INSERT … SELECT``
    takes the author's newest ``BACKFILL_LIMIT`` posts by fan-out's audience rule as the ties
    stand now (public and members posts to followers and connections, connections posts to
    connections only, no group posts), still visible, no block either way, and only posts no
    older than the member's oldest entry: older ones come from the read-time merge already,
    and writing them would move the inbox's floor below other people's posts. An empty inbox gets
    nothing (the whole feed is read at read time). Nothing for hubs (``selectors.hub_ids``:
    merged at read time). Idempotent (``inbox_unique_post_member``); the reader re-applies
    every rule, so later unfollows, removals and blocks need nothing here.
    """
    from django.db import connection

    from .selectors import hub_ids

    if member_id == author_id or author_id in hub_ids():
        return 0
    params: dict[str, int | str] = {
        "member": member_id,
        "author": author_id,
        "visible": str(ModerationState.VISIBLE),
        "public": str(Audience.PUBLIC),
        "members": str(Audience.MEMBERS),
        "connections": str(Audience.CONNECTIONS),
        "limit": BACKFILL_LIMIT,
    }
    with connection.cursor() as cursor:
        cursor.execute(_BACKFILL_SQL, params)
        return int(cursor.rowcount)


def inbox_backfill_on_commit(*, member_id: int, author_id: int) -> None:
    """Run ``inbox_backfill`` once the current transaction commits (the network services call
    this when a connection or a follow is made). A failure is logged, never undoes the tie."""
    transaction.on_commit(
        partial(inbox_backfill, member_id=member_id, author_id=author_id), robust=True
    )


def inbox_trim(*, cap: int = INBOX_CAP) -> int:
    """Delete inbox entries beyond the newest ``cap`` of each member (a periodic task; the
    feed reads older posts at read time). Returns the rows deleted."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM feed_inboxentry WHERE id IN (SELECT id FROM (SELECT id, row_number()"
            " OVER (PARTITION BY member_id ORDER BY created_at DESC, post_id DESC) AS n"
            " FROM feed_inboxentry) ranked WHERE n > %s)",
            [cap],
        )
        return int(cursor.rowcount)


def post_create(
    *,
    actor: Any,
    body: Any,
    audience: str = Audience.PUBLIC,
    group_slug: str | None = None,
    repost_of_id: int | None = None,
    acknowledge_warnings: bool = False,
) -> Post:
    """Publish a post (or, with ``repost_of_id``, a repost with an optional comment).

    Raises RateLimited (429) first; ValidationFailed for an empty/oversized body, an unknown
    audience, a group the actor is not an active member of, or a repost audience wider than
    the original's; NotFound when the reposted post is not visible to the actor;
    ContentRefused when the guard refuses the text.
    """
    ensure_not_leaving(actor)
    rate_limit(actor_id=actor.pk, action="post")
    if audience not in Audience.values:
        raise ValidationFailed("Choose who can see this post.", field="audience")
    text = clean_text(body, limit=MAX_POST, noun="post", required=repost_of_id is None)
    with transaction.atomic():
        original = None
        if repost_of_id is not None:
            # The original first: a post the actor cannot see is a 404 whatever else is wrong.
            original = access_post_by_id(actor, repost_of_id)
            if original.moderation_state != "visible":
                raise NotFound("No such post.")
        group = _resolve_group(actor, audience, group_slug)
        if original is not None:
            _check_repost_audience(original, audience, group)
        if text:
            guard_text(
                actor=actor, path=POST_PATH, text=text, acknowledge_warnings=acknowledge_warnings
            )
        post = Post.objects.create(
            author=actor,
            body=text,
            audience=audience,
            group=group,
            repost_of=original,
            is_repost=original is not None,
            created_at=timezone.now(),
        )
        note_source_changes(group_id=post.group_id, topic_ids=_link_topics(post))
        _notify_mentions(
            actor=actor,
            post=post,
            handles=mentioned_handles(text),
            url=post_url(post),
            what="a post",
        )
        fan_out(post)
        if original is not None:
            Post.objects.filter(pk=original.pk).update(repost_count=F("repost_count") + 1)
            if original.author_id:
                notify(
                    recipient_id=original.author_id,
                    kind=Kind.POST_COMMENT,
                    text=f"{_display_name(actor)} reposted your post.",
                    url=post_url(post),
                    actor_id=actor.pk,
                )
    return post


def _own_post(actor: Any, post_id: int) -> Post:
    post = access_post_by_id(actor, post_id, for_update=True)
    if post.author_id != actor.pk:
        raise Forbidden("Only the author can change this post.")
    return post


def post_edit(*, actor: Any, post_id: int, body: Any, acknowledge_warnings: bool = False) -> Post:
    """Change a post's text; the earlier version is kept (``PostRevision``) and the post is
    marked edited. Author only (Forbidden for others who can see it)."""
    with transaction.atomic():
        post = _own_post(actor, post_id)
        text = clean_text(body, limit=MAX_POST, noun="post", required=not post.is_repost)
        if text == post.body:
            return post
        if text:
            guard_text(
                actor=actor, path=POST_PATH, text=text, acknowledge_warnings=acknowledge_warnings
            )
        PostRevision.objects.create(
            post=post, body=post.body, created_at=post.edited_at or post.created_at
        )
        added = new_handles(post.body, text)
        post.body = text
        post.edited_at = timezone.now()
        post.save(update_fields=["body", "edited_at", "updated_at"])
        earlier = set(PostTopic.objects.filter(post=post).values_list("topic_id", flat=True))
        topics = _link_topics(post, earlier=earlier)
        note_source_changes(group_id=post.group_id, topic_ids=topics)
        _notify_mentions(actor=actor, post=post, handles=added, url=post_url(post), what="a post")
    return post


def post_delete(*, actor: Any, post_id: int) -> None:
    """Delete a post everywhere (comments, likes, bookmarks and history with it). Author only."""
    with transaction.atomic():
        post = _own_post(actor, post_id)
        if post.repost_of_id:
            Post.objects.filter(pk=post.repost_of_id, repost_count__gt=0).update(
                repost_count=F("repost_count") - 1
            )
        audit(actor=actor, action="feed.post.delete", target=post)
        topics = set(PostTopic.objects.filter(post=post).values_list("topic_id", flat=True))
        note_source_changes(group_id=post.group_id, topic_ids=topics)
        post.delete()


# --- comments -----------------------------------------------------------------------------------


def _can_comment(actor: Any, post: Post) -> None:
    if post.moderation_state != "visible":
        raise Forbidden("This post was taken down by moderators; it cannot get new comments.")
    if post.audience == Audience.GROUP and post.group is not None:
        from rounds.community.policies import can_post_in_group

        if not can_post_in_group(actor, post.group):
            raise Forbidden("Join the group to comment on its posts.")


def comment_create(
    *,
    actor: Any,
    post_id: int,
    body: Any,
    parent_id: int | None = None,
    acknowledge_warnings: bool = False,
) -> Comment:
    """Comment on a post the actor can see, or reply to one of its comments (a reply to a
    reply joins the same thread: one level deep). Notifies the post's author (and the author
    of the comment replied to)."""
    rate_limit(actor_id=actor.pk, action="comment")
    text = clean_text(body, limit=MAX_COMMENT, noun="comment")
    with transaction.atomic():
        post = access_post_by_id(actor, post_id)
        _can_comment(actor, post)
        parent = None
        if parent_id is not None:
            try:
                parent = access_comment_by_id(actor, parent_id, post=post)
            except NotFound:
                raise ValidationFailed(
                    "That comment is not on this post.", field="parent"
                ) from None
            if parent.parent_id is not None:
                parent = Comment.objects.get(pk=parent.parent_id)
        guard_text(
            actor=actor, path=COMMENT_PATH, text=text, acknowledge_warnings=acknowledge_warnings
        )
        comment = Comment.objects.create(post=post, author=actor, parent=parent, body=text)
        Post.objects.filter(pk=post.pk).update(comment_count=F("comment_count") + 1)
        name = _display_name(actor)
        url = post_url(post) + f"#comment-{comment.pk}"
        told: set[int] = set()
        if post.author_id:
            notify(
                recipient_id=post.author_id,
                kind=Kind.POST_COMMENT,
                text=f"{name} commented on your post.",
                url=url,
                actor_id=actor.pk,
            )
            told.add(post.author_id)
        if parent is not None and parent.author_id and parent.author_id not in told:
            notify(
                recipient_id=parent.author_id,
                kind=Kind.POST_COMMENT,
                text=f"{name} replied to your comment.",
                url=url,
                actor_id=actor.pk,
            )
        _notify_mentions(
            actor=actor,
            post=post,
            handles=mentioned_handles(text),
            url=url,
            what="a comment",
            told=told,
        )
    return comment


def comment_edit(
    *, actor: Any, comment_id: int, body: Any, acknowledge_warnings: bool = False
) -> Comment:
    """Change one's own comment (marked edited)."""
    text = clean_text(body, limit=MAX_COMMENT, noun="comment")
    with transaction.atomic():
        comment = access_comment_by_id(actor, comment_id)
        if comment.author_id != actor.pk:
            raise Forbidden("Only the author can edit this comment.")
        if text != comment.body:
            guard_text(
                actor=actor, path=COMMENT_PATH, text=text, acknowledge_warnings=acknowledge_warnings
            )
            added = new_handles(comment.body, text)
            comment.body = text
            comment.edited_at = timezone.now()
            comment.save(update_fields=["body", "edited_at", "updated_at"])
            _notify_mentions(
                actor=actor,
                post=comment.post,
                handles=added,
                url=post_url(comment.post_id) + f"#comment-{comment.pk}",
                what="a comment",
            )
    return comment


def comment_delete(*, actor: Any, comment_id: int) -> None:
    """Delete a comment (and its replies): its author or the post's author."""
    with transaction.atomic():
        comment = access_comment_by_id(actor, comment_id)
        if actor.pk not in (comment.author_id, comment.post.author_id):
            raise Forbidden("Only the comment's author or the post's author can delete it.")
        removed = 1 + comment.replies.count()
        Post.objects.filter(pk=comment.post_id).update(
            comment_count=F("comment_count") - min(removed, comment.post.comment_count)
        )
        comment.delete()


# --- likes and bookmarks ------------------------------------------------------------------------


def like_set(*, actor: Any, post_id: int, liked: bool) -> Post:
    """Like or unlike a visible post (idempotent). A new like notifies the author."""
    if liked:
        ensure_not_leaving(actor)
    with transaction.atomic():
        post = access_post_by_id(actor, post_id)
        if liked:
            try:
                with transaction.atomic():
                    Like.objects.create(post=post, user=actor)
            except IntegrityError:
                return post
            Post.objects.filter(pk=post.pk).update(like_count=F("like_count") + 1)
            post.like_count += 1
            if post.author_id:
                notify(
                    recipient_id=post.author_id,
                    kind=Kind.POST_LIKE,
                    text=f"{_display_name(actor)} liked your post.",
                    url=post_url(post),
                    actor_id=actor.pk,
                )
        elif Like.objects.filter(post=post, user=actor).delete()[0]:
            Post.objects.filter(pk=post.pk, like_count__gt=0).update(like_count=F("like_count") - 1)
            post.like_count = max(0, post.like_count - 1)
    return post


def bookmark_set(*, actor: Any, post_id: int, bookmarked: bool) -> Post:
    """Bookmark or un-bookmark a visible post (private; idempotent)."""
    post = access_post_by_id(actor, post_id)
    if bookmarked:
        Bookmark.objects.get_or_create(user=actor, post=post)
    else:
        Bookmark.objects.filter(user=actor, post=post).delete()
    return post


# --- topics and mutes ---------------------------------------------------------------------------


def topic_follow_set(*, actor: Any, slug: str, following: bool) -> Topic:
    """Follow or unfollow a topic (idempotent): its posts join the home feed."""
    topic = access_topic_by_slug(slug)
    if following:
        TopicFollow.objects.get_or_create(user=actor, topic=topic)
    else:
        TopicFollow.objects.filter(user=actor, topic=topic).delete()
    return topic


def topic_mute_set(*, actor: Any, slug: str, muted: bool) -> Topic:
    """Mute or unmute a topic: posts naming it leave the member's feed (idempotent)."""
    topic = access_topic_by_slug(slug)
    if muted:
        Mute.objects.get_or_create(user=actor, topic=topic)
    else:
        Mute.objects.filter(user=actor, topic=topic).delete()
    return topic


def member_mute_set(*, actor: Any, member: Any, muted: bool) -> None:
    """Mute or unmute a member: their posts leave the member's feed (private, idempotent)."""
    if member.pk == actor.pk:
        raise ValidationFailed("You cannot mute yourself.", field="handle")
    if muted:
        Mute.objects.get_or_create(user=actor, muted_user=member)
    else:
        Mute.objects.filter(user=actor, muted_user=member).delete()
