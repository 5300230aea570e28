"""Direct messages: conversations (one-to-one or small groups), their participants and messages.

Reading is per participant: a participant row carries what that member sees of the conversation
(the newest message they may read, how far they have read, mute/archive, whether they left), so
the inbox, unread badges and "Seen" markers are answered from participant rows alone, never by
counting messages.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.safestring import SafeString, mark_safe

from rounds.core.markdown import render_markdown
from rounds.core.models import BaseModel

User = settings.AUTH_USER_MODEL

#: Longest message body (characters).
MAX_BODY = 5000
#: Largest conversation, creator included.
MAX_PARTICIPANTS = 20


class Conversation(BaseModel):
    """A conversation between two members (``direct``) or a small group (``group``).

    ``direct_key`` ("<smaller id>:<larger id>") makes one direct conversation per pair of
    members. ``last_message``/``last_message_at`` are denormalised from the newest message;
    ``has_hidden_messages`` says whether any message is hidden from some participant (a block
    between group members), so reads skip that filter for every other conversation.
    """

    class Kind(models.TextChoices):
        DIRECT = "direct", "One-to-one"
        GROUP = "group", "Group"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    creator = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    direct_key = models.CharField(max_length=50, null=True, blank=True, unique=True)
    last_message = models.ForeignKey(
        "Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_message_at = models.DateTimeField(null=True, blank=True)
    has_hidden_messages = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["direct", "group"]), name="conversation_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind="direct") | Q(direct_key__isnull=True),
                name="conversation_direct_key_only_direct",
            ),
        ]

    def __str__(self) -> str:
        return f"conversation {self.pk} ({self.kind})"

    @property
    def is_group(self) -> bool:
        return self.kind == self.Kind.GROUP


class Participant(models.Model):
    """One member's place in a conversation and their private settings for it.

    Lifecycle (``status``): ``active``; or ``request`` (a first message from someone they are
    not connected to) → ``active`` (accepted) | ``ignored``; ``active`` → ``left`` (groups).
    ``last_message`` is the newest message this member may read (messages hidden from them and
    messages after they left do not move it): the inbox orders by it and a conversation is
    unread while it is newer than ``last_read_message``. ``history_end_id``: a member who left
    reads nothing after this message id. ``history_start_id``: a member added to a group after
    it started reads nothing up to this message id (what was said before they joined); null
    for the people a conversation started with.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        REQUEST = "request", "Message request"
        IGNORED = "ignored", "Ignored request"
        LEFT = "left", "Left"

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="conversation_seats")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    muted = models.BooleanField(default=False)
    archived = models.BooleanField(default=False)
    joined_at = models.DateTimeField(auto_now_add=True)
    left_at = models.DateTimeField(null=True, blank=True)
    history_end_id = models.BigIntegerField(null=True, blank=True)
    history_start_id = models.BigIntegerField(null=True, blank=True)
    last_message = models.ForeignKey(
        "Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_message_at = models.DateTimeField(null=True, blank=True)
    last_read_message = models.ForeignKey(
        "Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    last_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The inbox and its tabs: a member's seats by status, newest activity first.
            models.Index(fields=["user", "status", "-last_message"], name="participant_inbox_idx"),
            # The navigation's unread-conversations badge, counted on every page: only the
            # unread seats (``unread_q``), so a member with hundreds of conversations reads a
            # handful of rows instead of every seat.
            models.Index(
                fields=["user"],
                condition=Q(last_message__isnull=False)
                & (Q(last_read_message__isnull=True) | Q(last_message__gt=F("last_read_message"))),
                name="participant_unread_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "user"], name="participant_unique_seat"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "request", "ignored", "left"]),
                name="participant_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.conversation_id} ({self.status})"

    @property
    def is_unread(self) -> bool:
        """Whether a message newer than the read marker is waiting for this member."""
        if self.last_message_id is None:
            return False
        return self.last_read_message_id is None or self.last_read_message_id < self.last_message_id

    @property
    def has_left(self) -> bool:
        return self.status == self.Status.LEFT


def body_html_of(body: str) -> str:
    """The sanitised HTML of a message body (``rounds.core.markdown``), as stored in
    ``Message.body_html``."""
    return str(render_markdown(body)) if body else ""


class Message(models.Model):
    """A message. ``body`` is Markdown-light text (≤ 5,000 characters) that passed the
    professionalism guard; ``body_html`` is its sanitised HTML, rendered once when it is
    written (``body_html_of``) so that reading a conversation renders no Markdown. Deleting
    keeps the row (so replies keep their place) and erases the text: ``deleted_at`` set,
    ``body`` and ``body_html`` empty. ``sender`` is null once the author's account is gone.

    Whoever writes ``body`` writes ``body_html`` with it (services, data rights, the bench
    generator); a change of the sanitiser's rules needs a migration that renders them again.

    ``kind``: ``text`` (a member's message) or a system line the conversation shows to say
    what happened, without text of its own: ``added`` ("Ana Ruiz added Chen Li": ``sender``
    added ``subject`` to the group). Its names are read when it is shown, so they follow
    renames and account deletions ("Former member").
    """

    class Kind(models.TextChoices):
        TEXT = "text", "Message"
        ADDED = "added", "Member added"

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    sender = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(max_length=MAX_BODY, blank=True)
    body_html = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TEXT)
    #: For a system line: the member it is about (who was added); null once their account is
    #: gone.
    subject = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["conversation", "-id"], name="message_conversation_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=True) | Q(body=""),
                name="message_deleted_has_no_body",
            ),
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=True) | Q(body_html=""),
                name="message_deleted_has_no_html",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["text", "added"]), name="message_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind="text") | (Q(body="") & Q(body_html="")),
                name="message_system_line_has_no_text",
            ),
        ]

    def __str__(self) -> str:
        return f"message {self.pk} in {self.conversation_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_system(self) -> bool:
        """A line about the conversation (someone was added), not a member's message."""
        return self.kind != self.Kind.TEXT

    @property
    def html(self) -> SafeString:
        """The body as sanitised HTML: the stored ``body_html``, or rendered now for a row
        written without it."""
        if self.body_html:
            return mark_safe(self.body_html)  # noqa: S308 - sanitised by nh3 when written
        return mark_safe(body_html_of(self.body))  # noqa: S308 - nh3 output


class MessageHide(models.Model):
    """``message`` is not shown to ``user``: written when a group member sends while a block
    stands between them and ``user`` (either way). Kept after an unblock, so lifting a block
    never reveals what was said while it stood."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="hides")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "user"], name="message_hide_unique"),
        ]
        indexes = [models.Index(fields=["user"], name="message_hide_user_idx")]

    def __str__(self) -> str:
        return f"message {self.message_id} hidden from {self.user_id}"
