"""The events API: create → publish → register → roster → attendance → cancel, lists."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from rounds.core.tests.api_client import ApiClient, api_as, assert_error
from rounds.events.models import Event, Registration

from .factories import fresh, make_event, make_ongoing, make_past, new_user, register

pytestmark = pytest.mark.django_db


def body(**overrides):
    start = timezone.now() + timedelta(days=5)
    data = {
        "title": "Sepsis workshop",
        "kind": "workshop",
        "description": "Hands-on *cases*.",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=3)).isoformat(),
        "time_zone": "Europe/Berlin",
        "city": "Berlin",
        "capacity": 2,
        "cme_credits": 3,
        "skills": ["Spanish"],
    }
    data.update(overrides)
    return data


def test_create_publish_read_update_cancel():
    organizer = new_user()
    api = api_as(organizer)
    response = api.post("/events", body())
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["state"] == "draft" and created["phase"] == "draft"
    assert "<em>cases</em>" in created["description_html"]
    assert created["cme_credits"] == "3.00"
    assert created["skills"] == ["spanish"]
    event_id = created["id"]
    assert_error(ApiClient().get(f"/events/{event_id}"), 404)  # drafts are the organizers'
    assert api.post(f"/events/{event_id}/publish").json()["state"] == "published"
    assert_error(api.post(f"/events/{event_id}/publish"), 409)
    public = ApiClient().get(f"/events/{event_id}").json()
    assert public["viewer"] is None and public["organizer"]["handle"] == organizer.profile.handle
    stranger = api_as(new_user())
    assert_error(stranger.patch(f"/events/{event_id}", {"title": "Mine now"}), 403)
    patched = api.patch(f"/events/{event_id}", {"title": "Sepsis workshop II", "capacity": None})
    assert patched.status_code == 200, patched.content
    assert patched.json()["capacity"] is None
    assert (
        api.post(f"/events/{event_id}/cancel", {"reason": "Speaker ill"}).json()["state"]
        == "cancelled"
    )
    assert_error(api.post(f"/events/{event_id}/cancel", {}), 409)


def test_create_validation():
    api = api_as(new_user())
    assert_error(api.post("/events", body(time_zone="Nowhere/City")), 422, "time_zone")
    past = (timezone.now() - timedelta(days=1)).isoformat()
    assert_error(api.post("/events", body(starts_at=past)), 422, "starts_at")
    assert_error(
        api.post("/events", body(ends_at=body()["starts_at"], starts_at=body()["ends_at"])),
        422,
        "ends_at",
    )
    assert_error(api.post("/events", body(specialties=["nope"])), 422, "specialties")
    assert_error(api.post("/events", body(city="", venue="")), 422, "venue")
    assert_error(api.post("/events", body(join_url="javascript:alert(1)")), 422, "join_url")
    assert_error(api.post("/events", body(group="no-such-group")), 422, "group")
    assert_error(api.post("/events", body(extra=1)), 422)
    assert_error(ApiClient().post("/events", body()), 401)
    assert not Event.objects.exists()


def test_naive_times_are_read_in_the_event_zone():
    api = api_as(new_user())
    start = (timezone.now() + timedelta(days=30)).replace(tzinfo=None, microsecond=0)
    response = api.post(
        "/events",
        body(starts_at=start.isoformat(), ends_at=(start + timedelta(hours=1)).isoformat()),
    )
    assert response.status_code == 201, response.content
    event = Event.objects.get()
    from zoneinfo import ZoneInfo

    assert event.starts_at == start.replace(tzinfo=ZoneInfo("Europe/Berlin"))


def test_registration_flow_waitlist_and_roster():
    organizer = new_user()
    event = make_event(organizer, capacity=1)
    a, b, c = new_user(), new_user(), new_user()
    api_a, api_b, api_c = api_as(a), api_as(b), api_as(c)
    assert_error(api_a.get(f"/events/{event.pk}/registration"), 404)
    assert (
        api_a.put(f"/events/{event.pk}/registration", {"state": "going"}).json()["state"] == "going"
    )
    assert_error(api_a.put(f"/events/{event.pk}/registration", {"state": "going"}), 409)
    waiting = api_b.put(
        f"/events/{event.pk}/registration", {"state": "going", "roster_visibility": "hidden"}
    ).json()
    assert waiting["state"] == "waitlisted"
    assert_error(api_c.get(f"/events/{event.pk}/roster"), 403)
    api_c.put(f"/events/{event.pk}/registration", {"state": "interested"})
    roster_c = api_c.get(f"/events/{event.pk}/roster").json()["items"]
    assert {row["member"]["handle"] for row in roster_c} == {
        a.profile.handle,
        c.profile.handle,
    }
    roster_org = api_as(organizer).get(f"/events/{event.pk}/roster").json()["items"]
    assert {row["member"]["handle"]: row["listed"] for row in roster_org}[b.profile.handle] is False
    assert api_a.delete(f"/events/{event.pk}/registration").json()["state"] == "cancelled"
    assert api_b.get(f"/events/{event.pk}/registration").json()["state"] == "going"
    detail = api_b.get(f"/events/{event.pk}").json()
    assert detail["viewer"]["registration_state"] == "going"
    assert detail["going_count"] == 1 and detail["waitlist_count"] == 0
    assert (
        api_b.patch(
            f"/events/{event.pk}/registration", {"roster_visibility": "registrants"}
        ).json()["roster_visibility"]
        == "registrants"
    )


def test_attendance_and_organizers():
    organizer, helper, member = new_user(), new_user(), new_user()
    event = make_event(organizer)
    register(event, member)
    api = api_as(organizer)
    added = api.post(f"/events/{event.pk}/organizers", {"handle": helper.profile.handle})
    assert added.status_code == 201
    assert_error(api.post(f"/events/{event.pk}/organizers", {"handle": helper.profile.handle}), 409)
    assert [r["handle"] for r in api.get(f"/events/{event.pk}/organizers").json()] == [
        helper.profile.handle
    ]
    helper_api = api_as(helper)
    url = f"/events/{event.pk}/attendance/{member.profile.handle}"
    assert_error(helper_api.put(url, {"attended": True}), 409)  # not started
    make_ongoing(event)
    assert helper_api.put(url, {"attended": True}).json()["state"] == "attended"
    assert_error(api_as(member).put(url, {"attended": True}), 403)
    assert (
        helper_api.delete(f"/events/{event.pk}/organizers/{helper.profile.handle}").status_code
        == 204
    )
    assert_error(helper_api.put(url, {"attended": False}), 403)


def test_lists_and_filters():
    me = new_user()
    going = make_event(title="Going one", city="Boston")
    make_event(title="Online one", is_online=True, city="", kind="webinar")
    draft = make_event(me, publish=False, title="My draft")
    register(going, me)
    anon = ApiClient().get("/events").json()
    titles = [e["title"] for e in anon["items"]]
    assert "Going one" in titles and "Online one" in titles and "My draft" not in titles
    assert [e["title"] for e in ApiClient().get("/events", {"online": "true"}).json()["items"]] == [
        "Online one"
    ]
    assert [e["title"] for e in ApiClient().get("/events", {"city": "boston"}).json()["items"]] == [
        "Going one"
    ]
    api = api_as(me)
    assert [
        e["id"] for e in api.get("/events/mine", {"section": "organizing"}).json()["items"]
    ] == [draft.pk]
    mine_going = api.get("/events/mine", {"section": "going"}).json()["items"]
    assert [e["id"] for e in mine_going] == [going.pk]
    assert mine_going[0]["viewer"]["registration_state"] == "going"
    make_past(going)
    assert [e["id"] for e in api.get("/events/mine", {"section": "past"}).json()["items"]] == [
        going.pk
    ]
    assert_error(ApiClient().get("/events/mine"), 401)


def test_shifts_api():
    organizer = new_user()
    event = make_event(organizer, kind="volunteering", duration=timedelta(hours=4))
    e = fresh(event)
    api = api_as(organizer)
    response = api.post(
        f"/events/{event.pk}/shifts",
        {
            "title": "Intake",
            "starts_at": e.starts_at.isoformat(),
            "ends_at": (e.starts_at + timedelta(hours=2)).isoformat(),
            "capacity": 1,
        },
    )
    assert response.status_code == 201, response.content
    shift_id = response.json()["id"]
    volunteer = new_user()
    assert_error(api_as(volunteer).put(f"/events/{event.pk}/registration", {}), 422, "shift")
    reg = api_as(volunteer).put(f"/events/{event.pk}/registration", {"shift": shift_id}).json()
    assert reg["state"] == "going" and reg["shift"] == shift_id
    assert_error(api.delete(f"/events/{event.pk}/shifts/{shift_id}"), 409)
    assert Registration.objects.filter(shift_id=shift_id).count() == 1
