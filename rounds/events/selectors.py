"""Reads for events: discovery, my events, the roster, a group's upcoming events.

Every list starts from ``access.visible_events_q`` (or the viewer's own rows) and loads what
its page shows in a constant number of queries (``select_related`` for the organizer's
profile, group and organization; the viewer's registration state as an annotation).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from rounds.core.pagination import Page, paginate
from rounds.moderation.registry import ModerationState

from . import policies
from .access import visible_events_q
from .models import (
    Event,
    EventOrganizer,
    EventSkill,
    Registration,
    RegistrationState,
    RosterVisibility,
    State,
)

GOING_STATES = (RegistrationState.GOING, RegistrationState.ATTENDED)
ACTIVE_STATES = (
    RegistrationState.GOING,
    RegistrationState.INTERESTED,
    RegistrationState.WAITLISTED,
    RegistrationState.ATTENDED,
)
MY_SECTIONS = ("organizing", "going", "interested", "past")


def _member(viewer: Any) -> bool:
    return viewer is not None and viewer.is_authenticated


def _list_qs(qs: QuerySet[Event]) -> QuerySet[Event]:
    return qs.select_related("organizer__profile", "group", "organization")


def with_viewer_registration(qs: QuerySet[Event], viewer: Any) -> QuerySet[Event]:
    """Annotate ``viewer_state``: the viewer's registration state on each event (or None)."""
    if not _member(viewer):
        return qs
    return qs.annotate(
        viewer_state=Subquery(
            Registration.objects.filter(event=OuterRef("pk"), user_id=viewer.pk).values("state")[:1]
        ),
        viewer_co_organizer=Exists(
            EventOrganizer.objects.filter(event=OuterRef("pk"), user_id=viewer.pk)
        ),
    )


def _started_since(now: datetime) -> dict[str, datetime]:
    """A lower bound on ``starts_at`` for "not ended yet" (e4, bench): no event lasts longer
    than ``services.MAX_DURATION``, so the (starts_at, id) index range starts a month before
    now instead of at the oldest event (at tier M the discovery query read ~9,400 past events
    to find 21 upcoming ones: 33 ms → <1 ms)."""
    from .services import MAX_DURATION

    return {"starts_at__gt": now - MAX_DURATION}


@dataclass(frozen=True)
class DiscoveryFilters:
    kind: str = ""
    date_from: date | None = None
    date_to: date | None = None
    city: str = ""
    online: bool | None = None
    specialty: str = ""
    topic: str = ""
    cme: bool = False
    skill: str = ""
    q: str = ""


