"""iCalendar (RFC 5545) files for events, built with the ``icalendar`` package.

One function builds every ``.ics`` the site serves — a single event's download
(``/events/<id>/calendar.ics``) and a member's private feed (``/events/feed/<token>.ics``) —
from already-loaded events and the viewer they are built for:

- ``DTSTART``/``DTEND`` carry ``TZID`` = the event's own IANA zone, and the calendar holds a
  ``VTIMEZONE`` for each zone used (``Calendar.add_missing_timezones``, limited to the years
  the events span so the file stays small), so clients show the right local time on both
  sides of a daylight-saving switch.
- ``UID`` is stable (``event-<id>@<site host>``) so a re-download or the feed updates the
  same entry; ``SEQUENCE`` grows with every edit (seconds between creation and last update)
  and ``DTSTAMP``/``LAST-MODIFIED`` are the last update, so the same event gives the same bytes.
- ``DESCRIPTION`` is the Markdown source as plain text; ``LOCATION`` is venue, address, city
  and country, or "Online"; ``URL`` is the absolute event page; ``ORGANIZER`` names the
  organizer (``CN``) with their profile URL as the address — their email only when the viewer
  may see it on the profile; ``STATUS`` is CONFIRMED, CANCELLED or TENTATIVE (draft).
- The online join link appears only when ``policies.can_see_join_link`` allows it.
- A calendar with no event (a feed of a member going to nothing yet) still holds one
  component: a ``VTIMEZONE`` for the member's zone (UTC when they chose none). RFC 5545
  requires at least one (``icalbody = calprops component``) and some clients reject an empty
  ``VCALENDAR``; a time zone definition adds nothing to the member's calendar.

Text values are escaped by ``icalendar`` (commas, semicolons, newlines; parameters with
RFC 6868), so a member's title cannot add properties or components.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.urls import reverse
from icalendar import Calendar, Timezone, vCalAddress, vDuration
from icalendar import Event as VEvent

from . import policies
from .models import Event, State

PRODID = "-//Rounds//Events//EN"
#: How often a subscribed client should fetch the feed again (RFC 7986 REFRESH-INTERVAL).
FEED_REFRESH = timedelta(hours=6)
#: Control characters (all but tab and newline) are dropped from text before it is written.
_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10))


def site_url() -> str:
    return str(settings.SITE_URL).rstrip("/")


def site_host() -> str:
    return urlsplit(site_url()).hostname or "rounds.invalid"


def absolute(path: str) -> str:
    return f"{site_url()}{path}"


def event_uid(event_id: int) -> str:
    """The stable iCalendar UID of an event: the same in every download and feed."""
    return f"event-{event_id}@{site_host()}"


def zone_named(name: str) -> ZoneInfo:
    """The IANA zone ``name`` (UTC if blank or unknown to this system)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def event_zone(event: Event) -> ZoneInfo:
    """The event's own zone."""
    return zone_named(event.time_zone)


def _clean(text: str) -> str:
    """Drop control characters (not tab/newline) no calendar client should see."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROL)


def event_location(event: Event) -> str:
    """Where: "Online", or venue, address, city and country (the non-empty ones)."""
    if event.is_online:
        return "Online"
    parts = [event.venue, event.address, event.city, event.country]
    return ", ".join(_clean(p).replace("\n", " ").strip() for p in parts if p and p.strip())


def event_status(event: Event) -> str:
    if event.state == State.CANCELLED:
        return "CANCELLED"
    if event.state == State.DRAFT:
        return "TENTATIVE"
    return "CONFIRMED"


def event_sequence(event: Event) -> int:
    """Grows with every change to the event (RFC 5545 SEQUENCE must never go down)."""
    if event.created_at is None or event.updated_at is None:
        return 0
    return max(0, int((event.updated_at - event.created_at).total_seconds()))


def _organizer(event: Event, viewer: Any) -> vCalAddress | None:
    """``ORGANIZER;CN=<name>:<address>``: the profile URL, or ``mailto:`` when the viewer may
    see the organizer's email on their profile."""
    user = event.organizer
    if user is None:
        return None
    profile = getattr(user, "profile", None)
    if profile is None:
        return None
    from rounds.profiles.policies import can_see_field, can_view_profile

    if not can_view_profile(viewer, profile):
        return None
    address = absolute(reverse("profiles:detail", args=[profile.handle]))
    if user.email and can_see_field(viewer, profile, profile.email_visibility):
        address = f"mailto:{user.email}"
    organizer = vCalAddress(address)
    organizer.params["CN"] = _clean(profile.display_name).replace("\n", " ")
    return organizer


def prime_organizer_relations(events: Sequence[Event], viewer: Any) -> None:
    """Load in two queries what ``profiles.policies`` asks per organizer about ``viewer``
    (blocked by them? connected?), into the per-profile caches those predicates read, so a
    feed of many events costs the same queries as one."""
    if viewer is None or not viewer.is_authenticated:
        return
    profiles = {
        e.organizer_id: e.organizer.profile
        for e in events
        if e.organizer is not None and getattr(e.organizer, "profile", None) is not None
    }
    if not profiles:
        return
    from rounds.network.models import Block, Connection

    ids = list(profiles)
    blocked_by = set(
        Block.objects.filter(blocker_id__in=ids, blocked_id=viewer.pk).values_list(
            "blocker_id", flat=True
        )
    )
    connected = set(
        Connection.objects.filter(owner_id=viewer.pk, other_id__in=ids).values_list(
            "other_id", flat=True
        )
    )
    for user_id, profile in profiles.items():
        profile.__dict__.setdefault("_blocked_viewer", {})[viewer.pk] = user_id in blocked_by
        profile.__dict__.setdefault("_connected_to", {})[viewer.pk] = user_id in connected


