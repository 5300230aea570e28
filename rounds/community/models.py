"""Professional groups and their forums: Group, GroupTopic, GroupMembership, Thread, Reply.

A group is public (anyone reads, members post), private (listed; content for members only;
join by request or invitation) or secret (unlisted; invitation only). A membership row is the
one place a member's relation to a group lives: ``state`` is its lifecycle (requested | invited
→ active; active → banned; leaving, removal and declines delete the row, audited) and ``role``
says what an active member may do (owner > moderator > member).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q

from rounds.core.models import BaseModel
from rounds.moderation.registry import ModeratedFields

User = settings.AUTH_USER_MODEL

MAX_GROUP_DESCRIPTION = 5000
MAX_THREAD_TITLE = 200
MAX_THREAD_BODY = 20000
MAX_REPLY_BODY = 10000
MAX_TOPICS = 10
MAX_TOPIC_LENGTH = 40


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public — anyone can read, members post"
    PRIVATE = "private", "Private — listed; only members read"
    SECRET = "secret", "Secret — unlisted; invitation only"


class Group(BaseModel):
    """A professional group with a forum. ``member_count`` counts active members (kept by
    the membership services, so the directory never counts rows)."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True, max_length=MAX_GROUP_DESCRIPTION)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    organization = models.ForeignKey(
        "profiles.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="groups",
    )
    specialties = models.ManyToManyField(
        "profiles.Specialty", blank=True, related_name="community_groups"
    )
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    member_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["visibility", "-member_count", "id"], name="group_directory_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC

    @property
    def is_secret(self) -> bool:
        return self.visibility == Visibility.SECRET


class GroupTopic(models.Model):
    """A free topic a group is about (lower-case, e.g. "health policy")."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="topics")
    name = models.CharField(max_length=MAX_TOPIC_LENGTH)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["name"], name="grouptopic_name_idx")]
        constraints = [
            models.UniqueConstraint(fields=["group", "name"], name="grouptopic_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    MODERATOR = "moderator", "Moderator"
    MEMBER = "member", "Member"


class MembershipState(models.TextChoices):
    REQUESTED = "requested", "Asked to join"
    INVITED = "invited", "Invited"
    ACTIVE = "active", "Member"
    BANNED = "banned", "Banned"


class GroupMembership(BaseModel):
    """``user``'s relation to ``group``. One row per pair; exactly one active owner per group."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="group_memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    state = models.CharField(max_length=10, choices=MembershipState.choices)
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    joined_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "state"], name="membership_user_state_idx"),
            models.Index(fields=["group", "state", "role", "id"], name="membership_group_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="membership_unique_pair"),
            models.UniqueConstraint(
                fields=["group"],
                condition=Q(role="owner", state="active"),
                name="membership_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(role="member") | Q(state="active"),
                name="membership_role_needs_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.group_id} ({self.state}, {self.role})"

    @property
    def is_active(self) -> bool:
        return self.state == MembershipState.ACTIVE

    @property
    def is_moderator(self) -> bool:
        return self.is_active and self.role in (Role.OWNER, Role.MODERATOR)


class Thread(BaseModel, ModeratedFields):
    """A forum thread. ``last_activity_at`` (creation or newest reply) orders the forum;
    ``author`` is null once the author deleted their account keeping contributions."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="threads")
    author = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="community_threads"
    )
    title = models.CharField(max_length=MAX_THREAD_TITLE)
    body = models.TextField(max_length=MAX_THREAD_BODY)
    pinned = models.BooleanField(default=False)
    locked = models.BooleanField(default=False)
    last_activity_at = models.DateTimeField()
    reply_count = models.PositiveIntegerField(default=0)
    edited_at = models.DateTimeField(null=True, blank=True)
    #: Title and body as a tsvector, kept by a PostgreSQL trigger (migration 0002) and indexed
    #: with GIN; always null on SQLite (search falls back to icontains there).
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["-pinned", "-last_activity_at", "-id"]
        indexes = [
            models.Index(
                fields=["group", "-pinned", "-last_activity_at", "-id"],
                name="thread_group_activity_idx",
            ),
            models.Index(fields=["author", "-created_at"], name="thread_author_idx"),
            models.Index(fields=["-last_activity_at", "-id"], name="thread_activity_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class Reply(BaseModel, ModeratedFields):
    """A reply in a thread; ``quoted`` is the reply it quotes (shown as a blockquote excerpt)."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="community_replies"
    )
    body = models.TextField(max_length=MAX_REPLY_BODY)
    quoted = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    edited_at = models.DateTimeField(null=True, blank=True)
    #: The body as a tsvector (PostgreSQL trigger, GIN index; null on SQLite).
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "replies"
        indexes = [
            models.Index(fields=["thread", "created_at", "id"], name="reply_thread_idx"),
            models.Index(fields=["author", "-created_at"], name="reply_author_idx"),
        ]

    def __str__(self) -> str:
        return f"Reply {self.pk} in thread {self.thread_id}"
