"""Posts and the home feed: posts (with an audience), their edit history, comments (threaded
one level), likes, bookmarks, topics (#hashtags) and what a member follows or mutes.

Reading rules live in ``selectors.py`` (``posts_visible_to``): a post is seen by its author
always (with the moderators' reason when hidden/removed) and by others only when it is
visible, its audience admits them and no block stands between them. Deleting a post deletes it
(and its comments, likes, bookmarks and history); reposts of it keep their own text and show
that the original is gone.

Indexes serve the feed's per-source scans (``selectors.home_feed``): each source reads its
newest rows from an index ending in ``(-created_at, -id)``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

from rounds.moderation.registry import ModeratedFields

User = settings.AUTH_USER_MODEL

#: Longest post and comment (characters, after trimming).
MAX_POST = 3000
MAX_COMMENT = 1500
#: At most this many #topics are recorded per post (the rest stay plain text).
MAX_TOPICS_PER_POST = 10


class Audience(models.TextChoices):
    PUBLIC = "public", "Anyone"
    MEMBERS = "members", "Members of Rounds"
    CONNECTIONS = "connections", "My connections"
    GROUP = "group", "A group"


#: Breadth of each audience for "a repost cannot widen its original" (group: its own rule).
AUDIENCE_BREADTH = {Audience.PUBLIC: 3, Audience.MEMBERS: 2, Audience.CONNECTIONS: 1}


class Topic(models.Model):
    """A #topic: created the first time a post names it. ``slug`` is the lower-cased tag."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=50)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return f"#{self.name}"


class Post(ModeratedFields):
    """A short update (Markdown, ≤ 3,000 characters) seen by its ``audience``.

    ``author`` is null once a member who chose to keep their posts ("Former member") deleted
    their account. ``repost_of`` points at the original of a repost (null when the original was
    deleted: the repost says so). ``group_id`` is set exactly when the audience is a group.
    """

    author = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="posts"
    )
    body = models.TextField(blank=True)
    audience = models.CharField(max_length=12, choices=Audience.choices, default=Audience.PUBLIC)
    group = models.ForeignKey(
        "community.Group", null=True, blank=True, on_delete=models.CASCADE, related_name="posts"
    )
    repost_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reposts"
    )
    is_repost = models.BooleanField(default=False)
    topics = models.ManyToManyField(Topic, through="PostTopic", related_name="posts")
    like_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    repost_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(db_index=False)
    updated_at = models.DateTimeField(auto_now=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    #: The body as a tsvector, kept by a PostgreSQL trigger (migration 0002) and GIN-indexed;
    #: always null on SQLite (post search falls back to icontains there).
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["author", "-created_at", "-id"], name="post_author_recent_idx"),
            # Newest first over every post: the topic source walks it and stops at a page.
            models.Index(fields=["-created_at", "-id"], name="post_recent_idx"),
            models.Index(fields=["group", "-created_at", "-id"], name="post_group_recent_idx"),
            models.Index(
                fields=["audience", "-created_at", "-id"], name="post_audience_recent_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("body"), MAX_POST), name="post_body_max_length"
            ),
            models.CheckConstraint(
                condition=(Q(audience="group") & Q(group__isnull=False))
                | (~Q(audience="group") & Q(group__isnull=True)),
                name="post_group_iff_group_audience",
            ),
            models.CheckConstraint(condition=~Q(repost_of=F("id")), name="post_repost_not_self"),
        ]

    def __str__(self) -> str:
        return f"Post {self.pk}"


class PostTopic(models.Model):
    """A post names a topic. ``created_at`` copies the post's, so a topic's newest posts come
    from this index alone."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="topic_links")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="post_links")
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["topic", "-created_at", "-post"], name="posttopic_recent_idx")
        ]
        constraints = [
            models.UniqueConstraint(fields=["post", "topic"], name="posttopic_unique_pair")
        ]

    def __str__(self) -> str:
        return f"Post {self.post_id} names topic {self.topic_id}"


class PostRevision(models.Model):
    """An earlier version of a post, kept when its author edits it (oldest first by id)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(help_text="When this version was published.")

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["post", "-id"], name="postrevision_post_idx")]

    def __str__(self) -> str:
        return f"Earlier version of post {self.post_id}"


