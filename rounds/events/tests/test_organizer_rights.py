"""The owner and the co-organizers (pages and API), time-zone edits, organizers and registration.

- Co-organizers edit, publish, add co-organizers, manage shifts, see the roster and CSV, mark
  attendance. Only the owner (the member who created the event; site staff too) cancels it or
  removes co-organizers; a co-organizer may step down; nobody removes the owner. Refusals are
  403 with a message.
- Changing only an event's ``time_zone`` keeps its wall-clock times (the form and the API agree)
  and tells registrants, since the instant moves.
- Organizers host: they cannot register (403), and a registrant who becomes a co-organizer
  gives their place back.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from config.api import api
from rounds.core.tests.api_client import api_as, assert_error
from rounds.events import services
from rounds.events.forms import initial_for
from rounds.events.models import EventOrganizer, Registration
from rounds.notifications.models import Notification

from .factories import fresh, make_event, make_ongoing, new_user, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    owner, co, other = new_user(), new_user(), new_user()
    event = make_event(owner, capacity=10)
    services.co_organizer_add(actor=owner, event=fresh(event), handle=co.profile.handle)
    services.co_organizer_add(actor=owner, event=fresh(event), handle=other.profile.handle)
    return fresh(event), owner, co, other


# --- 1. owner vs co-organizers -----------------------------------------------------------------


def test_co_organizer_cannot_cancel_the_event(client, team):
    event, owner, co, _ = team
    client.force_login(co)
    response = client.get(f"/events/{event.pk}/cancel/")
    assert response.status_code == 403
    assert b"Only the event&#x27;s owner can cancel it." in response.content
    assert client.post(f"/events/{event.pk}/cancel/", {"reason": ""}).status_code == 403
    body = assert_error(api_as(co).post(f"/events/{event.pk}/cancel", {"reason": ""}), 403)
    assert body["detail"] == "Only the event's owner can cancel it."
    assert fresh(event).state == "published"
    # The owner still can.
    assert api_as(owner).post(f"/events/{event.pk}/cancel", {"reason": ""}).status_code == 200
    assert fresh(event).state == "cancelled"


def test_only_the_owner_removes_co_organizers(client, team):
    event, owner, co, other = team
    body = assert_error(
        api_as(co).delete(f"/events/{event.pk}/organizers/{other.profile.handle}"), 403
    )
    assert body["detail"] == "Only the event's owner can remove co-organizers."
    client.force_login(co)
    response = client.post(f"/events/{event.pk}/organizers/{other.profile.handle}/remove/")
    assert response.status_code == 403
    assert EventOrganizer.objects.filter(event=event, user=other).exists()
    # The owner removes them.
    response = api_as(owner).delete(f"/events/{event.pk}/organizers/{other.profile.handle}")
    assert response.status_code == 204
    assert not EventOrganizer.objects.filter(event=event, user=other).exists()


def test_nobody_removes_the_owner(client, team):
    event, owner, co, _ = team
    handle = owner.profile.handle
    body = assert_error(api_as(co).delete(f"/events/{event.pk}/organizers/{handle}"), 403)
    assert "owner" in body["detail"]
    body = assert_error(api_as(owner).delete(f"/events/{event.pk}/organizers/{handle}"), 409)
    assert "owner" in body["detail"]
    client.force_login(co)
    assert client.post(f"/events/{event.pk}/organizers/{handle}/remove/").status_code == 403
    assert fresh(event).organizer_id == owner.pk


def test_co_organizer_steps_down(client, team):
    event, _, co, other = team
    assert (
        api_as(co).delete(f"/events/{event.pk}/organizers/{co.profile.handle}").status_code == 204
    )
    client.force_login(other)
    response = client.post(f"/events/{event.pk}/organizers/{other.profile.handle}/remove/")
    assert response.status_code == 302
    assert response.url == f"/events/{event.pk}/"
    assert not EventOrganizer.objects.filter(event=event).exists()


def test_co_organizer_keeps_the_everyday_rights(client, team):
    event, _, co, _ = team
    api = api_as(co)
    assert api.patch(f"/events/{event.pk}", {"title": "Renamed rounds"}).status_code == 200
    assert fresh(event).title == "Renamed rounds"
    assert api.get(f"/events/{event.pk}/roster").status_code == 200
    assert (
        api.post(
            f"/events/{event.pk}/organizers", {"handle": new_user().profile.handle}
        ).status_code
        == 201
    )
    client.force_login(co)
    assert client.get(f"/events/{event.pk}/roster.csv").status_code == 200
    assert client.get(f"/events/{event.pk}/organizers/").status_code == 200
    guest = new_user()
    register(event, guest)
    make_ongoing(event)
    response = api.put(f"/events/{event.pk}/attendance/{guest.profile.handle}", {"attended": True})
    assert response.status_code == 200


def test_pages_and_api_show_each_their_rights(client, team):
    event, owner, co, other = team
    client.force_login(co)
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert f"/events/{event.pk}/edit/" in page
    assert f"/events/{event.pk}/cancel/" not in page
    page = client.get(f"/events/{event.pk}/organizers/").content.decode()
    assert f"/organizers/{co.profile.handle}/remove/" in page  # step down
    assert f"/organizers/{other.profile.handle}/remove/" not in page
    client.force_login(owner)
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert f"/events/{event.pk}/cancel/" in page
    page = client.get(f"/events/{event.pk}/organizers/").content.decode()
    assert f"/organizers/{other.profile.handle}/remove/" in page
    mine = api_as(co).get(f"/events/{event.pk}").json()["viewer"]
    assert (mine["can_manage"], mine["is_owner"], mine["can_cancel"]) == (True, False, False)
    theirs = api_as(owner).get(f"/events/{event.pk}").json()["viewer"]
    assert (theirs["can_manage"], theirs["is_owner"], theirs["can_cancel"]) == (True, True, True)


def test_openapi_descriptions_name_the_owner():
    paths = api.get_openapi_schema(path_prefix="")["paths"]
    cancel = paths["/events/{event_id}/cancel"]["post"]
    assert "owner" in cancel["summary"] + cancel.get("description", "")
    remove = paths["/events/{event_id}/organizers/{handle}"]["delete"]
    assert "owner" in remove["summary"] + remove.get("description", "")
    patch = paths["/events/{event_id}"]["patch"]
    assert "wall-clock" in patch["description"]
    put = paths["/events/{event_id}/registration"]["put"]
    assert "organizers" in put["description"].lower()


# --- 2. changing the time zone -----------------------------------------------------------------


def _berlin_morning_event(owner):
    day = (timezone.now() + timedelta(days=30)).date()
    zone = ZoneInfo("Europe/Berlin")
    starts = datetime.combine(day, time(9, 0), tzinfo=zone)
    event = make_event(
        owner,
        time_zone="Europe/Berlin",
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        registration_deadline=starts - timedelta(days=1),
    )
    return fresh(event)


def _local(value, zone):
    return value.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def test_changing_only_the_zone_keeps_wall_clock_times_in_form_and_api(client):
    owner = new_user()
    by_api, by_form = _berlin_morning_event(owner), _berlin_morning_event(owner)
    guest_api, guest_form = new_user(), new_user()
    register(by_api, guest_api)
    register(by_form, guest_form)
    before = {
        name: _local(getattr(by_api, name), "Europe/Berlin")
        for name in ("starts_at", "ends_at", "registration_deadline")
    }

    response = api_as(owner).patch(f"/events/{by_api.pk}", {"time_zone": "America/New_York"})
    assert response.status_code == 200, response.content

    client.force_login(owner)
    data = {k: v for k, v in initial_for(by_form).items() if v not in (None, "")}
    data["specialties"] = []
    data["time_zone"] = "America/New_York"
    data = {k: v for k, v in data.items() if v != []}
    assert client.post(f"/events/{by_form.pk}/edit/", data).status_code == 302

    for event in (fresh(by_api), fresh(by_form)):
        assert event.time_zone == "America/New_York"
        for name, wall in before.items():
            assert _local(getattr(event, name), "America/New_York") == wall, name
    api_event, form_event = fresh(by_api), fresh(by_form)
    assert api_event.starts_at == form_event.starts_at
    assert api_event.ends_at == form_event.ends_at
    assert api_event.registration_deadline == form_event.registration_deadline
    # The instant moved: registrants are told, either way.
    for guest in (guest_api, guest_form):
        assert Notification.objects.filter(recipient=guest, kind="event.update").exists()


def test_zone_change_keeps_shift_wall_clock_times():
    owner = new_user()
    day = (timezone.now() + timedelta(days=30)).date()
    zone = ZoneInfo("Europe/Berlin")
    starts = datetime.combine(day, time(9, 0), tzinfo=zone)
    event = make_event(
        owner,
        kind="volunteering",
        time_zone="Europe/Berlin",
        starts_at=starts,
        ends_at=starts + timedelta(hours=6),
    )
    shift = services.shift_add(
        actor=owner,
        event=fresh(event),
        title="Morning desk",
        starts_at=starts + timedelta(hours=1),
        ends_at=starts + timedelta(hours=2),
    )
    response = api_as(owner).patch(f"/events/{event.pk}", {"time_zone": "Asia/Tokyo"})
    assert response.status_code == 200, response.content
    shift.refresh_from_db()
    assert _local(shift.starts_at, "Asia/Tokyo").time() == time(10, 0)
    assert _local(shift.ends_at, "Asia/Tokyo").time() == time(11, 0)


def test_times_sent_with_the_zone_are_taken_as_given():
    owner = new_user()
    event = _berlin_morning_event(owner)
    new_start = (event.starts_at + timedelta(hours=1)).isoformat()
    response = api_as(owner).patch(
        f"/events/{event.pk}", {"time_zone": "America/New_York", "starts_at": new_start}
    )
    assert response.status_code == 200, response.content
    event_after = fresh(event)
    assert event_after.starts_at == event.starts_at + timedelta(hours=1)
    # ends_at was not sent: its wall-clock time is kept in the new zone.
    assert _local(event_after.ends_at, "America/New_York") == _local(event.ends_at, "Europe/Berlin")


def test_zone_change_onto_a_skipped_local_time_is_a_422_and_changes_nothing():
    owner = new_user()
    # 02:30 on 14 March 2027 does not exist in New York (the clocks spring forward).
    starts = datetime(2027, 3, 14, 2, 30, tzinfo=ZoneInfo("UTC"))
    event = make_event(
        owner, time_zone="UTC", starts_at=starts, ends_at=starts + timedelta(hours=2)
    )
    response = api_as(owner).patch(f"/events/{event.pk}", {"time_zone": "America/New_York"})
    assert_error(response, 422, "starts_at")
    assert (fresh(event).time_zone, fresh(event).starts_at) == ("UTC", starts)


# --- 3. organizers do not register -------------------------------------------------------------


def test_organizers_cannot_register(client, team):
    event, owner, co, _ = team
    for who in (owner, co):
        body = assert_error(
            api_as(who).put(f"/events/{event.pk}/registration", {"state": "going"}), 403
        )
        assert "organize" in body["detail"]
        assert_error(
            api_as(who).put(f"/events/{event.pk}/registration", {"state": "interested"}), 403
        )
        client.force_login(who)
        assert client.post(f"/events/{event.pk}/register/", {"state": "going"}).status_code == 403
        page = client.get(f"/events/{event.pk}/").content.decode()
        assert f'action="/events/{event.pk}/register/"' not in page
        assert "You organize this event" in page
        assert api_as(who).get(f"/events/{event.pk}").json()["viewer"]["can_register"] is False
    assert not Registration.objects.filter(event=event).exists()
    assert fresh(event).going_count == 0


def test_a_registrant_made_co_organizer_gives_the_place_back(team):
    event, owner, _, _ = team
    services.event_update(actor=owner, event=fresh(event), changes={"capacity": 1})
    helper, waiting = new_user(), new_user()
    register(event, helper)
    assert register(event, waiting).state == "waitlisted"
    services.co_organizer_add(actor=owner, event=fresh(event), handle=helper.profile.handle)
    assert Registration.objects.get(event=event, user=helper).state == "cancelled"
    assert Registration.objects.get(event=event, user=waiting).state == "going"
    assert (fresh(event).going_count, fresh(event).waitlist_count) == (1, 0)
