"""JSON API for calendar feeds and certificates of attendance (mounted by config/api.py).

- ``router`` at ``/events``: ``GET|POST|DELETE /events/calendar-feed`` (the member's private
  feed: status, make a new URL — shown once —, turn it off) and
  ``GET /events/{event_id}/certificate`` (an attendee's certificate, issued on first request).
- ``certificates_router`` at ``/certificates``: ``GET /certificates/{code}``, the public
  verification of a certificate (name, event, date, credits; nothing else).

The .ics files themselves are plain URLs (``calendar_url`` / ``ics_url`` in these answers):
``/events/<id>/calendar.ics`` and the feed URL, which calendar apps fetch without a session.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Path, Router, Schema, Status

from rounds.core.api_utils import MAX_ID, error_responses, member_auth, optional_auth, viewer_of

from . import calendar_services, calendars, certificates
from .models import AttendanceCertificate, CalendarFeed
from .views_calendar import feed_url, webcal_url

router = Router(tags=["events: calendars and certificates"], auth=member_auth)
certificates_router = Router(tags=["events: calendars and certificates"], auth=optional_auth)


class CalendarFeedOut(Schema):
    """The member's calendar feed. The URL itself is shown only when it is made."""

    active: bool = Field(..., description="Whether a feed URL is active.")
    prefix: str | None = Field(None, description="The first characters of the active token.")
    created_at: datetime | None = None
    last_used_at: datetime | None = Field(None, description="When a calendar app last read it.")
    past_days: int = Field(..., description="How many days back the feed lists events.")


class CalendarFeedCreatedOut(CalendarFeedOut):
    url: str = Field(..., description="The feed URL (https). Shown once: store it now.")
    webcal_url: str = Field(..., description="The same URL as webcal:// (subscribe dialogs).")


class CertificateOut(Schema):
    """A certificate of attendance as issued (values copied at issue)."""

    code: str = Field(..., description="Verification code, e.g. ABCD-EFGH-JKMN-PQRS.")
    attendee_name: str
    event_title: str
    event_starts_at: datetime
    event_ends_at: datetime
    event_time_zone: str = Field(..., description="IANA zone the event took place in.")
    event_date: str = Field(..., description="The event's date in its own zone (YYYY-MM-DD).")
    credits: Decimal
    issued_at: datetime
    verify_url: str = Field(..., description="The public page that confirms this certificate.")


class CertificateIssueOut(CertificateOut):
    event_id: int
    calendar_url: str = Field(..., description="The event as an .ics file.")


def _feed_out(feed: CalendarFeed | None) -> dict[str, Any]:
    return {
        "active": feed is not None and feed.revoked_at is None,
        "prefix": feed.prefix if feed is not None else None,
        "created_at": feed.created_at if feed is not None else None,
        "last_used_at": feed.last_used_at if feed is not None else None,
        "past_days": calendar_services.FEED_PAST_DAYS,
    }


def _certificate_out(certificate: AttendanceCertificate) -> dict[str, Any]:
    starts, ends = certificates.certificate_local_times(certificate)
    return {
        "code": certificate.code,
        "attendee_name": certificate.attendee_name,
        "event_title": certificate.event_title,
        "event_starts_at": starts,
        "event_ends_at": ends,
        "event_time_zone": certificate.event_time_zone,
        "event_date": starts.date().isoformat(),
        "credits": certificate.credits,
        "issued_at": certificate.issued_at,
        "verify_url": calendars.absolute(reverse("certificates:verify", args=[certificate.code])),
    }


@router.get(
    "/calendar-feed",
    response={200: CalendarFeedOut, **error_responses(401)},
    summary="Your calendar feed",
    description="Whether your private calendar feed is active (never its URL: see POST).",
)
def calendar_feed_status(request: HttpRequest) -> dict[str, Any]:
    return _feed_out(calendar_services.calendar_feed_active(user=viewer_of(request)))


@router.post(
    "/calendar-feed",
    response={201: CalendarFeedCreatedOut, **error_responses(401, 403, 429)},
    summary="Make a new calendar feed URL",
    description=(
        "Creates your private feed URL, revoking the previous one. The URL is returned once; "
        "calendar apps fetch it without signing in, so keep it private. At most 20 per hour."
    ),
)
def calendar_feed_create(request: HttpRequest) -> Status[dict[str, Any]]:
    feed, token = calendar_services.calendar_feed_create(actor=viewer_of(request))
    url = feed_url(token)
    return Status(201, {**_feed_out(feed), "url": url, "webcal_url": webcal_url(url)})


@router.delete(
    "/calendar-feed",
    response={200: CalendarFeedOut, **error_responses(401, 403, 404)},
    summary="Turn your calendar feed off",
    description="The feed URL answers 404 from now on. 404 when no feed is active.",
)
def calendar_feed_revoke(request: HttpRequest) -> dict[str, Any]:
    calendar_services.calendar_feed_revoke(actor=viewer_of(request))
    return _feed_out(None)


@router.get(
    "/{event_id}/certificate",
    response={200: CertificateIssueOut, **error_responses(401, 403, 404)},
    summary="Your certificate of attendance",
    description=(
        "For an event with CME credits where an organizer marked you attended: issued on the "
        "first request, then always the same. 404 when the event is not visible to you or "
        "offers no credits; 403 when you did not attend."
    ),
)
def certificate_get(
    request: HttpRequest, event_id: int = Path(..., ge=1, le=MAX_ID)
) -> dict[str, Any]:
    certificate, _created = certificates.certificate_issue(
        actor=viewer_of(request), event_id=event_id
    )
    return {
        **_certificate_out(certificate),
        "event_id": event_id,
        "calendar_url": calendars.absolute(reverse("events:calendar_ics", args=[event_id])),
    }


@certificates_router.get(
    "/{code}",
    response={200: CertificateOut, **error_responses(401, 404)},
    summary="Verify a certificate of attendance",
    description=(
        "Public: the attendee's name, the event, its date and the credits of the certificate "
        "with this code (dashes and case do not matter). 404 for an unknown code."
    ),
)
def certificate_verify(
    request: HttpRequest, code: str = Path(..., max_length=64)
) -> dict[str, Any]:
    return _certificate_out(certificates.certificate_by_code(code))
