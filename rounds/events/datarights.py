"""Data rights for events.

Export: the member's registrations (state, shift, roster consent, private goal and goal tags,
follow-up), their "people I met" marks with private notes (marks others made of them are the
others' private data and are not exported), the events they organize (texts as written) and
co-organize, their calendar feeds (prefix and dates; never the token or its digest) and their
attendance certificates.

Erasure (right before the User row is deleted):
- registrations are deleted through the registration service's bookkeeping, so going and
  waitlist counts stay right and a freed place of an upcoming event promotes the waitlist;
  their goals and certificates go with them;
- "people I met" marks by or of the member, calendar feeds and co-organizer rows are deleted;
- organized drafts are deleted; organized upcoming events are cancelled (registrants are told);
  past and cancelled events stay for their attendees with the organizer cleared (the FK's
  SET NULL), their texts scrubbed of what names the member (and, without ``anonymise``, the
  description and join link removed); certificate copies of their titles likewise.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils import timezone

from . import list_cache
from .models import (
    MAX_TITLE,
    AttendanceCertificate,
    CalendarFeed,
    Event,
    EventOrganizer,
    EventShift,
    MetAttendee,
    Registration,
    State,
)

FORMER_MEMBER = "Former member"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def export_member_data(user: Any) -> dict[str, Any]:
    """``{"event_registrations", "events_met", "events_organized", "events_co_organized",
    "calendar_feeds", "attendance_certificates"}``."""
    registrations = [
        {
            "event": r.event_id,
            "event_title": r.event.title,
            "state": r.state,
            "shift": r.shift.title if r.shift else None,
            "roster_visibility": r.roster_visibility,
            "goal": r.goal,
            "goal_tags": [tag.name for tag in r.goal_tags.all()],
            "follow_up": r.follow_up,
            "registered_at": _iso(r.created_at),
            "waitlisted_at": _iso(r.waitlisted_at),
            "cancelled_at": _iso(r.cancelled_at),
            "attended_at": _iso(r.attended_at),
        }
        for r in Registration.objects.filter(user=user)
        .select_related("event", "shift")
        .prefetch_related("goal_tags")
        .order_by("id")
    ]
    met = [
        {
            "event": m.event_id,
            "member": getattr(getattr(m.other, "profile", None), "handle", None),
            "note": m.note,
            "created_at": _iso(m.created_at),
        }
        for m in MetAttendee.objects.filter(user=user)
        .select_related("other__profile")
        .order_by("id")
    ]
    organized = [
        {
            "id": e.pk,
            "title": e.title,
            "kind": e.kind,
            "state": e.state,
            "description": e.description,
            "starts_at": _iso(e.starts_at),
            "ends_at": _iso(e.ends_at),
            "time_zone": e.time_zone,
            "is_online": e.is_online,
            "venue": e.venue,
            "address": e.address,
            "city": e.city,
            "country": e.country,
            "join_url": e.join_url,
            "capacity": e.capacity,
            "cme_credits": str(e.cme_credits) if e.cme_credits is not None else None,
            "cancel_reason": e.cancel_reason,
            "shifts": [s.title for s in e.shifts.all()],
            "skills": [s.name for s in e.skills.all()],
            "moderation_state": e.moderation_state,
            "moderation_reason": e.moderation_reason,
            "created_at": _iso(e.created_at),
        }
        for e in Event.objects.filter(organizer=user)
        .prefetch_related("shifts", "skills")
        .order_by("id")
    ]
    co_organized = [
        {"event": row.event_id, "event_title": row.event.title, "since": _iso(row.created_at)}
        for row in EventOrganizer.objects.filter(user=user).select_related("event").order_by("id")
    ]
    feeds = [
        {
            "prefix": f.prefix,
            "created_at": _iso(f.created_at),
            "revoked_at": _iso(f.revoked_at),
            "last_used_at": _iso(f.last_used_at),
        }
        for f in CalendarFeed.objects.filter(user=user).order_by("id")
    ]
    certificates = [
        {
            "code": c.code,
            "attendee_name": c.attendee_name,
            "event_title": c.event_title,
            "event_starts_at": _iso(c.event_starts_at),
            "credits": str(c.credits),
            "issued_at": _iso(c.issued_at),
        }
        for c in AttendanceCertificate.objects.filter(registration__user=user).order_by("id")
    ]
    return {
        "event_registrations": registrations,
        "events_met": met,
        "events_organized": organized,
        "events_co_organized": co_organized,
        "calendar_feeds": feeds,
        "attendance_certificates": certificates,
    }


EXPORT_DESCRIPTIONS = {
    "event_registrations": "Events you registered for, with your private goals and follow-ups.",
    "events_met": "People you marked as met at events, with your private notes.",
    "events_organized": "Events you organize or organized, as you wrote them.",
    "events_co_organized": "Events you co-organize.",
    "calendar_feeds": "Your private calendar feeds (never the secret address itself).",
    "attendance_certificates": "Your certificates of attendance.",
}


def _identifiers(user: Any) -> list[str]:
    """What names the member in a text: display name, handle, e-mail, phone and NPI."""
    profile = getattr(user, "profile", None)
    values = [getattr(user, "email", "")]
    if profile is not None:
        values += [profile.display_name, profile.handle, profile.phone, profile.npi or ""]
    return sorted({v for v in values if v and len(v) >= 3}, key=len, reverse=True)


def _scrub(text: str, identifiers: list[str]) -> str:
    for value in identifiers:
        text = re.sub(re.escape(value), FORMER_MEMBER, text, flags=re.IGNORECASE)
    return text


def erase_member_data(user: Any, *, anonymise: bool = False) -> None:
    from . import services

    # The member's registrations (counts kept right; the waitlist of upcoming events moves up).
    for row in list(Registration.objects.filter(user=user).select_related("event").order_by("id")):
        services.remove_for_erasure(row.event, row)
    MetAttendee.objects.filter(user=user).delete()
    MetAttendee.objects.filter(other=user).delete()
    CalendarFeed.objects.filter(user=user).delete()
    EventOrganizer.objects.filter(user=user).delete()

    identifiers = _identifiers(user)
    organized = Event.objects.filter(organizer=user)
    organized.filter(state=State.DRAFT).delete()
    now = timezone.now()
    for event in list(organized.filter(state=State.PUBLISHED, ends_at__gt=now)):
        _scrub_event(event, identifiers, anonymise=anonymise)
        services.cancel_for_erasure(Event.objects.get(pk=event.pk))
    for event in list(organized):
        _scrub_event(event, identifiers, anonymise=anonymise)


def _scrub_event(event: Event, identifiers: list[str], *, anonymise: bool) -> None:
    """What stays of an event the member organized: texts without what names them."""
    fresh = Event.objects.filter(pk=event.pk).first()
    if fresh is None:
        return
    from rounds.core.markdown import render_markdown

    description = _scrub(fresh.description, identifiers) if anonymise else ""
    Event.objects.filter(pk=fresh.pk).update(
        title=_scrub(fresh.title, identifiers)[:MAX_TITLE],
        description=description,
        description_html=render_markdown(description, links=True) if description else "",
        venue=_scrub(fresh.venue, identifiers)[:200],
        address=_scrub(fresh.address, identifiers)[:300],
        city=_scrub(fresh.city, identifiers)[:100],
        country=_scrub(fresh.country, identifiers)[:100],
        join_url="",
        cancel_reason=_scrub(fresh.cancel_reason, identifiers)[:500],
        moderation_reason="",
    )
    # The title and city are list filters (``q``, ``city``): an update() the signals miss.
    list_cache.events_list_changed()
    for shift in EventShift.objects.filter(event_id=fresh.pk).only("pk", "title"):
        EventShift.objects.filter(pk=shift.pk).update(title=_scrub(shift.title, identifiers)[:120])
    for certificate in AttendanceCertificate.objects.filter(registration__event_id=fresh.pk).only(
        "pk", "event_title"
    ):
        AttendanceCertificate.objects.filter(pk=certificate.pk).update(
            event_title=_scrub(certificate.event_title, identifiers)[:MAX_TITLE]
        )


def seed_canary_data(user: Any, *, canary: str, other: Any) -> None:
    """Test hook (tests/test_data_rights_canary.py): through the services, an upcoming event
    ``user`` organizes (``other`` going), a past one ``other`` attended, a draft, a
    registration of ``user`` with a goal for ``other``'s event, a co-organizer row, a met mark
    with a note, and a calendar feed — every text holding ``canary``."""
    from datetime import timedelta

    from . import services

    soon = timezone.now() + timedelta(days=3)
    upcoming = services.event_create(
        actor=user,
        title=f"{canary} night",
        description=f"{canary} about",
        starts_at=soon,
        ends_at=soon + timedelta(hours=2),
        venue=f"{canary} hall",
        address=f"1 {canary} street",
        city=f"{canary} city",
        join_url=f"https://example.org/{canary}",
        kind="volunteering",
    )
    services.event_publish(actor=user, event=upcoming)
    services.shift_add(
        actor=user,
        event=Event.objects.get(pk=upcoming.pk),
        title=f"{canary} shift",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
    )
    services.register(
        actor=other, event=Event.objects.get(pk=upcoming.pk), shift=upcoming.shifts.get().pk
    )
    past = services.event_create(
        actor=user,
        title=f"{canary} past",
        description=f"{canary} past about",
        starts_at=soon,
        ends_at=soon + timedelta(hours=2),
        city="Chicago",
    )
    services.event_publish(actor=user, event=past)
    services.register(actor=other, event=Event.objects.get(pk=past.pk))
    Event.objects.filter(pk=past.pk).update(
        starts_at=timezone.now() - timedelta(days=3), ends_at=timezone.now() - timedelta(days=3)
    )
    services.attendance_mark(actor=user, event=Event.objects.get(pk=past.pk), user_id=other.pk)
    services.event_create(
        actor=user,
        title=f"{canary} draft",
        description=f"{canary} draft about",
        starts_at=soon,
        ends_at=soon,
        city="Chicago",
    )
    theirs = services.event_create(
        actor=other, title="Other's event", starts_at=soon, ends_at=soon, city="Chicago"
    )
    services.event_publish(actor=other, event=theirs)
    # organizers do not register for their own events: the co-organizer row is on another one
    hosted = services.event_create(
        actor=other, title="Hosted together", starts_at=soon, ends_at=soon, city="Chicago"
    )
    services.co_organizer_add(
        actor=other, event=Event.objects.get(pk=hosted.pk), handle=user.profile.handle
    )
    row = services.register(actor=user, event=Event.objects.get(pk=theirs.pk))
    Registration.objects.filter(pk=row.pk).update(goal=f"{canary} goal")
    MetAttendee.objects.create(event=theirs, user=user, other=other, note=f"{canary} note")
    MetAttendee.objects.create(event=theirs, user=other, other=user, note="Met them")
    CalendarFeed.objects.create(
        user=user, digest=f"{canary}".ljust(64, "0")[:64], prefix=canary[:12]
    )