def _description(event: Event, *, join_url: str | None, page_url: str) -> str:
    parts = []
    if event.state == State.CANCELLED:
        reason = _clean(event.cancel_reason).strip()
        parts.append(f"Cancelled: {reason}" if reason else "Cancelled.")
    if event.description:
        parts.append(_clean(event.description).strip())
    if join_url:
        parts.append(f"Join online: {join_url}")
    parts.append(f"Event page: {page_url}")
    return "\n\n".join(parts)


def event_component(event: Event, *, viewer: Any) -> VEvent:
    """One ``VEVENT`` for ``event`` as ``viewer`` may see it (join link, organizer email)."""
    zone = event_zone(event)
    page_url = absolute(reverse("events:detail", args=[event.pk]))
    join_url = (
        event.join_url
        if event.is_online and event.join_url and policies.can_see_join_link(viewer, event)
        else None
    )
    stamp = (event.updated_at or event.created_at or datetime.now(UTC)).astimezone(UTC)
    component = VEvent.new(
        uid=event_uid(event.pk),
        stamp=stamp,
        start=event.starts_at.astimezone(zone),
        end=event.ends_at.astimezone(zone),
        summary=_clean(event.title).replace("\n", " "),
        description=_description(event, join_url=join_url, page_url=page_url),
        url=page_url,
        status=event_status(event),  # type: ignore[arg-type]
        sequence=event_sequence(event),
    )
    location = event_location(event)
    if location:
        component.add("location", location)
    if event.created_at is not None:
        component.add("created", event.created_at.astimezone(UTC))
    component.add("last-modified", stamp)
    organizer = _organizer(event, viewer)
    if organizer is not None:
        component.add("organizer", organizer)
    if event.state == State.CANCELLED:
        component.add("transp", "TRANSPARENT")
    return component


def _zone_span(events: Sequence[Event]) -> tuple[date, date]:
    """The years the events span, so each VTIMEZONE lists the transitions they need."""
    first = min(e.starts_at for e in events).date()
    last = max(e.ends_at for e in events).date()
    return date(first.year - 1, 1, 1), date(last.year + 2, 1, 1)


@dataclass(frozen=True)
class CalendarFile:
    """An ``.ics`` body and the name to download it under."""

    body: bytes
    filename: str
    content_type: str = "text/calendar; charset=utf-8"


def build_calendar(
    events: Iterable[Event],
    *,
    viewer: Any,
    name: str | None = None,
    uid: str | None = None,
    method: str | None = None,
    refresh: timedelta | None = None,
    empty_zone: str = "",
) -> bytes:
    """The ``VCALENDAR`` (bytes, CRLF lines) with one ``VEVENT`` per event, each as ``viewer``
    may see it, and a ``VTIMEZONE`` for every zone they use; without events, a ``VTIMEZONE``
    for ``empty_zone`` (IANA name, blank = UTC) so the calendar still has a component."""
    events = list(events)
    calendar = Calendar.new(prodid=PRODID, uid=uid, name=name)
    if method:
        calendar.add("method", method)
    if refresh is not None:
        calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
        # Outlook reads the older X-PUBLISHED-TTL.
        calendar.add("x-published-ttl", vDuration(refresh))
    if len(events) > 1:
        prime_organizer_relations(events, viewer)
    for event in events:
        calendar.add_component(event_component(event, viewer=viewer))
    if events:
        first, last = _zone_span(events)
        calendar.add_missing_timezones(first_date=first, last_date=last)
    else:
        calendar.add_component(_empty_calendar_zone(empty_zone))
    return bytes(calendar.to_ical())


def _empty_calendar_zone(name: str) -> Timezone:
    """The ``VTIMEZONE`` of zone ``name`` (UTC if blank or unknown) that keeps a calendar
    without events valid (RFC 5545 requires one component). It covers last year to two years
    ahead, as ``_zone_span`` would, and changes only once a year, so the feed's ETag holds."""
    zone = zone_named(name)
    year = datetime.now(UTC).year
    return Timezone.from_tzinfo(
        zone, tzid=str(zone.key), first_date=date(year - 1, 1, 1), last_date=date(year + 2, 1, 1)
    )


def event_calendar(event: Event, *, viewer: Any) -> CalendarFile:
    """The download of one event (``METHOD:PUBLISH``, which Outlook needs to import it)."""
    body = build_calendar(
        [event], viewer=viewer, method="PUBLISH", uid=f"calendar-event-{event.pk}@{site_host()}"
    )
    return CalendarFile(body=body, filename=f"event-{event.pk}.ics")


def feed_calendar(events: Sequence[Event], *, viewer: Any) -> CalendarFile:
    """A member's private feed: the events they are going to (see ``calendar_services``)."""
    body = build_calendar(
        events,
        viewer=viewer,
        name="Rounds: my events",
        uid=f"feed-{viewer.pk}@{site_host()}",
        refresh=FEED_REFRESH,
        empty_zone=getattr(viewer, "time_zone", "") or "",
    )
    return CalendarFile(body=body, filename="rounds-events.ics")