def _day_start(day: date) -> datetime:
    """Midnight of ``day`` in the current (viewer's) time zone, as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time(0, 0)), timezone.get_current_timezone())


def discover(
    *, viewer: Any, filters: DiscoveryFilters, now: datetime | None = None
) -> QuerySet[Event]:
    """Upcoming (and ongoing) published events the viewer may see, soonest first, filtered.
    Dates are days in the viewer's zone."""
    now = now or timezone.now()
    qs = Event.objects.filter(
        visible_events_q(viewer), state=State.PUBLISHED, ends_at__gt=now, **_started_since(now)
    )
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.date_from:
        qs = qs.filter(ends_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(starts_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    if filters.city:
        qs = qs.filter(city__iexact=filters.city.strip())
    if filters.online is True:
        qs = qs.filter(is_online=True)
    elif filters.online is False:
        qs = qs.filter(is_online=False)
    if filters.specialty:
        qs = qs.filter(_has_tag("specialties", filters.specialty))
    if filters.topic:
        qs = qs.filter(_has_tag("topics", filters.topic))
    if filters.cme:
        qs = qs.filter(cme_credits__gt=0)
    if filters.skill:
        qs = qs.filter(
            Exists(EventSkill.objects.filter(event_id=OuterRef("pk"), slug=filters.skill))
        )
    if filters.q:
        qs = qs.filter(title__icontains=filters.q.strip())
    return with_viewer_registration(_list_qs(qs), viewer).order_by("starts_at", "id")


def _has_tag(field: str, slug: str) -> Q:
    """Events linked to the specialty/topic ``slug`` of the many-to-many ``field`` (none when
    the slug is unknown), as ``EXISTS`` on the link table by the tag's id (e4, bench). Joined on
    the tag's slug, PostgreSQL scanned all 20,000 events, joined the links and the organizers
    of every match, then sorted (cardiology at tier M: 44 ms); by id it walks the start-time
    index and probes the links until the page is full (6 ms; a rare tag walks further)."""
    from rounds.profiles.selectors import _tag_id

    descriptor = getattr(Event, field)
    tag_id = _tag_id(descriptor.field.related_model, slug)
    if tag_id is None:
        return Q(pk__in=[])
    column = descriptor.field.m2m_reverse_field_name()
    links = descriptor.through.objects.filter(event_id=OuterRef("pk"), **{column: tag_id})
    return Q(Exists(links))


def organized_q(viewer: Any, *, prefix: str = "") -> Q:
    """Events the viewer organizes or co-organizes."""
    return Q(**{f"{prefix}organizer_id": viewer.pk}) | Q(
        Exists(EventOrganizer.objects.filter(event=OuterRef(f"{prefix}pk"), user_id=viewer.pk))
    )


def my_events(*, viewer: Any, section: str, now: datetime | None = None) -> QuerySet[Event]:
    """The viewer's events: ``organizing`` (upcoming, drafts included), ``going`` (upcoming),
    ``interested`` (interested or waitlisted, upcoming) or ``past`` (ended events they went to
    or organized, latest first)."""
    now = now or timezone.now()
    if not _member(viewer):
        return Event.objects.none()
    hidden_q = Q(moderation_state=ModerationState.VISIBLE)
    mine = Registration.objects.filter(event=OuterRef("pk"), user_id=viewer.pk)
    if section == "organizing":
        qs = Event.objects.filter(organized_q(viewer), ends_at__gt=now)
        return with_viewer_registration(_list_qs(qs), viewer).order_by("starts_at", "id")
    if section == "going":
        qs = Event.objects.filter(
            Exists(mine.filter(state__in=GOING_STATES)), ends_at__gt=now, state=State.PUBLISHED
        ).filter(hidden_q)
        return with_viewer_registration(_list_qs(qs), viewer).order_by("starts_at", "id")
    if section == "interested":
        qs = Event.objects.filter(
            Exists(
                mine.filter(state__in=(RegistrationState.INTERESTED, RegistrationState.WAITLISTED))
            ),
            ends_at__gt=now,
            state=State.PUBLISHED,
        ).filter(hidden_q)
        return with_viewer_registration(_list_qs(qs), viewer).order_by("starts_at", "id")
    qs = Event.objects.filter(
        (Exists(mine.filter(state__in=GOING_STATES)) & hidden_q) | organized_q(viewer),
        ends_at__lte=now,
        state=State.PUBLISHED,
    )
    return with_viewer_registration(_list_qs(qs), viewer).order_by("-starts_at", "-id")


def cancelled_registrations(*, viewer: Any, now: datetime | None = None) -> QuerySet[Event]:
    """Upcoming events the viewer registered for that were cancelled (shown on my events)."""
    now = now or timezone.now()
    if not _member(viewer):
        return Event.objects.none()
    mine = Registration.objects.filter(
        event=OuterRef("pk"), user_id=viewer.pk, state__in=ACTIVE_STATES
    )
    qs = Event.objects.filter(Exists(mine), state=State.CANCELLED, ends_at__gt=now)
    return with_viewer_registration(_list_qs(qs), viewer).order_by("starts_at", "id")


def roster_q(viewer: Any, event: Event) -> Q:
    """Registrations ``viewer`` may see on the roster: organizers see every active
    registration (hidden ones too); registrants see going/attended/interested registrants who
    consented (plus themselves), never members blocked either way; nobody else sees anyone."""
    from rounds.community.selectors import blocked_ids_for

    if policies.can_manage_registrations(viewer, event):
        return Q(state__in=ACTIVE_STATES)
    if not policies.is_registrant(viewer, event):
        return Q(pk__in=[])
    q = Q(state__in=(*GOING_STATES, RegistrationState.INTERESTED)) & (
        Q(roster_visibility=RosterVisibility.REGISTRANTS) | Q(user_id=viewer.pk)
    )
    blocked = blocked_ids_for(viewer)
    if blocked:
        q &= ~Q(user_id__in=blocked)
    return q


def _active_user() -> Q:
    """The registrant's account is active, as a per-row subquery (e4, bench): written as a
    join filter (``user__is_active=True``) PostgreSQL hash-joined a parallel sequential scan of
    every member to the event's registrations (a 2,000-registrant event's roster page: 110 ms
    of SQL at tier M); as a subquery it probes the user's primary key per registration."""
    from rounds.accounts.models import User

    active = User.objects.filter(pk=OuterRef("user_id")).values("is_active")[:1]
    return Q(Subquery(active))


STATE_ORDER = {"going": 0, "attended": 0, "interested": 1, "waitlisted": 2}


def roster(*, viewer: Any, event: Event, state: str = "") -> QuerySet[Registration]:
    """The roster of ``event`` as ``viewer`` may see it, by state then name."""
    qs = Registration.objects.filter(roster_q(viewer, event), event=event).filter(_active_user())
    if state == "going":
        qs = qs.filter(state__in=GOING_STATES)
    elif state in (RegistrationState.INTERESTED, RegistrationState.WAITLISTED):
        qs = qs.filter(state=state)
    return (
        qs.annotate(_sort_name=_display_name())
        .select_related("user__profile", "shift")
        .order_by("_sort_name", "id")
    )


def _display_name() -> Subquery:
    """The registrant's display name as a per-row subquery (p1, bench): ordering by
    ``user__profile__display_name`` joined the user and the profile of every registrant and
    sorted the whole wide rows; the subquery orders the registrations alone (the same order:
    name, then id; no profile sorts last either way)."""
    from rounds.profiles.models import Profile

    names = Profile.objects.filter(user_id=OuterRef("user_id")).order_by().values("display_name")
    return Subquery(names[:1])


def roster_page(
    *, viewer: Any, event: Event, state: str = "", page: int, size: int
) -> Page[Registration]:
    """One page of ``roster(...)`` in two steps (p1, bench): the page's ids in name order from
    the registrations alone, then those rows with their members. The 2,000-registrant event's
    page 1: 53 → ~30 ms of SQL (the ordering pass no longer carries users and profiles)."""
    qs = roster(viewer=viewer, event=event, state=state)
    ids = paginate(qs.values_list("pk", flat=True), page=page, size=size)
    if not ids.items:
        return replace(ids, items=[])
    # The ids come from the roster's rules above; the second query only loads those rows.
    chosen = Registration.objects.filter(pk__in=ids.items, event=event)
    rows = {row.pk: row for row in chosen.select_related("user__profile", "shift")}
    return replace(ids, items=[rows[pk] for pk in ids.items if pk in rows])


def roster_preview(*, viewer: Any, event: Event, limit: int) -> list[Registration]:
    """The first ``limit`` members going (the event page's attendee faces), in registration
    order (e4, bench): the (event, state, id) index gives them without reading the rest, where
    the full roster's name order joins and sorts every registrant (1,200 going at the bench's
    2,000-registrant event: ~40 ms → ~1 ms of SQL)."""
    rows = roster(viewer=viewer, event=event, state="going")
    return list(rows.order_by("state", "id")[:limit])


def roster_for_export(*, event: Event) -> QuerySet[Registration]:
    """Every active registration (organizers' CSV), waitlist in order."""
    return (
        Registration.objects.filter(event=event, state__in=ACTIVE_STATES)
        .select_related("user__profile", "shift")
        .order_by("state", "waitlisted_at", "user__profile__display_name", "id")
    )


def going_list(*, event: Event) -> QuerySet[Registration]:
    """Members going or attended (the attendance page)."""
    return (
        Registration.objects.filter(event=event, state__in=GOING_STATES)
        .select_related("user__profile", "shift")
        .order_by("user__profile__display_name", "id")
    )


def co_organizers(*, event: Event) -> list[EventOrganizer]:
    return list(
        EventOrganizer.objects.filter(event=event)
        .select_related("user__profile")
        .order_by("created_at", "id")
    )


def group_upcoming_events(
    *, viewer: Any, group: Any, limit: int = 5, now: datetime | None = None
) -> list[Event]:
    """The next published events of ``group`` that the viewer may see (group page)."""
    now = now or timezone.now()
    qs = Event.objects.filter(
        visible_events_q(viewer),
        group=group,
        state=State.PUBLISHED,
        ends_at__gt=now,
        **_started_since(now),
    )
    return list(with_viewer_registration(_list_qs(qs), viewer).order_by("starts_at", "id")[:limit])


def event_details(event: Event) -> Event:
    """Load what the event page shows besides the event row: specialties, topics, skills,
    shifts (prefetched on the instance, four queries)."""
    from django.db.models import prefetch_related_objects

    prefetch_related_objects([event], "specialties", "topics", "skills", "shifts")
    return event


def waitlist_position(registration: Registration | None) -> int | None:
    """1-based place of a waitlisted registration in its event's waitlist (None otherwise)."""
    if registration is None or registration.state != RegistrationState.WAITLISTED:
        return None
    ahead = Registration.objects.filter(
        event_id=registration.event_id, state=RegistrationState.WAITLISTED
    ).filter(
        Q(waitlisted_at__lt=registration.waitlisted_at)
        | Q(waitlisted_at=registration.waitlisted_at, id__lt=registration.pk)
    )
    return ahead.count() + 1
