"""The three networks: connection requests, connections (one private row per side), follows,
blocks, the interaction log and recommendation dismissals."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Greatest, Least

from rounds.core.models import BaseModel

User = settings.AUTH_USER_MODEL


class NetworkType(models.TextChoices):
    OPERATIONAL = "operational", "Operational"
    PERSONAL = "personal", "Personal"
    STRATEGIC = "strategic", "Strategic"


class Label(models.TextChoices):
    """How a member privately describes a connection. Only they see it."""

    COLLEAGUE = "colleague", "Colleague"
    SUPERVISOR = "supervisor", "Supervisor"
    DIRECT_REPORT = "direct_report", "Direct report"
    MENTOR = "mentor", "Mentor"
    MENTEE = "mentee", "Mentee"
    EMPLOYER = "employer", "Employer"
    COLLABORATOR = "collaborator", "Collaborator"
    CLASSMATE = "classmate", "Classmate"
    FRIEND = "friend", "Friend"
    FAMILY = "family", "Family"
    ACQUAINTANCE = "acquaintance", "Acquaintance"
    PATIENT = "patient", "Patient"
    OTHER = "other", "Other"


PERSONAL_LABELS = frozenset({Label.FRIEND, Label.FAMILY, Label.ACQUAINTANCE, Label.CLASSMATE})


class ConnectionRequest(BaseModel):
    """A request to connect. Lifecycle: pending → accepted | declined | withdrawn | expired."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"
        EXPIRED = "expired", "Expired"

    sender = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="sent_connection_requests"
    )
    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="received_connection_requests"
    )
    note = models.TextField(blank=True, max_length=500)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    expires_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["recipient", "state", "-created_at"], name="connreq_recipient_idx"
            ),
            models.Index(fields=["sender", "state", "-created_at"], name="connreq_sender_idx"),
            models.Index(fields=["state", "expires_at"], name="connreq_expiry_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(sender=F("recipient")), name="connreq_not_self"),
            models.UniqueConstraint(
                Least("sender", "recipient"),
                Greatest("sender", "recipient"),
                condition=Q(state="pending"),
                name="connreq_one_pending_per_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender_id}→{self.recipient_id} ({self.state})"


class Connection(BaseModel):
    """One side of a mutual connection: ``owner``'s private view of their tie to ``other``.

    Every connection is two rows (a→b and b→a), created and removed together, so each side keeps
    its own label and network type and "my connections" is a single indexed lookup.
    """

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="connections")
    other = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    label = models.CharField(max_length=20, choices=Label.choices, blank=True)
    proposed_type = models.CharField(
        max_length=12, choices=NetworkType.choices, default=NetworkType.PERSONAL
    )
    override_type = models.CharField(max_length=12, choices=NetworkType.choices, blank=True)
    last_interaction_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["other"], name="connection_other_idx"),
            # A member's ties newest first, read from the index alone (``other`` is its last
            # key): their connections list, and the ties of each contact that people-you-may-
            # know expands (at most 100 per contact: 18 ms for 500 contacts at tier M instead
            # of 1.9 s through the heap; docs/benchmarks.md).
            models.Index(
                fields=["owner", "-created_at", "-id", "other"], name="connection_owner_recent_idx"
            ),
            # A member's counts per network (the connections page and the counts API), read
            # from the index alone and already grouped: 500 ties in 0.1 ms, not 0.45 ms.
            models.Index(
                fields=["owner", "override_type", "proposed_type"],
                name="connection_owner_types_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["owner", "other"], name="connection_unique_pair"),
            models.CheckConstraint(condition=~Q(owner=F("other")), name="connection_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.owner_id}↔{self.other_id}"

    @property
    def network_type(self) -> str:
        return self.override_type or self.proposed_type


class Follow(models.Model):
    """A one-way follow (no approval)."""

    follower = models.ForeignKey(User, on_delete=models.CASCADE, related_name="following_set")
    followee = models.ForeignKey(User, on_delete=models.CASCADE, related_name="follower_set")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["followee", "-created_at"], name="follow_followee_idx")]
        constraints = [
            models.UniqueConstraint(fields=["follower", "followee"], name="follow_unique_pair"),
            models.CheckConstraint(condition=~Q(follower=F("followee")), name="follow_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.follower_id} follows {self.followee_id}"


class Block(models.Model):
    """``blocker`` blocks ``blocked``: no profile, requests, follows, messages or recommendations."""

    blocker = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks_made")
    blocked = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks_received")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["blocked"], name="block_blocked_idx")]
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_unique_pair"),
            models.CheckConstraint(condition=~Q(blocker=F("blocked")), name="block_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


class Interaction(models.Model):
    """A dated interaction between two members (internal). Written by messages, events,
    mentorship check-ins and "we met" notes; it feeds "active" and "dormant" ties."""

    class Kind(models.TextChoices):
        MESSAGE = "message", "Message"
        EVENT_MEETING = "event_meeting", "Met at an event"
        MENTORSHIP_CHECKIN = "mentorship_checkin", "Mentorship check-in"
        MET = "met", "We met"
        CALL = "call", "Call"
        CONNECTED = "connected", "Connected"

    actor = models.ForeignKey(User, on_delete=models.CASCADE, related_name="interactions_logged")
    other = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    occurred_at = models.DateTimeField()
    source = models.CharField(max_length=80, blank=True, help_text="e.g. event:42, message:9")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["actor", "other", "-occurred_at"], name="interaction_pair_idx")
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(actor=F("other")), name="interaction_not_self")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.actor_id}→{self.other_id} at {self.occurred_at:%Y-%m-%d}"


class RecommendationDismissal(models.Model):
    """``user`` dismissed ``candidate``; the candidate is not recommended again until ``until``."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="recommendation_dismissals"
    )
    candidate = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    until = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "candidate"], name="dismissal_unique_pair")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} dismissed {self.candidate_id} until {self.until:%Y-%m-%d}"


class NetworkState(models.Model):
    """Per-member counters: degree (for Adamic-Adar) and a version bumped on every change to the
    member's own ties, so cached health and recommendations are never served stale."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, related_name="network_state"
    )
    degree = models.PositiveIntegerField(default=0)
    follower_count = models.PositiveIntegerField(default=0)
    following_count = models.PositiveIntegerField(default=0)
    version = models.PositiveBigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["-degree"], name="networkstate_degree_idx")]

    def __str__(self) -> str:
        return f"network of {self.user_id}: degree {self.degree}, v{self.version}"
