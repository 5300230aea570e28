"""The follow-up reminder on the home page and its done / dismissed / pending state."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rounds.core.tests.api_client import api_as, assert_error
from rounds.events import preparation, services
from rounds.events.models import Registration
from rounds.events.tests.factories import attend, fresh, make_event, make_past, new_user, register

pytestmark = pytest.mark.django_db


def went_to(me: Any, *, title: str, ago: timedelta = timedelta(days=2), **kwargs: Any) -> Any:
    event = make_event(title=title, **kwargs)
    register(event, me)
    return make_past(event, ago=ago)


def home(client: Any) -> str:
    response = client.get(reverse("profiles:home"))
    assert response.status_code == 200
    return response.content.decode()


def test_reminder_lists_recent_events_i_went_to(client):
    """Events I went to (or attended) that ended in the last 30 days show, newest first; older
    ones, upcoming ones and ones I was only interested in do not."""
    me = new_user()
    went_to(me, title="Sepsis summit", ago=timedelta(days=2))
    attended = make_event(title="Wellness workshop")
    attend(attended, me)
    went_to(me, title="Ancient congress", ago=timedelta(days=31))
    upcoming = make_event(title="Future forum")
    register(upcoming, me)
    maybe = make_event(title="Maybe meetup")
    register(maybe, me, state="interested")
    make_past(maybe)
    client.force_login(me)
    html = home(client)
    assert "Follow up on your events" in html
    assert "Sepsis summit" in html and "Wellness workshop" in html
    for absent in ("Ancient congress", "Future forum", "Maybe meetup"):
        assert absent not in html
    titles = [row["title"] for row in api_as(me).get("/events/follow-ups").json()]
    assert sorted(titles) == ["Sepsis summit", "Wellness workshop"]


def test_no_reminder_section_without_follow_ups(client):
    """Nothing to follow up: no section at all."""
    client.force_login(new_user())
    assert "Follow up on your events" not in home(client)


def test_done_and_dismiss_from_the_home_page(client):
    """ "Done" and "Dismiss" post from the home page and come back to it; the reminder goes."""
    me = new_user()
    one = went_to(me, title="Sepsis summit")
    two = went_to(me, title="Handover huddle")
    client.force_login(me)
    url = reverse("events:follow_up", args=[one.pk])
    response = client.post(url, {"state": "done", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    response = client.post(
        reverse("events:follow_up", args=[two.pk]), {"state": "dismissed", "next": "/"}
    )
    assert response.status_code == 302
    html = home(client)
    assert "Sepsis summit" not in html and "Handover huddle" not in html
    assert Registration.objects.get(event=one, user=me).follow_up == "done"
    assert Registration.objects.get(event=two, user=me).follow_up == "dismissed"


def test_unsafe_next_is_ignored(client):
    """An off-site ``next`` falls back to the people-I-met page."""
    me = new_user()
    event = went_to(me, title="Sepsis summit")
    client.force_login(me)
    response = client.post(
        reverse("events:follow_up", args=[event.pk]),
        {"state": "done", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("events:met", args=[event.pk])


def test_follow_up_api_and_illegal_states(client):
    """GET/PUT the state; unknown states are 422; before the start it is a 409; cancelled or
    interested registrations are 403."""
    me = new_user()
    event = went_to(me, title="Sepsis summit")
    api = api_as(me)
    path = f"/events/{event.pk}/follow-up"
    assert api.get(path).json()["state"] == "pending"
    assert api.put(path, {"state": "done"}).json()["state"] == "done"
    assert api.get("/events/follow-ups").json() == []
    assert api.put(path, {"state": "pending"}).json()["state"] == "pending"
    assert [r["title"] for r in api.get("/events/follow-ups").json()] == ["Sepsis summit"]
    assert_error(api.put(path, {"state": "maybe"}), 422)
    upcoming = make_event()
    register(upcoming, me)
    assert_error(api.put(f"/events/{upcoming.pk}/follow-up", {"state": "done"}), 409)
    stranger = api_as(new_user())
    assert_error(stranger.put(path, {"state": "done"}), 403)
    client.force_login(new_user())
    assert (
        client.post(reverse("events:follow_up", args=[event.pk]), {"state": "done"}).status_code
        == 403
    )


def test_cancelled_events_are_not_reminded():
    """A cancelled event never asks for a follow-up."""
    me = new_user()
    event = make_event(title="Called off")
    register(event, me)
    services.event_cancel(actor=event.organizer, event=fresh(event), reason="Storm")
    make_past(event)
    assert api_as(me).get("/events/follow-ups").json() == []


def test_reminder_counts_people_marked():
    """The reminder says how many people I marked."""
    me, ana = new_user(), new_user()
    event = make_event(title="Sepsis summit")
    register(event, me)
    register(event, ana)
    make_past(event)
    preparation.met_mark(actor=me, event=fresh(event), other=ana)
    assert api_as(me).get("/events/follow-ups").json()[0]["met_count"] == 1


def test_events_i_can_no_longer_see_are_not_reminded():
    """An event hidden by moderation since drops out of the reminder."""
    from rounds.events.models import Event
    from rounds.moderation.registry import ModerationState

    me = new_user()
    event = went_to(me, title="Hidden later")
    Event.objects.filter(pk=event.pk).update(moderation_state=ModerationState.HIDDEN)
    assert api_as(me).get("/events/follow-ups").json() == []


def test_home_page_reminder_costs_constant_queries(client):
    """The reminder adds the same number of queries for one follow-up or three."""
    me = new_user()
    went_to(me, title="One")
    client.force_login(me)
    home(client)
    with CaptureQueriesContext(connection) as small:
        home(client)
    went_to(me, title="Two")
    went_to(me, title="Three")
    home(client)
    with CaptureQueriesContext(connection) as big:
        html = home(client)
    assert "Three" in html
    assert len(big.captured_queries) == len(small.captured_queries)


def test_seed_demo_gives_the_demo_member_a_goal_and_people_met(client):
    """``seed_demo`` leaves the demo member a goal for an upcoming event (who to meet ranks
    people) and two people met at a past event, one with a note."""
    from django.core.management import call_command

    from rounds.events.models import MetAttendee
    from rounds.profiles.management.commands.seed_demo import DEMO_EMAIL

    call_command("seed_demo", "--members", "40", "--seed", "5", stdout=None)
    from rounds.accounts.models import User

    demo = User.objects.get(email=DEMO_EMAIL)
    with_goal = Registration.objects.filter(user=demo).exclude(goal="").first()
    assert with_goal is not None and with_goal.goal_tags.count() == 2
    marks = list(MetAttendee.objects.filter(user=demo))
    assert len(marks) == 2 and any(mark.note for mark in marks)
    client.force_login(demo)
    page = client.get(reverse("events:prepare", args=[with_goal.event_id]))
    assert page.status_code == 200
    html = client.get(reverse("events:met", args=[marks[0].event_id])).content.decode()
    assert "Runs the sepsis bundle audit" in html
