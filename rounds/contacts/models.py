"""The contacts notebook: a member's private record of the people they know (members or not),
what they talk about, and when to get back in touch.

Everything here is private to ``owner``: no other member ever reads a contact, a note, a tag,
a cadence or an import (``access.py`` answers 404). Every connection is a contact on both sides
(``services.contacts_ensure_for_connection``, called by ``network.services.connection_create``);
a removed connection keeps its contact and notes (``connected`` becomes False).

The keep-in-touch clock: ``due_at`` is denormalised = (``last_interaction_at`` or
``created_at``) + the effective cadence (the contact's own, else the shortest of its tags',
else the owner's default for its network type), pushed later by a snooze. Services recompute
it whenever an input changes, so "due to reconnect" is one indexed range scan on
``(owner, due_at, id)``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from rounds.core.models import BaseModel
from rounds.network.models import NetworkType

User = settings.AUTH_USER_MODEL

MIN_CADENCE = 7
MAX_CADENCE = 3650


#: Default cadences (days) of the three networks; each member can change theirs.
DEFAULT_CADENCES = {
    NetworkType.OPERATIONAL: 180,
    NetworkType.PERSONAL: 90,
    NetworkType.STRATEGIC: 60,
}


class NotebookSettings(models.Model):
    """A member's keep-in-touch defaults and when they were last nudged (absent = defaults)."""

    owner = models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, related_name="contact_settings"
    )
    operational_days = models.PositiveIntegerField(default=180)
    personal_days = models.PositiveIntegerField(default=90)
    strategic_days = models.PositiveIntegerField(default=60)
    #: When the member was last nudged to keep in touch.
    last_nudged_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "notebook settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(operational_days__gte=MIN_CADENCE, operational_days__lte=MAX_CADENCE)
                & Q(personal_days__gte=MIN_CADENCE, personal_days__lte=MAX_CADENCE)
                & Q(strategic_days__gte=MIN_CADENCE, strategic_days__lte=MAX_CADENCE),
                name="notebook_cadence_range",
            )
        ]

    def __str__(self) -> str:
        return f"notebook settings of {self.owner_id}"

    def default_for(self, network_type: str) -> int:
        return int(getattr(self, f"{network_type}_days", self.personal_days))


class ContactTag(models.Model):
    """A member's own tag ("Residency", "Board"), optionally with a cadence for its contacts."""

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="contact_tags")
    name = models.CharField(max_length=80)
    cadence_days = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint("owner", Lower("name"), name="contacttag_unique_name"),
            models.CheckConstraint(
                condition=Q(cadence_days__isnull=True)
                | Q(cadence_days__gte=MIN_CADENCE, cadence_days__lte=MAX_CADENCE),
                name="contacttag_cadence_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(BaseModel):
    """One person in ``owner``'s notebook: a member (``member`` set) or anyone else."""

    class Source(models.TextChoices):
        MANUAL = "manual", "Added by hand"
        LINKEDIN = "linkedin", "LinkedIn import"
        VCARD = "vcard", "vCard import"
        CONNECTION = "connection", "Rounds connection"

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="contacts")
    member = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: For member contacts: whether owner and member are connected right now.
    connected = models.BooleanField(default=False)
    name = models.CharField(max_length=200)
    organization = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=200, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    url = models.CharField(max_length=300, blank=True, help_text="LinkedIn or web page.")
    how_met = models.TextField(blank=True, max_length=1000)
    network_type = models.CharField(
        max_length=12, choices=NetworkType.choices, default=NetworkType.PERSONAL
    )
    #: The owner chose the network type of a non-member contact (no longer proposed).
    network_type_chosen = models.BooleanField(default=False)
    cadence_days = models.PositiveIntegerField(null=True, blank=True)
    last_interaction_at = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField()
    #: The ``due_at`` a keep-in-touch nudge already counted (each time a contact falls due is
    #: counted once; any change of ``due_at`` starts a new one).
    nudged_due_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.MANUAL)
    linkedin_connected_on = models.DateField(null=True, blank=True)
    archived = models.BooleanField(default=False)
    tags = models.ManyToManyField(ContactTag, blank=True, related_name="contacts")

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(
                fields=["owner", "due_at", "id"],
                condition=Q(archived=False),
                name="contact_due_idx",
            ),
            models.Index(fields=["owner", "name", "id"], name="contact_owner_name_idx"),
            models.Index(fields=["member"], name="contact_member_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "member"],
                condition=Q(member__isnull=False),
                name="contact_unique_member",
            ),
            models.CheckConstraint(
                condition=Q(member__isnull=True) | ~Q(member=F("owner")), name="contact_not_self"
            ),
            models.CheckConstraint(
                condition=Q(cadence_days__isnull=True)
                | Q(cadence_days__gte=MIN_CADENCE, cadence_days__lte=MAX_CADENCE),
                name="contact_cadence_range",
            ),
            models.CheckConstraint(
                condition=Q(network_type__in=NetworkType.values), name="contact_network_type"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (notebook of {self.owner_id})"

    @property
    def is_member(self) -> bool:
        return self.member_id is not None


class ContactNote(BaseModel):
    """A dated note on a contact: what they care about, their needs and concerns, or a
    conversation (a call, coffee, a meeting). Private to the contact's owner."""

    class Kind(models.TextChoices):
        NOTE = "note", "Note"
        CALL = "call", "Call"
        COFFEE = "coffee", "Coffee"
        MEETING = "meeting", "Meeting"
        EMAIL = "email", "Email"
        OTHER = "other", "Other conversation"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="notes")
    occurred_on = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.NOTE)
    body = models.TextField(blank=True, max_length=5000)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        indexes = [
            models.Index(fields=["contact", "-occurred_on", "-id"], name="contactnote_timeline_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["note", "call", "coffee", "meeting", "email", "other"]),
                name="contactnote_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.occurred_on} (contact {self.contact_id})"

    @property
    def is_interaction(self) -> bool:
        """Everything but a plain note is a conversation: it resets the keep-in-touch clock."""
        return self.kind != self.Kind.NOTE


class ContactImport(BaseModel):
    """An uploaded LinkedIn or vCard file, parsed and waiting for the member's confirmation.

    Lifecycle: preview → confirmed | cancelled. ``rows`` holds the parsed rows with their
    proposed member matches and the member's choices; ``warnings`` the rows the parser
    flagged; ``summary`` what the confirmation did.
    """

    class Kind(models.TextChoices):
        LINKEDIN = "linkedin", "LinkedIn connections"
        VCARD = "vcard", "vCard file"

    class State(models.TextChoices):
        PREVIEW = "preview", "Waiting for your confirmation"
        CONFIRMED = "confirmed", "Imported"
        CANCELLED = "cancelled", "Cancelled"

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="contact_imports")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PREVIEW)
    filename = models.CharField(max_length=200, blank=True)
    rows = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="contactimport_owner_idx")]

    def __str__(self) -> str:
        return f"{self.kind} import {self.pk} of {self.owner_id} ({self.state})"
