"""One event as iCalendar (``/events/<id>/calendar.ics``): valid RFC 5545 that parses with the
icalendar library, the right VEVENT (stable UID, SUMMARY, DESCRIPTION, LOCATION, URL,
ORGANIZER, STATUS, SEQUENCE), DTSTART/DTEND with the event's TZID and a matching VTIMEZONE
(daylight-saving boundaries in Chicago and Berlin), the join link only for those who may see
it, and the same 404 as the event page for anyone who may not see the event."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.models import F
from django.urls import reverse
from icalendar import Calendar

from rounds.community.tests.factories import add_member, make_group
from rounds.events import services
from rounds.events.calendars import event_uid
from rounds.events.models import Event
from rounds.events.tests.factories import fresh, make_event, move_event, new_user, register
from rounds.network.services import block

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
BERLIN = ZoneInfo("Europe/Berlin")
JOIN = "https://meet.example.org/j/12345"


def ics_url(event: Event) -> str:
    return reverse("events:calendar_ics", args=[event.pk])


def download(client, event: Event) -> Calendar:
    """GET the event's .ics, check the HTTP side, and parse it."""
    response = client.get(ics_url(event))
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="event-{event.pk}.ics"'
    assert "private" in response["Cache-Control"]
    return parse(response.content)


def parse(body: bytes) -> Calendar:
    """Parse strictly (CRLF lines, one VCALENDAR) and check what every file must have."""
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")
    calendar = Calendar.from_ical(body)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]
    assert calendar.get_missing_tzids() == set()
    for vevent in calendar.events:
        for required in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"):
            assert required in vevent, required
    return calendar


def only_event(calendar: Calendar):
    assert len(calendar.events) == 1
    return calendar.events[0]


def at(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone)


#: Next year's 3 June (summer time in Chicago and Berlin), whenever the tests run.
YEAR = datetime.now(UTC).year + 1


def chicago_event(**fields) -> Event:
    """A published event at 9:00 Chicago time (CDT, UTC-5) on 3 June next year."""
    fields.setdefault("time_zone", "America/Chicago")
    return make_event(starts_at=at(CHICAGO, YEAR, 6, 3, 9, 0), **fields)


# --- content --------------------------------------------------------------------------------


def test_public_event_downloads_as_one_valid_vevent(client, settings):
    """A visitor gets a parseable .ics with the event's UID, title, text, place, URL, status."""
    settings.SITE_URL = "https://rounds.example"
    event = chicago_event(
        title="Quality improvement mixer",
        description="Bring **one** idea; we pair people up.\nSecond line, with; punctuation",
        venue="Palmer House",
        address="17 E Monroe St",
        city="Chicago",
        country="United States",
    )
    vevent = only_event(download(client, event))
    assert str(vevent["UID"]) == event_uid(event.pk) == f"event-{event.pk}@rounds.example"
    assert vevent["SUMMARY"] == "Quality improvement mixer"
    description = str(vevent["DESCRIPTION"])
    assert "Bring **one** idea; we pair people up.\nSecond line, with; punctuation" in description
    assert f"https://rounds.example/events/{event.pk}/" in description
    assert vevent["LOCATION"] == "Palmer House, 17 E Monroe St, Chicago, United States"
    assert vevent["URL"] == f"https://rounds.example/events/{event.pk}/"
    assert vevent["STATUS"] == "CONFIRMED"
    assert int(vevent["SEQUENCE"]) >= 0
    assert vevent.DTSTAMP is not None


def test_online_event_location_is_online(client):
    """An online event's LOCATION is "Online"."""
    event = chicago_event(is_online=True, join_url=JOIN)
    assert only_event(download(client, event))["LOCATION"] == "Online"


def test_uid_is_stable_and_sequence_grows_with_edits(client):
    """Downloading twice gives the same UID; an edit raises SEQUENCE (clients update)."""
    event = chicago_event()
    # As if it had been created and last changed 90 seconds ago.
    earlier = timedelta(seconds=90)
    Event.objects.filter(pk=event.pk).update(
        created_at=F("created_at") - earlier, updated_at=F("updated_at") - earlier
    )
    first = only_event(download(client, event))
    again = only_event(download(client, event))
    assert (again["UID"], again["SEQUENCE"]) == (first["UID"], first["SEQUENCE"])
    services.event_update(actor=event.organizer, event=fresh(event), changes={"title": "Renamed"})
    second = only_event(download(client, event))
    assert second["UID"] == first["UID"]
    assert int(second["SEQUENCE"]) >= int(first["SEQUENCE"]) + 60
    assert second["SUMMARY"] == "Renamed"


