"""The private calendar feed: made on /events/calendar/ (or the API), shown once, stored as a
digest; ``/events/feed/<token>.ics`` lists the events its owner is going to (going/attended,
organizing; published or cancelled; last 90 days and future) and parses with icalendar;
regenerating or revoking makes the old URL a 404; the token opens nothing else (not the API,
not a session, not another URL); reads are rate-limited and a bounded number of queries."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from rounds.community.tests.factories import add_member, make_group
from rounds.core.models import AuditEntry
from rounds.core.tests.api_client import ApiClient, api_as, assert_error, token_for
from rounds.events import calendar_services, services
from rounds.events.calendars import event_uid
from rounds.events.models import CalendarFeed, Event
from rounds.events.tests.factories import (
    attend,
    fresh,
    make_event,
    make_past,
    move_event,
    new_user,
    register,
)

pytestmark = pytest.mark.django_db

JOIN = "https://meet.example.org/j/777"
FEED_PAGE = "/events/calendar/"
TOKEN_RE = re.compile(r"/events/feed/(rcal_[A-Za-z0-9_-]{43})\.ics")


def feed_path(token: str) -> str:
    return reverse("events:calendar_feed_ics", args=[token])


def create_feed(client: Client) -> str:
    """Make a feed through the page and return the token shown."""
    response = client.post(reverse("events:calendar_feed_create"))
    assert response.status_code == 201
    tokens = set(TOKEN_RE.findall(response.content.decode()))
    assert len(tokens) == 1
    assert "no-store" in response["Cache-Control"]
    return tokens.pop()


def read_feed(token: str, client: Client | None = None) -> Calendar:
    response = (client or Client()).get(feed_path(token))
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in response["Cache-Control"]
    calendar = Calendar.from_ical(response.content)
    assert calendar.get_missing_tzids() == set()
    return calendar


def uids(calendar: Calendar) -> set[str]:
    return {str(e["UID"]) for e in calendar.events}


@pytest.fixture
def owner(client):
    user = new_user()
    client.force_login(user)
    return user


# --- the management page --------------------------------------------------------------------


def test_page_needs_sign_in(client):
    """Visitors are sent to sign in; the create and revoke posts too."""
    for method, url in (
        ("get", FEED_PAGE),
        ("post", reverse("events:calendar_feed_create")),
        ("post", reverse("events:calendar_feed_revoke")),
    ):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert CalendarFeed.objects.count() == 0


def test_token_is_shown_once_and_stored_as_a_digest(client, owner):
    """The new URL appears once (201); afterwards the page shows only its prefix. The database
    and the audit log hold its SHA-256 digest and prefix, never the token."""
    page = client.get(FEED_PAGE)
    assert page.status_code == 200 and "You have no active feed." in page.content.decode()
    token = create_feed(client)
    feed = CalendarFeed.objects.get(user=owner)
    assert feed.digest == hashlib.sha256(token.encode()).hexdigest()
    assert token.startswith(feed.prefix) and len(feed.prefix) < 16
    later = client.get(FEED_PAGE).content.decode()
    assert token not in later and feed.prefix in later
    stored = json.dumps(list(AuditEntry.objects.values("data", "target_id")))
    assert token not in stored and token[len(feed.prefix) :] not in stored


def test_regenerating_revokes_the_old_url(client, owner):
    """A new URL replaces the old: one active feed, the old URL is 404, the new one works."""
    first = create_feed(client)
    second = create_feed(client)
    assert first != second
    assert CalendarFeed.objects.filter(user=owner, revoked_at__isnull=True).count() == 1
    assert Client().get(feed_path(first)).status_code == 404
    read_feed(second)


def test_revoked_feed_answers_404(client, owner):
    """After "turn off" the URL is a 404; turning off again is a 404 too."""
    token = create_feed(client)
    read_feed(token)
    response = client.post(reverse("events:calendar_feed_revoke"))
    assert response.status_code == 302
    assert Client().get(feed_path(token)).status_code == 404
    assert client.post(reverse("events:calendar_feed_revoke")).status_code == 404
    assert "You have no active feed." in client.get(FEED_PAGE).content.decode()


def test_create_is_rate_limited(client, owner, settings):
    """Over the hourly limit, making a new URL is a 429 with Retry-After and changes nothing."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "calendar_feed": 2}
    create_feed(client)
    token = create_feed(client)
    response = client.post(reverse("events:calendar_feed_create"))
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    read_feed(token)
    assert CalendarFeed.objects.filter(user=owner).count() == 2


