"""Build events and registrations in tests through the real services (e2/e3 use these too)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from rounds.events import list_cache, services
from rounds.events.models import Event, Registration
from rounds.profiles.tests.factories import ProfileFactory


def new_user(**profile_kwargs: Any) -> Any:
    """A verified member (the user; ``.profile`` is there)."""
    return ProfileFactory(**profile_kwargs).user


def make_event(
    organizer: Any = None,
    *,
    publish: bool = True,
    starts_in: timedelta = timedelta(days=7),
    duration: timedelta = timedelta(hours=2),
    title: str = "",
    **fields: Any,
) -> Event:
    """An event organized by ``organizer`` (a new member when None), published unless
    ``publish=False``; starts ``starts_in`` from now. Other keywords go to ``event_create``."""
    organizer = organizer or new_user()
    starts = fields.pop("starts_at", None) or timezone.now() + starts_in
    ends = fields.pop("ends_at", None) or starts + duration
    fields.setdefault("city", "Chicago")
    event = services.event_create(
        actor=organizer,
        title=title or f"Grand rounds {Event.objects.count() + 1}",
        starts_at=starts,
        ends_at=ends,
        **fields,
    )
    if publish:
        services.event_publish(actor=organizer, event=event)
    return event


def move_event(event: Event, *, starts_at: datetime, ends_at: datetime | None = None) -> Event:
    """Put an event at another time (e.g. in the past), bypassing the service's checks."""
    ends_at = ends_at or starts_at + (event.ends_at - event.starts_at)
    Event.objects.filter(pk=event.pk).update(
        starts_at=starts_at, ends_at=ends_at, registration_deadline=None
    )
    list_cache.events_list_changed()  # as a service's save() would
    event.refresh_from_db()
    return event


def make_past(event: Event, *, ago: timedelta = timedelta(days=2)) -> Event:
    """Move ``event`` into the past (ended ``ago`` before now)."""
    duration = event.ends_at - event.starts_at
    ends = timezone.now() - ago
    return move_event(event, starts_at=ends - duration, ends_at=ends)


def make_ongoing(event: Event) -> Event:
    """Move ``event`` so that it started an hour ago and ends in an hour."""
    now = timezone.now()
    return move_event(event, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1))


def fresh(event: Event) -> Event:
    """The event reloaded (drops what policies remembered about a viewer)."""
    return Event.objects.get(pk=event.pk)


def register(
    event: Event,
    user: Any = None,
    *,
    state: str = "going",
    roster_visibility: str = "registrants",
    shift: Any = None,
) -> Registration:
    """Register ``user`` (a new member when None) through the service."""
    user = user or new_user()
    return services.register(
        actor=user,
        event=fresh(event),
        state=state,
        shift=shift,
        roster_visibility=roster_visibility,
    )


def attend(event: Event, user: Any, *, organizer: Any = None) -> Registration:
    """Register ``user`` as going, move the event into the past and mark them attended."""
    if not Registration.objects.filter(event=event, user=user, state="going").exists():
        register(event, user)
    if fresh(event).starts_at > timezone.now():
        make_past(event)
    organizer = organizer or fresh(event).organizer
    return services.attendance_mark(actor=organizer, event=fresh(event), user_id=user.pk)
