"""Times: entered in the event's zone, stored in UTC, shown in each viewer's zone with the
event's zone noted; DST boundaries in Chicago and Berlin; the member's time-zone setting."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from rounds.accounts.models import User
from rounds.core.errors import ValidationFailed
from rounds.core.tests.api_client import api_as, assert_error
from rounds.events import services
from rounds.events.models import Event

from .factories import make_event, move_event, new_user

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
BERLIN = ZoneInfo("Europe/Berlin")


def member_in(zone: str) -> User:
    user = new_user()
    user.time_zone = zone
    user.save(update_fields=["time_zone"])
    return user


def form(**overrides):
    data = {
        "title": "Cardiology networking night",
        "kind": "networking",
        "time_zone": "America/Chicago",
        "starts_at": "2027-06-10T18:00",
        "ends_at": "2027-06-10T20:00",
        "city": "Chicago",
    }
    data.update(overrides)
    return data


def test_chicago_event_shows_in_berlin_time_with_the_event_zone_noted(client):
    organizer = member_in("America/Chicago")
    client.force_login(organizer)
    assert client.post("/events/new/", form()).status_code == 302
    event = Event.objects.get()
    assert event.starts_at == datetime(2027, 6, 10, 23, 0, tzinfo=UTC)
    client.post(f"/events/{event.pk}/publish/")
    # The organizer (Chicago) sees the time as entered, no second zone.
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert "Thursday 10 June 2027, 18:00" in page
    assert "Event time:" not in page
    # A Berlin viewer sees 01:00 the next day, with the Chicago time noted.
    client.force_login(member_in("Europe/Berlin"))
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert "Friday 11 June 2027, 01:00" in page
    assert "(Europe/Berlin)" in page
    assert "Event time:" in page and "Thu 10 Jun 2027, 18:00" in page
    assert "(America/Chicago)" in page
    listing = client.get("/events/").content.decode()
    assert "Fri 11 Jun 2027, 01:00" in listing and "18:00 America/Chicago" in listing
    # A visitor (UTC) sees 23:00.
    client.logout()
    assert "Thursday 10 June 2027, 23:00" in client.get(f"/events/{event.pk}/").content.decode()


def test_edit_form_shows_times_in_the_event_zone(client):
    organizer = member_in("Europe/Berlin")
    client.force_login(organizer)
    client.post("/events/new/", form())
    event = Event.objects.get()
    page = client.get(f"/events/{event.pk}/edit/").content.decode()
    assert 'value="2027-06-10T18:00"' in page


def test_api_times_are_utc_and_name_the_zone():
    organizer = new_user()
    event = make_event(
        organizer,
        starts_at=datetime(2027, 6, 10, 18, 0, tzinfo=CHICAGO),
        ends_at=datetime(2027, 6, 10, 20, 0, tzinfo=CHICAGO),
        time_zone="America/Chicago",
    )
    body = api_as(member_in("Europe/Berlin")).get(f"/events/{event.pk}").json()
    assert body["starts_at"].startswith("2027-06-10T23:00:00")
    assert body["starts_at"].endswith(("Z", "+00:00"))
    assert body["time_zone"] == "America/Chicago"


# --- DST boundaries ------------------------------------------------------------------------------


def test_chicago_spring_forward_2026_03_08():
    """02:00 → 03:00 local on 8 March 2026: 01:30 is CST (UTC−6), 03:30 CDT (UTC−5), 02:30
    does not exist (refused, never guessed)."""
    assert services._datetime("s", "2026-03-08T01:30", CHICAGO) == datetime(
        2026, 3, 8, 7, 30, tzinfo=UTC
    )
    assert services._datetime("s", "2026-03-08T03:30", CHICAGO) == datetime(
        2026, 3, 8, 8, 30, tzinfo=UTC
    )
    with pytest.raises(ValidationFailed, match="does not exist"):
        services._datetime("s", "2026-03-08T02:30", CHICAGO)


def test_berlin_spring_forward_2026_03_29():
    """02:00 → 03:00 local on 29 March 2026: 01:30 is CET (UTC+1), 03:30 CEST (UTC+2)."""
    assert services._datetime("s", "2026-03-29T01:30", BERLIN) == datetime(
        2026, 3, 29, 0, 30, tzinfo=UTC
    )
    assert services._datetime("s", "2026-03-29T03:30", BERLIN) == datetime(
        2026, 3, 29, 1, 30, tzinfo=UTC
    )
    with pytest.raises(ValidationFailed):
        services._datetime("s", "2026-03-29T02:30", BERLIN)


def test_event_spanning_the_chicago_switch_shows_right_for_both_viewers(client):
    """01:00–04:00 Chicago local on 8 March 2026 lasts two real hours (07:00–09:00 UTC)."""
    event = make_event(time_zone="America/Chicago")
    move_event(
        event,
        starts_at=datetime(2026, 3, 8, 1, 0, tzinfo=CHICAGO),
        ends_at=datetime(2026, 3, 8, 4, 0, tzinfo=CHICAGO),
    )
    event.refresh_from_db()
    assert (event.ends_at - event.starts_at).total_seconds() == 2 * 3600
    client.force_login(member_in("America/Chicago"))
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert "Sunday 8 March 2026, 01:00" in page and "04:00" in page
    client.force_login(member_in("Europe/Berlin"))
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert "Sunday 8 March 2026, 08:00" in page and "10:00" in page
    assert "Sun 8 Mar 2026, 01:00 – Sun 8 Mar 2026, 04:00 (America/Chicago)" in page


def test_berlin_event_after_its_switch_seen_from_chicago(client):
    """10:00 CEST on 29 March 2026 is 08:00 UTC, 03:00 CDT in Chicago (both already on
    summer time; between 8 and 29 March the zones are 5 hours apart, not 7)."""
    event = make_event(time_zone="Europe/Berlin")
    move_event(event, starts_at=datetime(2026, 3, 29, 10, 0, tzinfo=BERLIN))
    client.force_login(member_in("America/Chicago"))
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert "Sunday 29 March 2026, 03:00" in page
    before = make_event(time_zone="Europe/Berlin")
    move_event(before, starts_at=datetime(2026, 3, 20, 10, 0, tzinfo=BERLIN))
    page = client.get(f"/events/{before.pk}/").content.decode()
    assert "Friday 20 March 2026, 04:00" in page  # CET (UTC+1) vs CDT (UTC−5): 6 hours


def test_future_event_created_across_the_2027_switch_through_the_form(client):
    client.force_login(new_user())
    response = client.post(
        "/events/new/",
        form(starts_at="2027-03-14T01:00", ends_at="2027-03-14T04:00"),
    )
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.starts_at == datetime(2027, 3, 14, 7, 0, tzinfo=UTC)
    assert event.ends_at == datetime(2027, 3, 14, 9, 0, tzinfo=UTC)
    gap = client.post("/events/new/", form(starts_at="2027-03-14T02:30"))
    assert gap.status_code == 422
    assert b"does not exist" in gap.content


# --- the member's setting ------------------------------------------------------------------------


def test_time_zone_setting_page(client):
    user = new_user()
    client.force_login(user)
    page = client.get("/settings/").content.decode()
    assert 'name="time_zone"' in page and "Europe/Berlin" in page
    assert client.post("/settings/time-zone/", {"time_zone": "Europe/Berlin"}).status_code == 302
    user.refresh_from_db()
    assert user.time_zone == "Europe/Berlin"
    assert client.post("/settings/time-zone/", {"time_zone": "Mars/Base"}).status_code == 422
    assert client.post("/settings/time-zone/", {"time_zone": ""}).status_code == 302
    user.refresh_from_db()
    assert user.time_zone == ""


def test_time_zone_setting_api():
    user = new_user()
    api = api_as(user)
    response = api.put("/me/time-zone", {"time_zone": "America/Chicago"})
    assert response.status_code == 200 and response.json()["time_zone"] == "America/Chicago"
    assert api.get("/me").json()["account"]["time_zone"] == "America/Chicago"
    assert_error(api.put("/me/time-zone", {"time_zone": "../../etc/passwd"}), 422, "time_zone")
    assert_error(api.put("/me/time-zone", {"time_zone": "Europe/Berlin", "x": 1}), 422)
