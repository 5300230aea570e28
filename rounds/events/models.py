"""Events: networking events, conferences, workshops, volunteering, webinars, department meetings.

The loop a member goes through — find, register, prepare (goal + who to meet), attend, record
whom they met, follow up — lives in these tables:

- ``Event``: what and when (stored UTC with the organizer's IANA ``time_zone``), where (venue or
  online; the join link is for registered attendees only), who organizes (``organizer`` and
  ``EventOrganizer`` co-organizers, optionally on behalf of an organization or a group), limits
  (capacity, registration deadline) and what it offers (specialties, topics, CME credits,
  skills needed). ``state`` is draft → published → cancelled; "past" is not stored: a published
  event whose end has passed is past (``Event.phase``), so nothing has to flip it on time.
- ``EventShift``: a volunteering event's shifts, each with its own time and capacity.
- ``Registration``: one row per member and event; ``state`` is its lifecycle (going |
  interested | waitlisted → cancelled; going → attended), ``roster_visibility`` the member's
  consent to appear to other registrants, ``goal`` + ``goal_tags`` their private preparation,
  ``follow_up`` the after-event reminder. ``Event.going_count`` / ``EventShift.going_count``
  are kept by the services under a row lock, so capacity is never exceeded.
- ``MetAttendee``: "people I met" — a member's private mark (and note) of another attendee.
- ``CalendarFeed``: a member's private iCalendar feed (hashed token, revocable).
- ``AttendanceCertificate``: issued to an attendee of an event with CME credits; its public
  ``code`` is what the verification page confirms.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from rounds.core.models import BaseModel
from rounds.moderation.registry import ModeratedFields

User = settings.AUTH_USER_MODEL

MAX_TITLE = 200
MAX_DESCRIPTION = 10000
MAX_GOAL = 1000
MAX_MET_NOTE = 2000
MAX_SKILLS = 20
MAX_SHIFTS = 50
MAX_CO_ORGANIZERS = 10


class Kind(models.TextChoices):
    NETWORKING = "networking", "Networking event"
    CONFERENCE = "conference", "Conference"
    WORKSHOP = "workshop", "Workshop"
    VOLUNTEERING = "volunteering", "Volunteering opportunity"
    WEBINAR = "webinar", "Webinar (online)"
    DEPARTMENT_MEETING = "department_meeting", "Department meeting"


class State(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    CANCELLED = "cancelled", "Cancelled"


class Phase(models.TextChoices):
    """What a viewer sees: the stored state, with "past" derived from the end time."""

    DRAFT = "draft", "Draft"
    UPCOMING = "upcoming", "Upcoming"
    ONGOING = "ongoing", "Happening now"
    PAST = "past", "Past"
    CANCELLED = "cancelled", "Cancelled"


class Event(ModeratedFields, BaseModel):
    title = models.CharField(max_length=MAX_TITLE)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NETWORKING)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    #: Markdown as written (guarded: ``events.description``) and its sanitised HTML, rendered
    #: once at write so list and event pages never render Markdown per request.
    description = models.TextField(blank=True, max_length=MAX_DESCRIPTION)
    description_html = models.TextField(blank=True, editable=False)

    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    #: The IANA zone the organizer gave the times in (e.g. "America/Chicago"); times are stored
    #: in UTC and shown in each viewer's zone, with this one for reference and in the .ics.
    time_zone = models.CharField(max_length=64, default="UTC")

    is_online = models.BooleanField(default=False)
    venue = models.CharField(max_length=200, blank=True)
    address = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=100, blank=True)
    #: Shown only to the organizers and to registrants who are going (or attended).
    join_url = models.URLField(max_length=500, blank=True)

    organizer = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="events_organized"
    )
    organization = models.ForeignKey(
        "profiles.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    #: An event may belong to a group: a private or secret group's events are visible to its
    #: active members only.
    group = models.ForeignKey(
        "community.Group", null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )

    capacity = models.PositiveIntegerField(null=True, blank=True)
    registration_deadline = models.DateTimeField(null=True, blank=True)
    specialties = models.ManyToManyField("profiles.Specialty", blank=True, related_name="events")
    topics = models.ManyToManyField("profiles.Interest", blank=True, related_name="events")
    cme_credits = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)

    #: Kept by the registration services under ``select_for_update`` of this row.
    going_count = models.PositiveIntegerField(default=0)
    waitlist_count = models.PositiveIntegerField(default=0)

    published_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            # Discovery: published, upcoming, soonest first (the list is a range scan).
            models.Index(
                fields=["starts_at", "id"],
                name="event_published_start_idx",
                condition=Q(state="published"),
            ),
            models.Index(
                fields=["kind", "starts_at", "id"],
                name="event_kind_start_idx",
                condition=Q(state="published"),
            ),
            models.Index(fields=["organizer", "-starts_at"], name="event_organizer_idx"),
            models.Index(fields=["group", "starts_at"], name="event_group_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=F("starts_at")), name="event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=1),
                name="event_capacity_positive",
            ),
            models.CheckConstraint(
                condition=Q(cme_credits__isnull=True) | Q(cme_credits__gte=0),
                name="event_cme_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def phase_at(self, now: Any) -> str:
        if self.state == State.DRAFT:
            return Phase.DRAFT
        if self.state == State.CANCELLED:
            return Phase.CANCELLED
        if self.ends_at <= now:
            return Phase.PAST
        if self.starts_at <= now:
            return Phase.ONGOING
        return Phase.UPCOMING

    @property
    def phase(self) -> str:
        return self.phase_at(timezone.now())

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and self.going_count >= self.capacity


class EventOrganizer(models.Model):
    """A co-organizer: may edit the event, see the roster, mark attendance and cancel."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="co_organizers")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="events_co_organized")
    added_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="event_co_organizer_unique")
        ]
        indexes = [models.Index(fields=["user", "event"], name="event_coorg_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} co-organizes {self.event_id}"


class EventSkill(models.Model):
    """A skill a volunteering event needs (lower-case, e.g. "spanish", "phlebotomy")."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="skills")
    slug = models.SlugField(max_length=50)
    name = models.CharField(max_length=50)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["event", "slug"], name="event_skill_unique")]
        indexes = [models.Index(fields=["slug", "event"], name="event_skill_slug_idx")]

    def __str__(self) -> str:
        return self.name


class EventShift(models.Model):
    """One shift of a volunteering event, with its own time and capacity."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="shifts")
    title = models.CharField(max_length=120)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    capacity = models.PositiveIntegerField(null=True, blank=True)
    going_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=F("starts_at")), name="event_shift_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=1),
                name="event_shift_capacity_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and self.going_count >= self.capacity


class RegistrationState(models.TextChoices):
    GOING = "going", "Going"
    INTERESTED = "interested", "Interested"
    WAITLISTED = "waitlisted", "Waitlisted"
    CANCELLED = "cancelled", "Cancelled"
    ATTENDED = "attended", "Attended"


class RosterVisibility(models.TextChoices):
    REGISTRANTS = "registrants", "Other registrants can see me"
    HIDDEN = "hidden", "Only the organizers can see me"


class FollowUp(models.TextChoices):
    PENDING = "pending", "To do"
    DONE = "done", "Done"
    DISMISSED = "dismissed", "Dismissed"


class Registration(BaseModel):
    """A member's registration for an event (one row per member and event)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="event_registrations")
    state = models.CharField(max_length=12, choices=RegistrationState.choices)
    #: Volunteering: the shift the member signed up for (its capacity applies).
    shift = models.ForeignKey(
        EventShift, null=True, blank=True, on_delete=models.SET_NULL, related_name="registrations"
    )
    roster_visibility = models.CharField(
        max_length=12, choices=RosterVisibility.choices, default=RosterVisibility.REGISTRANTS
    )
    #: Waitlist order: first in, first promoted.
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    attended_at = models.DateTimeField(null=True, blank=True)

    #: Prepare: the member's private goal for this event (guarded: ``events.goal``).
    goal = models.TextField(blank=True, max_length=MAX_GOAL)
    goal_tags = models.ManyToManyField("profiles.Goal", blank=True, related_name="+")

    #: After the event: the reminder on the home page until done or dismissed.
    follow_up = models.CharField(max_length=10, choices=FollowUp.choices, default=FollowUp.PENDING)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="registration_unique"),
        ]
        indexes = [
            # The roster and the waitlist of an event.
            models.Index(fields=["event", "state", "id"], name="registration_event_idx"),
            models.Index(
                fields=["event", "waitlisted_at", "id"],
                name="registration_waitlist_idx",
                condition=Q(state="waitlisted"),
            ),
            # My events, the calendar feed and the follow-up reminder.
            models.Index(fields=["user", "state", "event"], name="registration_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.event_id}: {self.state}"

    @property
    def is_active(self) -> bool:
        return self.state in (
            RegistrationState.GOING,
            RegistrationState.INTERESTED,
            RegistrationState.WAITLISTED,
            RegistrationState.ATTENDED,
        )


class MetAttendee(models.Model):
    """ "People I met": ``user`` marks that they met ``other`` at ``event`` (private to
    ``user``; writes an ``Interaction`` of kind event_meeting)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="event_meetings")
    other = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    #: Private note (guarded: ``events.met_note``).
    note = models.TextField(blank=True, max_length=MAX_MET_NOTE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "user", "other"], name="met_attendee_unique"),
            models.CheckConstraint(condition=~Q(user=F("other")), name="met_attendee_not_self"),
        ]
        indexes = [models.Index(fields=["user", "event"], name="met_attendee_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} met {self.other_id} at {self.event_id}"


class CalendarFeed(BaseModel):
    """A member's private calendar feed of the events they are going to.

    Only a SHA-256 digest of the token is stored (the URL is shown once; making a new one
    revokes the old). A revoked or unknown token answers 404."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="calendar_feeds")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(revoked_at__isnull=True),
                name="calendar_feed_one_active",
            )
        ]


class AttendanceCertificate(models.Model):
    """A certificate of attendance for an event with CME credits. ``code`` is public (the
    verification URL); the rest is copied at issue so the certificate stays what it said."""

    registration = models.OneToOneField(
        Registration, on_delete=models.CASCADE, related_name="certificate"
    )
    code = models.CharField(max_length=24, unique=True)
    attendee_name = models.CharField(max_length=120)
    event_title = models.CharField(max_length=MAX_TITLE)
    event_starts_at = models.DateTimeField()
    event_ends_at = models.DateTimeField()
    event_time_zone = models.CharField(max_length=64)
    credits = models.DecimalField(max_digits=5, decimal_places=2)
    issued_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.code