def test_cancelled_event_is_status_cancelled_with_reason(client):
    """A cancelled event still downloads (for those who see it), as STATUS:CANCELLED."""
    event = chicago_event()
    services.event_cancel(actor=event.organizer, event=fresh(event), reason="Venue flooded")
    vevent = only_event(download(client, event))
    assert vevent["STATUS"] == "CANCELLED"
    assert "Cancelled: Venue flooded" in str(vevent["DESCRIPTION"])


def test_organizer_is_named_without_email_by_default(client):
    """ORGANIZER carries the organizer's name (CN) and profile URL, never their email unless
    their profile shows it to the viewer."""
    organizer = new_user(display_name='Dr. Ana "Quotes"; Pérez', visibility="public")
    event = chicago_event(organizer=organizer)
    viewer = new_user()
    client.force_login(viewer)
    body = client.get(ics_url(event)).content
    vevent = only_event(parse(body))
    assert vevent["ORGANIZER"].params["CN"] == 'Dr. Ana "Quotes"; Pérez'
    assert str(vevent["ORGANIZER"]).endswith(f"/members/{organizer.profile.handle}/")
    assert organizer.email.encode() not in body


def test_organizer_email_only_when_the_profile_shows_it(client):
    """With email visible to members, a member's .ics has mailto:; a visitor's does not."""
    organizer = new_user(visibility="public", email_visibility="members")
    event = chicago_event(organizer=organizer)
    anonymous = only_event(download(client, event))
    assert organizer.email not in str(anonymous["ORGANIZER"])
    client.force_login(new_user())
    member_view = only_event(download(client, event))
    assert str(member_view["ORGANIZER"]) == f"mailto:{organizer.email}"


def test_hostile_title_cannot_add_properties_or_events(client):
    """Newlines, commas, semicolons and control characters in texts stay inside their value:
    still one VEVENT, no injected property."""
    event = chicago_event()
    # (No NUL: no database stores it, and the services refuse it.)
    evil = "Mixer\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil\r\nSUMMARY:pwned, x; y\x1b\x07"
    Event.objects.filter(pk=event.pk).update(
        title=evil, description=evil, venue=evil, cancel_reason=evil
    )
    vevent = only_event(download(client, event))
    assert str(vevent["UID"]) == event_uid(event.pk)
    assert "\x1b" not in vevent["SUMMARY"] and "\r" not in vevent["SUMMARY"]
    assert "\n" not in vevent["SUMMARY"] and "\n" not in vevent["LOCATION"]
    assert "END:VEVENT" in vevent["SUMMARY"]


# --- time zones -----------------------------------------------------------------------------


def local_and_utc(vevent, key: str) -> tuple[datetime, datetime]:
    value = vevent.decoded(key)
    return value, value.astimezone(UTC)


def vtimezone_instant(calendar: Calendar, vevent, key: str) -> datetime:
    """The instant of DTSTART/DTEND computed from the file's own VTIMEZONE (what a client
    without the IANA database does), not from the system's zone database."""
    prop = vevent[key]
    tzid = prop.params["TZID"]
    (vtimezone,) = [tz for tz in calendar.timezones if tz.tz_name == tzid]
    own_zone = vtimezone.to_tz()
    naive = prop.dt.replace(tzinfo=None)
    return naive.replace(tzinfo=own_zone).astimezone(UTC)


def test_chicago_times_carry_tzid_and_vtimezone(client):
    """DTSTART/DTEND are local Chicago times with TZID=America/Chicago, and the file holds the
    America/Chicago VTIMEZONE."""
    event = chicago_event()
    calendar = download(client, event)
    vevent = only_event(calendar)
    assert vevent["DTSTART"].params["TZID"] == "America/Chicago"
    assert vevent["DTEND"].params["TZID"] == "America/Chicago"
    assert [tz.tz_name for tz in calendar.timezones] == ["America/Chicago"]
    start, start_utc = local_and_utc(vevent, "DTSTART")
    assert (start.hour, start.minute) == (9, 0)
    assert start_utc == datetime(YEAR, 6, 3, 14, 0, tzinfo=UTC)  # CDT = UTC-5
    assert (
        f"DTSTART;TZID=America/Chicago:{YEAR}0603T090000".encode()
        in client.get(ics_url(event)).content
    )


