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


class KindGroup:
    """Kinds shown together on the preferences page, with who causes them and what an email
    of theirs says (members decide better when they know what leaves the site)."""

    def __init__(self, key: str, title: str, about: str, kinds: list[tuple[str, str]]):
        self.key = key
        self.title = title
        self.about = about
        #: (kind, when it happens) in display order.
        self.kinds = kinds


KIND_GROUPS: tuple[KindGroup, ...] = (
    KindGroup(
        "network",
        "Your network",
        "Colleagues who ask to connect or answer your requests. Emails name the colleague, "
        "never the personal note.",
        [
            (Kind.CONNECTION_REQUEST, "A colleague asks to connect with you."),
            (Kind.CONNECTION_ACCEPTED, "A colleague accepts your connection request."),
            (Kind.KEEP_IN_TOUCH, "Contacts in your private notebook are due for a catch-up."),
        ],
    ),
    KindGroup(
        "messages",
        "Messages",
        "Connections write to you directly; anyone else arrives as a request you can accept "
        "or ignore. Emails say who wrote, never the message itself.",
        [
            (Kind.MESSAGE, "A connection sends you a message."),
            (Kind.MESSAGE_REQUEST, "Someone you are not connected to writes to you."),
        ],
    ),
    KindGroup(
        "posts",
        "Posts and mentions",
        "Activity on what you publish, and members mentioning you.",
        [
            (Kind.MENTION, "A member mentions you in a post, comment or reply."),
            (Kind.POST_COMMENT, "A member comments on your post."),
            (Kind.POST_LIKE, "A member likes your post."),
        ],
    ),
    KindGroup(
        "groups",
        "Groups",
        "Group organizers inviting you, or answering your request to join.",
        [
            (Kind.GROUP_INVITATION, "You are invited to join a group."),
            (Kind.GROUP_APPROVAL, "Your request to join a group is approved."),
        ],
    ),
    KindGroup(
        "events",
        "Events",
        "Changes from the organizers of events you registered for, and reminders before they "
        "start.",
        [
            (Kind.EVENT_UPDATE, "The time, place or details of your event change."),
            (Kind.EVENT_CANCELLED, "An event you registered for is cancelled."),
            (Kind.EVENT_WAITLIST, "A place opens up and you move off the waitlist."),
            (Kind.EVENT_REMINDER, "An event you registered for is coming up."),
        ],
    ),
    KindGroup(
        "mentorship",
        "Mentorship",
        "Mentees asking for your guidance, and reminders to check in.",
        [
            (Kind.MENTORSHIP_REQUEST, "A member asks you to mentor them."),
            (Kind.MENTORSHIP_CHECKIN, "A check-in with your mentor or mentee is due."),
        ],
    ),
    KindGroup(
        "moderation",
        "Safety and moderation",
        "What moderators decided about a report you made or about your content.",
        [(Kind.MODERATION, "A moderator decides on a report or on your content.")],
    ),
)

#: When each kind happens, for the preferences page and the API.
KIND_DESCRIPTIONS: dict[str, str] = {
    kind: text for group in KIND_GROUPS for kind, text in group.kinds
}
#: The group each kind belongs to.
KIND_GROUP_OF: dict[str, KindGroup] = {
    kind: group for group in KIND_GROUPS for kind, _ in group.kinds
}


class Notification(models.Model):
    """Something a member should know about. ``read_at`` null = unread; ``emailed_at`` set
    once it went out by email (alone or in a digest), so nothing is mailed twice.

    ``url`` is a path on this site (``/network/requests/``), never an address elsewhere: the
    open link redirects there, so it must not become an open redirect.
    """

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
            # The daily digest walks members with unread, not-yet-emailed notifications.
            models.Index(
                fields=["recipient", "created_at"],
                condition=Q(read_at__isnull=True, emailed_at__isnull=True),
                name="notif_to_email_idx",
            ),
            # Pruning old read notifications.
            models.Index(
                fields=["created_at"], condition=Q(read_at__isnull=False), name="notif_read_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="notif_kind_known"),
            models.CheckConstraint(
                condition=Q(url="") | (Q(url__startswith="/") & ~Q(url__startswith="//")),
                name="notif_url_internal",
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
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="notif_pref_kind_known"),
            models.CheckConstraint(
                condition=Q(delivery__in=Delivery.values), name="notif_pref_delivery_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.delivery}"
