"""Recommended for you: upcoming visible events ranked by specialties, goals, interests and
where the member's connections are going — page, API and the pure scoring."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rounds.core.tests.api_client import ApiClient, api_as
from rounds.events.models import Kind
from rounds.events.recommend import EventFacts, MemberFacts, score_event
from rounds.events.tests.factories import make_event, make_past, new_user, register
from rounds.network.tests.factories import connect
from rounds.profiles.models import Goal, Interest, Specialty

pytestmark = pytest.mark.django_db


def member_with(
    *,
    specialties: tuple[str, ...] = (),
    interests: tuple[str, ...] = (),
    goals: tuple[str, ...] = (),
    city: str = "",
    volunteering: bool = False,
) -> Any:
    user = new_user(city=city, open_to_volunteering=volunteering)
    user.profile.specialties.add(*Specialty.objects.filter(slug__in=specialties))
    user.profile.interests.add(*Interest.objects.filter(slug__in=interests))
    user.profile.goals.add(*Goal.objects.filter(slug__in=goals))
    return user


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["title"] for item in response.json()]


def test_pure_scoring_reasons():
    """Each signal adds its reason; more signals rank higher; no signal scores zero."""
    member = MemberFacts(
        specialties=frozenset({1}),
        interests=frozenset({10}),
        goal_interests=frozenset({11}),
        goal_names=("Leadership",),
        city="Chicago",
        open_to_volunteering=True,
    )
    names = {"specialty_names": {1: "Cardiology"}, "topic_names": {10: "Telehealth", 11: "QI"}}
    rich = score_event(
        member,
        EventFacts(
            event_id=1,
            title="Cardiology leadership day",
            kind=Kind.CONFERENCE,
            is_online=False,
            city="chicago",
            specialties=frozenset({1}),
            topics=frozenset({10, 11}),
            connections_going=3,
        ),
        **names,
    )
    assert rich.reasons[0] == "3 of your connections are going"
    assert "Cardiology, your specialty" in rich.reasons
    assert "Fits your goal QI" in rich.reasons
    plain = score_event(
        member,
        EventFacts(event_id=2, title="Other", kind=Kind.WEBINAR, is_online=True, city=""),
        **names,
    )
    assert plain.score == 0 and plain.reasons == ()
    titled = score_event(
        MemberFacts(goal_names=("Leadership",)),
        EventFacts(
            event_id=3, title="Leadership for residents", kind="workshop", is_online=True, city=""
        ),
        **names,
    )
    assert titled.reasons == ("Fits your goal Leadership",)
    volunteering = score_event(
        member,
        EventFacts(
            event_id=4, title="Free clinic", kind=Kind.VOLUNTEERING, is_online=True, city=""
        ),
        **names,
    )
    assert volunteering.reasons == ("You are open to volunteering",)


def test_recommendations_rank_and_explain(client):
    """Specialty, interest, goal-as-topic and connections going each recommend an event,
    with reasons; unrelated events are not recommended."""
    me = member_with(
        specialties=("cardiology",),
        interests=("telehealth",),
        goals=("quality-improvement",),
    )
    friends = [new_user() for _ in range(3)]
    for friend in friends:
        connect(me, friend)
    cardio = make_event(title="Heart failure update", specialties=["cardiology"])
    tele = make_event(title="Virtual visits", topics=["telehealth"])
    qi = make_event(title="QI bootcamp", topics=["quality-improvement"])
    popular = make_event(title="Friends night")
    for friend in friends:
        register(popular, friend)
    make_event(title="Unrelated")
    got = titles(api_as(me).get("/events/recommended"))
    assert got[0] == "Friends night"
    assert set(got) == {"Heart failure update", "Virtual visits", "QI bootcamp", "Friends night"}
    by_title = {item["title"]: item for item in api_as(me).get("/events/recommended").json()}
    assert by_title["Friends night"]["connections_going"] == 3
    assert "3 of your connections are going" in by_title["Friends night"]["reasons"]
    assert "Cardiology, your specialty" in by_title["Heart failure update"]["reasons"]
    assert "On Telehealth, one of your interests" in by_title["Virtual visits"]["reasons"]
    assert "Fits your goal Quality improvement" in by_title["QI bootcamp"]["reasons"]
    client.force_login(me)
    html = client.get(reverse("events:recommended")).content.decode()
    assert "Heart failure update" in html and "3 of your connections are going" in html
    assert "Unrelated" not in html
    assert cardio.pk and tele.pk and qi.pk


def test_excludes_what_the_member_cannot_or_need_not_see():
    """Past, draft, cancelled, organized-by-me, already-registered and moderated events, and
    events of organizers who blocked me, are never recommended."""
    from rounds.events import services
    from rounds.events.models import Event
    from rounds.events.tests.factories import fresh
    from rounds.moderation.registry import ModerationState
    from rounds.network.services import block

    me = member_with(specialties=("cardiology",))
    spec = {"specialties": ["cardiology"]}
    make_past(make_event(title="Past", **spec))
    make_event(title="Draft", publish=False, **spec)
    cancelled = make_event(title="Cancelled", **spec)
    services.event_cancel(actor=cancelled.organizer, event=fresh(cancelled), reason="x")
    make_event(me, title="Mine", **spec)
    registered = make_event(title="Registered", **spec)
    register(registered, me, state="interested")
    hidden = make_event(title="Moderated", **spec)
    Event.objects.filter(pk=hidden.pk).update(moderation_state=ModerationState.HIDDEN)
    blocker = new_user()
    make_event(blocker, title="Blocker's", **spec)
    block(actor=blocker, blocked=me)
    make_event(title="Visible", **spec)
    assert titles(api_as(me).get("/events/recommended")) == ["Visible"]


def test_private_group_events_only_for_members():
    """A private group's event is recommended to its members only."""
    from rounds.community.services import group_create, group_join

    owner = new_user()
    group = group_create(actor=owner, name="Cardiology circle", visibility="private")
    make_event(owner, title="Circle meetup", group=group.slug, specialties=["cardiology"])
    outsider = member_with(specialties=("cardiology",))
    assert titles(api_as(outsider).get("/events/recommended")) == []
    insider = member_with(specialties=("cardiology",))
    from rounds.community.services import request_approve

    group_join(actor=insider, group=group)
    request_approve(actor=owner, group=group, user=insider)
    assert titles(api_as(insider).get("/events/recommended")) == ["Circle meetup"]