# --- what the feed lists --------------------------------------------------------------------


def test_feed_lists_the_events_the_member_is_going_to(client, owner):
    """Going (future), attended (past, within 90 days), organizing, and cancelled events are
    in the feed; interested, waitlisted, cancelled registrations, old events, drafts, other
    people's events and events hidden by moderation are not."""
    going = make_event(is_online=True, join_url=JOIN)
    register(going, owner)
    attended = make_event()
    attend(attended, owner)
    make_past(attended, ago=timedelta(days=30))
    organizing = make_event(owner)
    draft = make_event(owner, publish=False)
    cancelled = make_event()
    register(cancelled, owner)
    services.event_cancel(actor=cancelled.organizer, event=fresh(cancelled), reason="Storm")
    interested = make_event()
    register(interested, owner, state="interested")
    waitlisted = make_event(capacity=1)
    register(waitlisted)
    register(waitlisted, owner)
    dropped = make_event()
    register(dropped, owner)
    services.registration_cancel(actor=owner, event=fresh(dropped))
    old = make_event()
    attend(old, owner)
    make_past(old, ago=timedelta(days=120))
    hidden = make_event()
    register(hidden, owner)
    Event.objects.filter(pk=hidden.pk).update(moderation_state="hidden")
    someone_elses = make_event()
    register(someone_elses)

    token = create_feed(client)
    calendar = read_feed(token)
    assert uids(calendar) == {event_uid(e.pk) for e in (going, attended, organizing, cancelled)}, (
        "unexpected events"
    )
    by_uid = {str(e["UID"]): e for e in calendar.events}
    assert by_uid[event_uid(cancelled.pk)]["STATUS"] == "CANCELLED"
    assert by_uid[event_uid(going.pk)]["STATUS"] == "CONFIRMED"
    assert JOIN in str(by_uid[event_uid(going.pk)]["DESCRIPTION"])
    assert draft.pk not in {e.pk for e in calendar_services.feed_events_for(owner)}
    starts = [e.decoded("DTSTART") for e in calendar.events]
    assert starts == sorted(starts)


def test_feed_follows_group_access(client, owner):
    """An event of a private group leaves the feed when the member leaves the group."""
    group_owner = new_user()
    group = make_group(group_owner, visibility="private")
    add_member(group, owner)
    event = make_event(group_owner, group=group.slug)
    register(event, owner)
    token = create_feed(client)
    assert uids(read_feed(token)) == {event_uid(event.pk)}
    from rounds.community.models import GroupMembership

    GroupMembership.objects.filter(group=group, user=owner).delete()
    assert uids(read_feed(token)) == set()


def test_feed_is_the_token_owners_whoever_asks(client, owner):
    """No session is needed; a different member signed in still gets the owner's feed (the
    session plays no part), and the join link is decided for the owner."""
    event = make_event(is_online=True, join_url=JOIN)
    register(event, owner)
    token = create_feed(client)
    stranger = Client()
    stranger.force_login(new_user())
    for reader in (Client(), stranger):
        calendar = read_feed(token, reader)
        assert uids(calendar) == {event_uid(event.pk)}
        assert JOIN in str(calendar.events[0]["DESCRIPTION"])
    response = Client().get(feed_path(token))
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies


def test_feed_records_last_use(client, owner):
    """Reading the feed records when a calendar app last read it (shown on the page)."""
    token = create_feed(client)
    assert CalendarFeed.objects.get(user=owner).last_used_at is None
    read_feed(token)
    assert CalendarFeed.objects.get(user=owner).last_used_at is not None


def test_feed_of_a_deactivated_or_leaving_member_is_404(client, owner):
    """A deactivated member's or one scheduled for deletion's feed is a 404."""
    token = create_feed(client)
    owner.deletion_scheduled = True
    owner.save(update_fields=["deletion_scheduled"])
    assert Client().get(feed_path(token)).status_code == 404
    owner.deletion_scheduled = False
    owner.is_active = False
    owner.save(update_fields=["deletion_scheduled", "is_active"])
    assert Client().get(feed_path(token)).status_code == 404


