"""The event pages: create → publish → register → roster → cancel, through the browser forms."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from rounds.events.models import Event, EventOrganizer, Registration
from rounds.notifications.models import Notification

from .factories import fresh, make_event, make_ongoing, make_past, new_user, register

pytestmark = pytest.mark.django_db


def local(dt):
    return dt.strftime("%Y-%m-%dT%H:%M")


def event_form(**overrides):
    start = (timezone.now() + timedelta(days=10)).replace(tzinfo=None, second=0, microsecond=0)
    data = {
        "title": "Quality improvement mixer",
        "kind": "networking",
        "description": "Bring **one** project idea.",
        "time_zone": "America/Chicago",
        "starts_at": local(start),
        "ends_at": local(start + timedelta(hours=2)),
        "venue": "Hyatt Regency",
        "city": "Chicago",
        "capacity": "40",
    }
    data.update(overrides)
    return data


def test_create_publish_and_see_it_in_the_list(client):
    user = new_user()
    client.force_login(user)
    assert client.get("/events/new/").status_code == 200
    response = client.post("/events/new/", event_form())
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.state == "draft"
    assert event.time_zone == "America/Chicago"
    assert "<strong>one</strong>" in event.description_html
    assert response.url == f"/events/{event.pk}/"
    assert b"Quality improvement mixer" not in client.get("/events/").content
    assert client.post(f"/events/{event.pk}/publish/").status_code == 302
    assert fresh(event).state == "published"
    client.logout()
    listing = client.get("/events/")
    assert b"Quality improvement mixer" in listing.content
    page = client.get(f"/events/{event.pk}/")
    assert page.status_code == 200
    assert b"Bring <strong>one</strong> project idea." in page.content


def test_create_with_errors_is_422_and_keeps_input(client):
    client.force_login(new_user())
    response = client.post("/events/new/", event_form(ends_at="2000-01-01T00:00"))
    assert response.status_code == 422
    assert Event.objects.count() == 0
    response = client.post("/events/new/", event_form(time_zone="Mars/Olympus"))
    assert response.status_code == 422


def test_anonymous_is_sent_to_sign_in_for_writes(client):
    event = make_event()
    assert client.get("/events/new/").status_code == 302
    assert client.post(f"/events/{event.pk}/register/").status_code == 302
    assert not Registration.objects.exists()


def test_register_interested_cancel_through_pages(client):
    event = make_event(capacity=1)
    user = new_user()
    client.force_login(user)
    response = client.post(f"/events/{event.pk}/register/", {"state": "going"})
    assert response.status_code == 302
    assert Registration.objects.get(event=event, user=user).state == "going"
    again = client.post(f"/events/{event.pk}/register/", {"state": "going"})
    assert again.status_code == 409
    page = client.get(f"/events/{event.pk}/")
    assert b"You are going." in page.content
    client.post(f"/events/{event.pk}/register/cancel/")
    assert Registration.objects.get(event=event, user=user).state == "cancelled"


def test_join_link_only_for_going_and_organizers(client):
    organizer = new_user()
    event = make_event(organizer, is_online=True, join_url="https://meet.example.org/abc", city="")
    link = b"https://meet.example.org/abc"
    assert link not in client.get(f"/events/{event.pk}/").content
    user = new_user()
    client.force_login(user)
    assert link not in client.get(f"/events/{event.pk}/").content
    register(event, user, state="interested")
    assert link not in client.get(f"/events/{event.pk}/").content
    register(event, user)
    assert link in client.get(f"/events/{event.pk}/").content
    client.force_login(organizer)
    assert link in client.get(f"/events/{event.pk}/").content


def test_cancel_event_notifies_registrants(client):
    organizer = new_user()
    event = make_event(organizer)
    a, b = new_user(), new_user()
    register(event, a)
    register(event, b, state="interested")
    client.force_login(organizer)
    assert client.get(f"/events/{event.pk}/cancel/").status_code == 200
    response = client.post(f"/events/{event.pk}/cancel/", {"reason": "Venue flooded"})
    assert response.status_code == 302
    assert fresh(event).state == "cancelled"
    notes = Notification.objects.filter(kind="event.cancelled")
    assert {n.recipient_id for n in notes} == {a.pk, b.pk}
    assert all("Venue flooded" in n.text for n in notes)
    assert client.post(f"/events/{event.pk}/cancel/", {"reason": ""}).status_code == 409


def test_co_organizer_can_edit_and_see_roster(client):
    organizer, helper = new_user(), new_user()
    event = make_event(organizer)
    client.force_login(organizer)
    response = client.post(f"/events/{event.pk}/organizers/", {"handle": helper.profile.handle})
    assert response.status_code == 302
    assert EventOrganizer.objects.filter(event=event, user=helper).exists()
    assert (
        client.post(f"/events/{event.pk}/organizers/", {"handle": "no-such-member"}).status_code
        == 422
    )
    client.force_login(helper)
    assert client.get(f"/events/{event.pk}/edit/").status_code == 200
    assert client.get(f"/events/{event.pk}/roster/").status_code == 200
    response = client.post(f"/events/{event.pk}/organizers/{helper.profile.handle}/remove/")
    assert response.status_code == 302
    assert client.get(f"/events/{event.pk}/edit/").status_code == 403


def test_edit_changes_time_and_tells_registrants(client):
    organizer = new_user()
    event = make_event(organizer)
    user = new_user()
    register(event, user)
    client.force_login(organizer)
    data = event_form(title=event.title, time_zone="UTC")
    response = client.post(f"/events/{event.pk}/edit/", data)
    assert response.status_code == 302, response.content
    assert Notification.objects.filter(recipient=user, kind="event.update").exists()


def test_roster_csv_neutralises_formulas(client):
    organizer = new_user()
    event = make_event(organizer)
    evil = new_user(display_name='=HYPERLINK("http://x")', headline="+1 555")
    register(event, evil)
    register(event, new_user(), roster_visibility="hidden")
    client.force_login(organizer)
    response = client.get(f"/events/{event.pk}/roster.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "name"
    assert len(rows) == 3
    names = [row[0] for row in rows[1:]]
    assert '\'=HYPERLINK("http://x")' in names
    assert any(row[2] == "'+1 555" for row in rows[1:])
    client.force_login(evil)
    assert client.get(f"/events/{event.pk}/roster.csv").status_code == 403


def test_attendance_page(client):
    organizer = new_user()
    event = make_event(organizer)
    a, b = new_user(), new_user()
    register(event, a)
    register(event, b)
    client.force_login(organizer)
    assert client.post(f"/events/{event.pk}/attendance/", {"attended": [a.pk]}).status_code == 409
    make_ongoing(event)
    assert client.get(f"/events/{event.pk}/attendance/").status_code == 200
    response = client.post(f"/events/{event.pk}/attendance/", {"attended": [a.pk, "junk"]})
    assert response.status_code == 302
    states = dict(Registration.objects.filter(event=event).values_list("user_id", "state"))
    assert states == {a.pk: "attended", b.pk: "going"}


def test_my_events_sections(client):
    user = new_user()
    mine = make_event(user, title="My own draft", publish=False)
    going = make_event(title="Going to this")
    interested = make_event(title="Curious about this")
    past = make_event(title="Been there")
    register(going, user)
    register(interested, user, state="interested")
    register(past, user)
    make_past(past)
    client.force_login(user)
    pages = {
        section: client.get(f"/events/mine/?section={section}").content.decode()
        for section in ("organizing", "going", "interested", "past")
    }
    assert mine.title in pages["organizing"]
    assert going.title in pages["going"] and going.title not in pages["interested"]
    assert interested.title in pages["interested"]
    assert past.title in pages["past"] and past.title not in pages["going"]
    assert client.get("/events/mine/?section=bogus").status_code == 200


def test_discovery_filters(client):
    make_event(title="Chicago networking", city="Chicago")
    make_event(title="Online webinar", kind="webinar", is_online=True, city="")
    make_event(title="CME workshop", kind="workshop", cme_credits="2.5", city="Boston")
    make_past(make_event(title="Old news"))
    content = client.get("/events/").content.decode()
    assert "Chicago networking" in content and "Old news" not in content
    content = client.get("/events/?kind=webinar").content.decode()
    assert "Online webinar" in content and "Chicago networking" not in content
    content = client.get("/events/?where=online").content.decode()
    assert "Online webinar" in content and "CME workshop" not in content
    content = client.get("/events/?cme=on").content.decode()
    assert "CME workshop" in content and "Online webinar" not in content
    content = client.get("/events/?city=boston").content.decode()
    assert "CME workshop" in content and "Chicago networking" not in content
    junk = client.get("/events/?date_from=notadate&page=abc&kind=<script>")
    assert junk.status_code == 200


def test_discovery_date_range_in_viewer_zone(client):
    viewer = new_user()
    viewer.time_zone = "Asia/Tokyo"
    viewer.save(update_fields=["time_zone"])
    start = (timezone.now() + timedelta(days=20)).replace(
        hour=20, minute=0, second=0, microsecond=0
    )
    # 20:00 UTC is 05:00 the next day in Tokyo.
    make_event(title="Late UTC evening", starts_at=start)
    client.force_login(viewer)
    tokyo_day = (start + timedelta(hours=9)).date().isoformat()
    utc_day = start.date().isoformat()
    assert (
        "Late UTC evening"
        in client.get(f"/events/?date_from={tokyo_day}&date_to={tokyo_day}").content.decode()
    )
    assert (
        "Late UTC evening"
        not in client.get(f"/events/?date_from={utc_day}&date_to={utc_day}").content.decode()
    )


def test_shifts_page_for_volunteering(client):
    organizer = new_user()
    event = make_event(organizer, kind="volunteering", duration=timedelta(hours=6))
    client.force_login(organizer)
    e = fresh(event)  # created in UTC: the form's local times are UTC too
    data = {
        "title": "Morning triage",
        "starts_at": local((e.starts_at + timedelta(minutes=1)).replace(tzinfo=None)),
        "ends_at": local((e.starts_at + timedelta(hours=3)).replace(tzinfo=None)),
        "capacity": "3",
    }
    response = client.post(f"/events/{event.pk}/shifts/", data)
    assert response.status_code == 302, response.content
    assert e.shifts.count() == 1
    page = client.get(f"/events/{event.pk}/")
    assert b"Morning triage" in page.content


HOSTILE = ["\x00", "A" * 5000, "-1", "99999999999999999999999", "<script>", "../../", "2026-02-30"]


def test_hostile_form_and_query_values_never_500(client):
    organizer = new_user()
    event = make_event(organizer, kind="volunteering", capacity=2)
    client.force_login(organizer)
    for value in HOSTILE:
        for query in ("q", "kind", "date_from", "date_to", "where", "city", "specialty", "page"):
            assert client.get("/events/", {query: value}).status_code == 200
        assert client.get("/events/mine/", {"section": value, "page": value}).status_code == 200
        assert client.get(f"/events/{event.pk}/roster/", {"state": value}).status_code == 200
        for url, field in (
            ("/events/new/", "starts_at"),
            ("/events/new/", "time_zone"),
            ("/events/new/", "capacity"),
            (f"/events/{event.pk}/edit/", "cme_credits"),
            (f"/events/{event.pk}/shifts/", "starts_at"),
            (f"/events/{event.pk}/organizers/", "handle"),
            (f"/events/{event.pk}/cancel/", "reason"),
        ):
            response = client.post(url, {**event_form(), field: value})
            assert response.status_code < 500, (url, field, value[:20])
        for url, data in (
            (f"/events/{event.pk}/register/", {"state": value}),
            (f"/events/{event.pk}/register/", {"shift": value}),
            (f"/events/{event.pk}/register/", {"roster_visibility": value}),
            (f"/events/{event.pk}/register/visibility/", {"roster_visibility": value}),
            (f"/events/{event.pk}/attendance/", {"attended": value}),
        ):
            assert client.post(url, data).status_code < 500, (url, data)
    for bad_id in ("0", "99999999999999999999999"):
        assert client.get(f"/events/{bad_id}/").status_code == 404
