"""In-app notifications and how each member wants them delivered by email.

Every capability tells a member something through ``services.notify`` (never by writing
these rows itself). ``Notification.text`` is written by the system ("Ana Ruiz accepted your
connection request"), never a member's own words beyond a short, already-guarded excerpt.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Kind(models.TextChoices):
    """What happened. The value is stable (it appears in preferences, the API and emails)."""

    CONNECTION_REQUEST = "connection.request", "Connection requests"
    CONNECTION_ACCEPTED = "connection.accepted", "Accepted connection requests"
    MESSAGE = "message.new", "New messages"
    MESSAGE_REQUEST = "message.request", "Message requests from people you are not connected to"
    MENTION = "mention", "Mentions of you"
    POST_COMMENT = "post.comment", "Comments on your posts"
    POST_LIKE = "post.like", "Likes on your posts"
    GROUP_INVITATION = "group.invitation", "Group invitations"
    GROUP_APPROVAL = "group.approval", "Group membership approvals"
    EVENT_UPDATE = "event.update", "Changes to events you registered for"
    EVENT_CANCELLED = "event.cancelled", "Cancelled events"
    EVENT_WAITLIST = "event.waitlist_promoted", "Waitlist promotions"
    EVENT_REMINDER = "event.reminder", "Event reminders"
    MENTORSHIP_REQUEST = "mentorship.request", "Mentorship requests"
    MENTORSHIP_CHECKIN = "mentorship.checkin", "Mentorship check-in reminders"
    KEEP_IN_TOUCH = "contacts.keep_in_touch", "Keep-in-touch reminders"
    MODERATION = "moderation.outcome", "Moderation outcomes"


class Delivery(models.TextChoices):
    """How a kind of notification reaches a member by email (in-app is always on)."""

    IMMEDIATE = "immediate", "Email right away"
    DIGEST = "digest", "In a daily digest"
    OFF = "off", "No email"


# What a member gets before choosing: urgent or personal things right away, the rest in the
# digest, likes nowhere (they are noise by email).
DEFAULT_DELIVERY: dict[str, str] = {
    Kind.CONNECTION_REQUEST: Delivery.DIGEST,
    Kind.CONNECTION_ACCEPTED: Delivery.DIGEST,
    Kind.MESSAGE: Delivery.IMMEDIATE,
    Kind.MESSAGE_REQUEST: Delivery.DIGEST,
    Kind.MENTION: Delivery.DIGEST,
    Kind.POST_COMMENT: Delivery.DIGEST,
    Kind.POST_LIKE: Delivery.OFF,
    Kind.GROUP_INVITATION: Delivery.DIGEST,
    Kind.GROUP_APPROVAL: Delivery.DIGEST,
    Kind.EVENT_UPDATE: Delivery.IMMEDIATE,
    Kind.EVENT_CANCELLED: Delivery.IMMEDIATE,
    Kind.EVENT_WAITLIST: Delivery.IMMEDIATE,
    Kind.EVENT_REMINDER: Delivery.IMMEDIATE,
    Kind.MENTORSHIP_REQUEST: Delivery.IMMEDIATE,
    Kind.MENTORSHIP_CHECKIN: Delivery.DIGEST,
    Kind.KEEP_IN_TOUCH: Delivery.DIGEST,
    Kind.MODERATION: Delivery.IMMEDIATE,
}


class Notification(models.Model):
    """Something a member should know about. ``read_at`` null = unread; ``emailed_at`` set
    once it went out by email (alone or in a digest), so nothing is mailed twice."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Who caused it (none for system reminders).",
    )
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=500, blank=True, help_text="Where the member acts on it.")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notif_recipient_idx"),
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notif_unread_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}: {self.text[:40]}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """A member's choice of email delivery for one kind (absent = ``DEFAULT_DELIVERY``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    delivery = models.CharField(max_length=10, choices=Delivery.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notif_pref_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.delivery}"