def test_feed_reads_are_rate_limited(client, owner, settings):
    """Past the hourly read limit the feed answers 429 with Retry-After."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "calendar_feed_read": 2}
    token = create_feed(client)
    read_feed(token)
    read_feed(token)
    response = Client().get(feed_path(token))
    assert response.status_code == 429 and int(response["Retry-After"]) > 0


def test_feed_queries_do_not_grow_with_its_events(client, owner, django_assert_num_queries):
    """Reading a feed of 2 or of 12 events costs the same number of queries."""
    token = create_feed(client)

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            read_feed(token)
        return len(ctx.captured_queries)

    for _ in range(2):
        register(make_event(is_online=True, join_url=JOIN), owner)
    read_feed(token)  # records last_used_at (one UPDATE, not again for a while)
    small = count()
    for index in range(10):
        event = make_event(organizer=owner if index % 3 == 0 else None)
        if index % 3:
            register(event, owner)
    assert len(read_feed(token).events) == 12
    assert count() == small
    assert small <= 8


def test_old_and_far_events_respect_the_window(client, owner):
    """An event that ended 89 days ago is in; one that ended 91 days ago is out."""
    recent, old = make_event(), make_event()
    for event, days in ((recent, 89), (old, 91)):
        attend(event, owner)
        ends = timezone.now() - timedelta(days=days)
        move_event(event, starts_at=ends - timedelta(hours=2), ends_at=ends)
    token = create_feed(client)
    assert uids(read_feed(token)) == {event_uid(recent.pk)}


# --- the token opens nothing else -----------------------------------------------------------


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t.upper(),
        lambda t: t[:-1],
        lambda t: t + "A",
        lambda t: t.replace("rcal_", "rnd_"),
        lambda t: "rcal_" + "A" * 43,
        lambda t: "x" * 5000,
        lambda t: "%00",
        lambda t: "é漢字",
    ],
)
def test_malformed_and_unknown_tokens_are_404(client, owner, mangle):
    """Anything but the exact active token is the same 404."""
    token = create_feed(client)
    assert Client().get(f"/events/feed/{mangle(token)}.ics").status_code == 404


def test_feed_token_is_not_an_api_token(client, owner):
    """Sent as a bearer token, the feed token is a 401 on the API (on every kind of endpoint)."""
    token = create_feed(client)
    api = ApiClient(token=token)
    for path in ("/me", "/events/calendar-feed", "/notifications"):
        assert_error(api.get(path), 401)
    assert_error(api.post("/events/calendar-feed", {}), 401)
    assert CalendarFeed.objects.filter(user=owner, revoked_at__isnull=True).count() == 1


def test_feed_token_is_not_a_session(client, owner):
    """As a session cookie the token signs nobody in: the feed page sends you to sign in."""
    token = create_feed(client)
    other = Client()
    other.cookies["sessionid"] = token
    response = other.get(FEED_PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    other.cookies["sessionid"] = token[len("rcal_") :]
    assert other.get(FEED_PAGE).status_code == 302


def test_feed_token_opens_no_other_url(client, owner):
    """The token in other URLs (certificates, verification, an event's .ics) finds nothing,
    and an API token in the feed URL is a 404."""
    token = create_feed(client)
    visitor = Client()
    assert visitor.get(f"/certificates/{token}/").status_code == 404
    assert visitor.get(f"/certificates/?code={token}").status_code == 404
    assert visitor.get(f"/events/{token}/calendar.ics").status_code == 404
    api_token = token_for(owner)
    assert visitor.get(f"/events/feed/{api_token}.ics").status_code == 404
    assert visitor.get(FEED_PAGE, {"token": token}).status_code == 302


# --- API ------------------------------------------------------------------------------------


def test_api_feed_status_create_revoke():
    """GET says inactive; POST returns the URL once (201); GET then shows the prefix only;
    the URL works; DELETE turns it off (404 afterwards, and on a second DELETE)."""
    user = new_user()
    api = api_as(user)
    status = api.get("/events/calendar-feed").json()
    assert status["active"] is False and status["prefix"] is None
    created = api.post("/events/calendar-feed")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["active"] is True
    match = TOKEN_RE.search(body["url"])
    assert match and body["url"].startswith("http")
    assert body["webcal_url"].startswith("webcal://") and body["webcal_url"].endswith(".ics")
    token = match.group(1)
    status = api.get("/events/calendar-feed").json()
    assert status["active"] is True and token.startswith(status["prefix"])
    assert token not in json.dumps(status)
    read_feed(token)
    revoked = api.delete("/events/calendar-feed")
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    assert Client().get(feed_path(token)).status_code == 404
    assert_error(api.delete("/events/calendar-feed"), 404)


def test_api_needs_a_member():
    """Visitors get 401 on the feed endpoints."""
    api = ApiClient()
    assert_error(api.get("/events/calendar-feed"), 401)
    assert_error(api.post("/events/calendar-feed"), 401)
    assert_error(api.delete("/events/calendar-feed"), 401)


def test_api_create_is_rate_limited(settings):
    """Over the limit the API answers 429 with Retry-After."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "calendar_feed": 1}
    api = api_as(new_user())
    assert api.post("/events/calendar-feed").status_code == 201
    response = api.post("/events/calendar-feed")
    assert_error(response, 429)
    assert int(response["Retry-After"]) > 0


# --- the event page's links -----------------------------------------------------------------


def test_calendar_links_fragment(rf):
    """The include shows the .ics link to everyone and the feed link to members."""
    from django.contrib.auth.models import AnonymousUser
    from django.template.loader import render_to_string

    event = make_event()
    request = rf.get("/")
    request.user = AnonymousUser()
    html = render_to_string("events/calendar_links.html", {"event": event}, request)
    assert reverse("events:calendar_ics", args=[event.pk]) in html
    assert FEED_PAGE not in html
    request.user = new_user()
    html = render_to_string("events/calendar_links.html", {"event": event}, request)
    assert FEED_PAGE in html


def test_my_events_links_the_feed_page(client, owner):
    """ "My events" links the calendar feed page."""
    html = client.get(reverse("events:mine")).content.decode()
    assert f'href="{FEED_PAGE}"' in html


def test_co_organized_events_are_in_the_feed(client, owner):
    """Events the member co-organizes are in their feed too."""
    event = make_event()
    services.co_organizer_add(
        actor=event.organizer, event=fresh(event), handle=owner.profile.handle
    )
    token = create_feed(client)
    assert uids(read_feed(token)) == {event_uid(event.pk)}


def test_unchanged_feed_answers_304_to_if_none_match(client, owner):
    """A calendar app sending back the ETag gets 304 Not Modified until an event changes."""
    event = make_event()
    register(event, owner)
    token = create_feed(client)
    first = Client().get(feed_path(token))
    etag = first["ETag"]
    assert etag and first.status_code == 200
    again = Client().get(feed_path(token), headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    services.event_update(actor=event.organizer, event=fresh(event), changes={"title": "New"})
    changed = Client().get(feed_path(token), headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag


@pytest.mark.parametrize(("chosen", "tzid"), [("", "UTC"), ("Europe/Madrid", "Europe/Madrid")])
def test_an_empty_feed_is_still_a_valid_calendar(client, owner, chosen, tzid):
    """A member going to nothing gets a VCALENDAR with one component, as RFC 5545 requires
    (``icalbody = calprops component``): the VTIMEZONE of their zone (UTC when they chose
    none), and no event. Asking again gives the same bytes (the ETag holds)."""
    owner.time_zone = chosen
    owner.save(update_fields=["time_zone"])
    token = create_feed(client)
    calendar = read_feed(token)
    assert calendar.name == "VCALENDAR" and calendar.events == []
    assert [c.name for c in calendar.subcomponents] == ["VTIMEZONE"]
    assert str(calendar.timezones[0]["TZID"]) == tzid
    assert calendar.timezones[0].subcomponents, "a VTIMEZONE needs a STANDARD or DAYLIGHT part"
    again = Client().get(feed_path(token))
    assert again.content == Client().get(feed_path(token)).content
