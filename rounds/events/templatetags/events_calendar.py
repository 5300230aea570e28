"""``{% event_calendar_links event as cal %}``: what ``events/calendar_links.html`` shows on an
event page — the ``.ics`` download, "add" links for Google Calendar and Outlook.com (title,
times, place and the event's URL; never the description or the join link), and, for an
attendee of an event with CME credits, the certificate link. No query: the viewer's
registration came with ``access_event``."""

from __future__ import annotations

from datetime import UTC
from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse

from rounds.events.calendars import absolute, event_location
from rounds.events.certificates import can_get_certificate
from rounds.events.models import State

register = template.Library()


def google_calendar_url(event: Any, page_url: str) -> str:
    """Google Calendar's "add event" template link (times in UTC, the event's zone as ctz)."""
    fmt = "%Y%m%dT%H%M%SZ"
    dates = f"{event.starts_at.astimezone(UTC):{fmt}}/{event.ends_at.astimezone(UTC):{fmt}}"
    query = {
        "action": "TEMPLATE",
        "text": event.title,
        "dates": dates,
        "details": page_url,
        "location": event_location(event),
        "ctz": event.time_zone or "UTC",
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query)


def outlook_calendar_url(event: Any, page_url: str) -> str:
    """Outlook.com's compose-event deep link."""
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": event.title,
        "startdt": event.starts_at.astimezone(UTC).isoformat(),
        "enddt": event.ends_at.astimezone(UTC).isoformat(),
        "location": event_location(event),
        "body": page_url,
    }
    return "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode(query)


@register.simple_tag(takes_context=True)
def event_calendar_links(context: template.Context, event: Any) -> dict[str, str]:
    request = context.get("request")
    viewer = getattr(request, "user", None)
    links = {
        "ics_url": reverse("events:calendar_ics", args=[event.pk]),
        "google_url": "",
        "outlook_url": "",
        "certificate_url": "",
    }
    if event.state == State.PUBLISHED:
        page_url = absolute(reverse("events:detail", args=[event.pk]))
        links["google_url"] = google_calendar_url(event, page_url)
        links["outlook_url"] = outlook_calendar_url(event, page_url)
    if viewer is not None and viewer.is_authenticated and can_get_certificate(viewer, event):
        links["certificate_url"] = reverse("events:certificate", args=[event.pk])
    return links