@pytest.mark.parametrize(
    ("zone", "local_start", "local_end", "utc_start", "utc_end"),
    [
        # Chicago springs forward on 2026-03-08 at 02:00 → 03:00 (CST -6 → CDT -5).
        ("America/Chicago", (2026, 3, 7, 10), (2026, 3, 7, 12), (2026, 3, 7, 16), (2026, 3, 7, 18)),
        ("America/Chicago", (2026, 3, 8, 10), (2026, 3, 8, 12), (2026, 3, 8, 15), (2026, 3, 8, 17)),
        # Spanning the switch: 01:00 CST to 04:00 CDT is two real hours.
        ("America/Chicago", (2026, 3, 8, 1), (2026, 3, 8, 4), (2026, 3, 8, 7), (2026, 3, 8, 9)),
        # Falls back on 2026-11-01 at 02:00 → 01:00.
        (
            "America/Chicago",
            (2026, 11, 1, 9),
            (2026, 11, 1, 10),
            (2026, 11, 1, 15),
            (2026, 11, 1, 16),
        ),
        # Berlin springs forward on 2026-03-29 at 02:00 → 03:00 (CET +1 → CEST +2).
        (
            "Europe/Berlin",
            (2026, 3, 28, 18),
            (2026, 3, 28, 20),
            (2026, 3, 28, 17),
            (2026, 3, 28, 19),
        ),
        (
            "Europe/Berlin",
            (2026, 3, 29, 18),
            (2026, 3, 29, 20),
            (2026, 3, 29, 16),
            (2026, 3, 29, 18),
        ),
        ("Europe/Berlin", (2026, 3, 29, 1), (2026, 3, 29, 4), (2026, 3, 29, 0), (2026, 3, 29, 2)),
    ],
)
def test_daylight_saving_boundaries(client, zone, local_start, local_end, utc_start, utc_end):
    """Around each DST switch the .ics states the organizer's wall-clock times with TZID, and
    both the system zone database and the file's own VTIMEZONE give the right instants."""
    tz = ZoneInfo(zone)
    event = make_event(time_zone=zone)
    move_event(event, starts_at=at(tz, *local_start), ends_at=at(tz, *local_end))
    calendar = download(client, event)
    vevent = only_event(calendar)
    assert vevent["DTSTART"].params["TZID"] == zone
    start, start_utc = local_and_utc(vevent, "DTSTART")
    end, end_utc = local_and_utc(vevent, "DTEND")
    assert (start.year, start.month, start.day, start.hour) == local_start
    assert (end.year, end.month, end.day, end.hour) == local_end
    assert start_utc == datetime(*utc_start, tzinfo=UTC)
    assert end_utc == datetime(*utc_end, tzinfo=UTC)
    assert vtimezone_instant(calendar, vevent, "DTSTART") == start_utc
    assert vtimezone_instant(calendar, vevent, "DTEND") == end_utc


def test_berlin_viewer_gets_the_same_instants_in_the_event_zone(client):
    """A viewer whose own zone is Europe/Berlin downloads the Chicago event in Chicago time
    (TZID), so their calendar app shows it at the right Berlin time: 16:00 CEST for 9:00 CDT."""
    viewer = new_user()
    viewer.time_zone = "Europe/Berlin"
    viewer.save(update_fields=["time_zone"])
    event = chicago_event()
    client.force_login(viewer)
    vevent = only_event(download(client, event))
    start = vevent.decoded("DTSTART")
    assert start.tzinfo is not None and str(start.tzinfo) == "America/Chicago"
    berlin = start.astimezone(BERLIN)
    assert (berlin.hour, berlin.minute) == (16, 0)


def test_utc_event_has_no_missing_timezone(client):
    """An event given in UTC parses too (DTSTART in UTC; nothing missing)."""
    event = make_event(time_zone="UTC")
    vevent = only_event(download(client, event))
    assert vevent.decoded("DTSTART").utcoffset() == timedelta(0)


# --- who sees what --------------------------------------------------------------------------


