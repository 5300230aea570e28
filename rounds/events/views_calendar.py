"""Calendar and certificate pages.

- ``/events/<id>/calendar.ics``: one event as iCalendar, for anyone who may see the event
  (``access_event``); the join link only for those who may see it.
- ``/events/calendar/``: the member's private feed — create (or regenerate), revoke; the URL is
  shown once, right after it is made.
- ``/events/feed/<token>.ics``: the feed itself. No session is needed or used: the token
  alone says whose feed it is, and it opens nothing else. Malformed, unknown or revoked → 404.
- ``/events/<id>/certificate/``: an attendee's printable certificate of attendance (issued on
  first view, then always the same).
- ``/certificates/`` and ``/certificates/<code>/``: public verification of a certificate.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    patch_cache_control,
    set_response_etag,
)
from django.views.decorators.http import require_GET, require_POST, require_safe

from rounds.core.errors import ApplicationError
from rounds.core.http import map_errors

from . import calendar_services, calendars, certificates
from .access import access_event

FEED_TEMPLATE = "events/calendar_feed.html"


def _calendar_response(
    request: HttpRequest, file: calendars.CalendarFile, *, attachment: bool
) -> HttpResponse:
    """The .ics with an ETag: the same events give the same bytes (DTSTAMP is the last
    change), so a calendar app polling with ``If-None-Match`` gets a 304 while nothing moved."""
    response = HttpResponse(file.body, content_type=file.content_type)
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{file.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    set_response_etag(response)
    return get_conditional_response(request, etag=response["ETag"], response=response) or response


@require_safe
@map_errors
def event_ics(request: HttpRequest, event_id: int) -> HttpResponse:
    """Download one event as an ``.ics`` file (404 for an event the viewer may not see)."""
    event = access_event(request.user, event_id)
    response = _calendar_response(
        request, calendars.event_calendar(event, viewer=request.user), attachment=True
    )
    patch_cache_control(response, private=True, no_cache=True)
    return response


def feed_url(token: str) -> str:
    """The absolute https URL of a feed (what the member pastes into a calendar app)."""
    return calendars.absolute(reverse("events:calendar_feed_ics", args=[token]))


def webcal_url(url: str) -> str:
    """The same URL as ``webcal://`` (opens the subscribe dialog of Apple and Outlook)."""
    parts = urlsplit(url)
    return "webcal://" + url[len(parts.scheme) + 3 :]


def _feed_page(
    request: HttpRequest, *, token: str | None = None, status: int = 200, error: str = ""
) -> HttpResponse:
    active = calendar_services.calendar_feed_active(user=request.user)
    url = feed_url(token) if token else ""
    context: dict[str, Any] = {
        "feed": active,
        "new_url": url,
        "new_webcal_url": webcal_url(url) if url else "",
        "past_days": calendar_services.FEED_PAST_DAYS,
        "error": error,
    }
    response = render(request, FEED_TEMPLATE, context, status=status)
    add_never_cache_headers(response)
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
@login_required
def calendar_feed(request: HttpRequest) -> HttpResponse:
    """The member's calendar feed: whether one is active, and the buttons to make or revoke it."""
    return _feed_page(request)


@require_POST
@login_required
def calendar_feed_create(request: HttpRequest) -> HttpResponse:
    """Make a new feed URL (revoking the old one) and show it, once."""
    try:
        _feed, token = calendar_services.calendar_feed_create(actor=request.user)
    except ApplicationError as exc:
        response = _feed_page(request, status=exc.status_code, error=exc.message)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            response["Retry-After"] = str(retry_after)
        return response
    return _feed_page(request, token=token, status=201)


@require_POST
@login_required
@map_errors
def calendar_feed_revoke(request: HttpRequest) -> HttpResponse:
    """Revoke the member's feed: calendar apps subscribed to it stop getting updates."""
    calendar_services.calendar_feed_revoke(actor=request.user)
    messages.success(
        request, "Calendar feed turned off. Calendar apps subscribed to it get no more updates."
    )
    return redirect("events:calendar_feed")


@require_safe
@map_errors
def calendar_feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed for ``token``. The session (if any) plays no part: the feed is always
    the token owner's, and for a bad token the answer is the same 404 for everyone."""
    feed, events = calendar_services.feed_read(token=token)
    response = _calendar_response(
        request, calendars.feed_calendar(events, viewer=feed.user), attachment=False
    )
    patch_cache_control(response, private=True, max_age=300)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
@login_required
@map_errors
def certificate_show(request: HttpRequest, event_id: int) -> HttpResponse:
    """The member's certificate of attendance for the event (printable page)."""
    certificate, _created = certificates.certificate_issue(actor=request.user, event_id=event_id)
    return _certificate_page(request, "events/certificate_show.html", certificate)


def _certificate_page(request: HttpRequest, template: str, certificate: Any) -> HttpResponse:
    starts, ends = certificates.certificate_local_times(certificate)
    verify_path = reverse("certificates:verify", args=[certificate.code])
    context = {
        "certificate": certificate,
        "zone": starts.tzinfo,
        "starts": starts,
        "ends": ends,
        "verify_url": calendars.absolute(verify_path),
        "verify_path": verify_path,
    }
    response = render(request, template, context)
    patch_cache_control(response, private=True, no_cache=True)
    return response


@require_safe
def certificate_lookup(request: HttpRequest) -> HttpResponse:
    """A form to type a verification code; a valid-looking code goes to its page."""
    raw = request.GET.get("code", "")
    if raw:
        code = certificates.normalise_code(raw)
        if code is not None:
            return redirect("certificates:verify", code=code)
        return render(
            request,
            "events/certificate_lookup.html",
            {"code": raw[:64], "error": "That is not a certificate code: check it and try again."},
            status=404,
        )
    return render(request, "events/certificate_lookup.html", {"code": ""})


@require_safe
@map_errors
def certificate_verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: the name, event, date and credits of the certificate with this code (404 for an
    unknown code). Other spellings of a code (lower case, no dashes) redirect to the canonical
    address."""
    normal = certificates.normalise_code(code)
    if normal is not None and normal != code:
        return redirect("certificates:verify", code=normal)
    certificate = certificates.certificate_by_code(code)
    return _certificate_page(request, "events/certificate_verify.html", certificate)