def test_city_and_volunteering_recommend(client):
    """Same city (in person) and volunteering for members open to it recommend events."""
    me = member_with(city="Springfield", volunteering=True)
    make_event(title="Local meetup", city="Springfield")
    make_event(title="Clinic day", kind=Kind.VOLUNTEERING, city="Elsewhere")
    got = api_as(me).get("/events/recommended").json()
    reasons = {item["title"]: item["reasons"] for item in got}
    assert reasons["Local meetup"] == ["In Springfield"]
    assert reasons["Clinic day"] == ["You are open to volunteering"]


def test_visitors_and_empty_profiles():
    """Visitors get a 401 from the API; a member with nothing to go on gets an empty list and
    a pointer to their profile on the page."""
    assert ApiClient().get("/events/recommended").status_code == 401
    me = new_user()
    make_event(title="Anything")
    assert api_as(me).get("/events/recommended").json() == []


def test_recommended_queries_do_not_grow_with_events(client):
    """Ten or forty matching events (and more connections going): the same queries."""
    me = member_with(specialties=("cardiology",), interests=("telehealth",))
    friend = new_user()
    connect(me, friend)
    client.force_login(me)
    api = api_as(me)

    def add(n: int) -> None:
        for i in range(n):
            event = make_event(
                title=f"Event {i}",
                specialties=["cardiology"],
                topics=["telehealth"],
                starts_in=timedelta(days=i + 2),
            )
            register(event, friend)

    def measure() -> tuple[int, int]:
        client.get(reverse("events:recommended"))
        api.get("/events/recommended")
        with CaptureQueriesContext(connection) as page:
            assert client.get(reverse("events:recommended")).status_code == 200
        with CaptureQueriesContext(connection) as listing:
            assert api.get("/events/recommended").status_code == 200
        return len(page.captured_queries), len(listing.captured_queries)

    add(10)
    small = measure()
    add(30)
    assert measure() == small