def test_join_link_only_for_those_who_may_see_it(client):
    """The join link is in the .ics of organizers and members going, not in a visitor's, an
    interested member's or a stranger's."""
    event = chicago_event(is_online=True, join_url=JOIN)
    going, interested, stranger = new_user(), new_user(), new_user()
    register(event, going)
    register(event, interested, state="interested")
    assert JOIN.encode() not in client.get(ics_url(event)).content
    for user, expected in (
        (event.organizer, True),
        (going, True),
        (interested, False),
        (stranger, False),
    ):
        client.force_login(user)
        body = client.get(ics_url(event)).content
        assert (JOIN.encode() in body) is expected, user
        only_event(parse(body))


def test_draft_is_404_except_for_its_organizers(client):
    """A draft downloads for its organizer (STATUS:TENTATIVE) and is a 404 for others."""
    event = chicago_event(publish=False)
    assert client.get(ics_url(event)).status_code == 404
    client.force_login(new_user())
    assert client.get(ics_url(event)).status_code == 404
    client.force_login(event.organizer)
    assert only_event(download(client, event))["STATUS"] == "TENTATIVE"


def test_private_group_event_is_404_for_non_members(client):
    """A private group's event: its members download it, others get 404 (as on the page)."""
    owner = new_user()
    group = make_group(owner, visibility="private")
    event = chicago_event(organizer=owner, group=group.slug)
    member = new_user()
    add_member(group, member)
    assert client.get(ics_url(event)).status_code == 404
    client.force_login(new_user())
    assert client.get(ics_url(event)).status_code == 404
    client.force_login(member)
    only_event(download(client, event))


def test_blocked_member_gets_404(client):
    """A member the organizer blocked cannot download the organizer's event."""
    event = chicago_event()
    blocked = new_user()
    block(actor=event.organizer, blocked=blocked)
    client.force_login(blocked)
    assert client.get(ics_url(event)).status_code == 404


@pytest.mark.parametrize(
    "path", ["/events/0/calendar.ics", "/events/99999999999999999999/calendar.ics"]
)
def test_impossible_ids_are_404(client, path):
    """Zero and ids beyond bigint are a 404, never a 500."""
    assert client.get(path).status_code == 404


def test_only_get(client):
    """POST to the .ics is 405."""
    event = chicago_event()
    assert client.post(ics_url(event)).status_code == 405


def test_download_is_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    """Building the .ics costs a few queries, whatever the event's size."""
    event = chicago_event(is_online=True, join_url=JOIN)
    for _ in range(5):
        register(event)
    viewer = new_user()
    register(event, viewer)
    client.force_login(viewer)
    client.get(ics_url(event))
    with django_assert_max_num_queries(10):
        assert client.get(ics_url(event)).status_code == 200


def test_event_page_links_the_ics(client):
    """The event page has the "Add to calendar" box with the .ics link (visitors too)."""
    event = chicago_event()
    html = client.get(reverse("events:detail", args=[event.pk])).content.decode()
    assert "Add to calendar" in html
    assert f'href="{ics_url(event)}"' in html


def test_add_links_carry_utc_times_and_no_private_text(client):
    """The Google and Outlook.com links carry title, UTC times, place and the event URL; never
    the description or the join link. A cancelled event offers only the .ics."""
    from urllib.parse import parse_qs, urlsplit

    event = chicago_event(
        title="Sepsis & you", description="secret-ish notes", is_online=True, join_url=JOIN
    )
    client.force_login(event.organizer)
    html = client.get(reverse("events:detail", args=[event.pk])).content.decode()
    google = re.search(r'href="(https://calendar\.google\.com/[^"]+)"', html)
    outlook = re.search(r'href="(https://outlook\.live\.com/[^"]+)"', html)
    assert google and outlook
    query = parse_qs(urlsplit(google.group(1).replace("&amp;", "&")).query)
    assert query["text"] == ["Sepsis & you"]
    assert query["dates"] == [f"{YEAR}0603T140000Z/{YEAR}0603T160000Z"]
    assert query["ctz"] == ["America/Chicago"] and query["location"] == ["Online"]
    for link in (google.group(1), outlook.group(1)):
        assert "secret-ish" not in link and "meet.example.org" not in link
    services.event_cancel(actor=event.organizer, event=fresh(event), reason="x")
    html = client.get(reverse("events:detail", args=[event.pk])).content.decode()
    assert "calendar.google.com" not in html and ics_url(event) in html