class Comment(ModeratedFields):
    """A comment on a post, or a reply to a top-level comment (never deeper: ``parent`` is a
    comment whose own ``parent`` is null)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="post_comments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["post", "id"], name="comment_post_idx")]
        constraints = [
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("body"), MAX_COMMENT),
                name="comment_body_max_length",
            ),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="comment_parent_not_self"),
        ]

    def __str__(self) -> str:
        return f"Comment {self.pk} on post {self.post_id}"


class Like(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="post_likes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="like_unique_pair")]
        indexes = [models.Index(fields=["post", "-created_at"], name="like_post_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} likes post {self.post_id}"


class Bookmark(models.Model):
    """A private bookmark: only its owner ever sees it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="post_bookmarks")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="bookmarks")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "post"], name="bookmark_unique_pair")
        ]
        indexes = [models.Index(fields=["user", "-created_at", "-id"], name="bookmark_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} bookmarked post {self.post_id}"


class TopicFollow(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="topic_follows")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="topicfollow_unique_pair")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows topic {self.topic_id}"


class InboxEntry(models.Model):
    """A post fanned out on write into ``member``'s home-feed inbox (``selectors.home_feed``).

    Written when a post is published (``services.fan_out``) for its author and every
    connection — and every follower when the audience is public or members — unless the
    author is a hub (``selectors.hub_ids``: their posts are merged at read time) or the post
    is a group post (groups are merged at read time); and when a member gains a tie, for the
    new tie's recent posts (``services.inbox_backfill``). Only candidates: the reader
    re-applies the visibility rule, blocks, mutes and its current ties, so deletes,
    moderation, blocks and unfollows take effect at once. Capped per member
    (``services.inbox_trim``); ``created_at`` copies the post's so the inbox reads in feed
    order from its index.
    """

    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["member", "-created_at", "-post"], name="inbox_member_recent_idx"),
        ]
        constraints = [
            # Once per member: the back-fill on a new tie (``services.inbox_backfill``) skips
            # entries fan-out already wrote. Leading with ``post``, it also serves the lookups
            # by post (deletes) that a separate index on ``post`` served before.
            models.UniqueConstraint(fields=["post", "member"], name="inbox_unique_post_member"),
        ]

    def __str__(self) -> str:
        return f"Post {self.post_id} in {self.member_id}'s inbox"


class SourceChanges(models.Model):
    """How many times the posts of a home-feed source changed: a group (``kind`` "g",
    ``ref`` the group's id) or a topic ("t", the topic's id). Raised in the same transaction as
    every post written to, edited in or deleted from the source (``services.note_source_changes``),
    so a reader that sees the new count also sees the change. The home feed's page cache
    (``feedcache``) keys each page on the sum over the member's groups and topics: it only grows,
    so any change in any of them gives a new key. No row means no change yet (0)."""

    kind = models.CharField(max_length=1)
    ref = models.BigIntegerField()
    changes = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "ref"], name="sourcechanges_unique_source")
        ]

    def __str__(self) -> str:
        return f"{self.kind}{self.ref}: {self.changes} changes"


class Mute(models.Model):
    """``user`` mutes a member or a topic (exactly one): their posts leave ``user``'s feed.
    Private: the muted member is never told."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="feed_mutes")
    muted_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.CASCADE, related_name="mutes"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(muted_user__isnull=False) & Q(topic__isnull=True))
                | (Q(muted_user__isnull=True) & Q(topic__isnull=False)),
                name="mute_member_xor_topic",
            ),
            models.CheckConstraint(condition=~Q(user=F("muted_user")), name="mute_not_self"),
            models.UniqueConstraint(
                fields=["user", "muted_user"],
                condition=Q(muted_user__isnull=False),
                name="mute_unique_member",
            ),
            models.UniqueConstraint(
                fields=["user", "topic"], condition=Q(topic__isnull=False), name="mute_unique_topic"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} mutes {self.muted_user_id or f'topic {self.topic_id}'}"


__all__ = [
    "AUDIENCE_BREADTH",
    "Audience",
    "Bookmark",
    "Comment",
    "InboxEntry",
    "Like",
    "Mute",
    "Post",
    "PostRevision",
    "PostTopic",
    "SourceChanges",
    "Topic",
    "TopicFollow",
]
