"""Prepare: a registrant's private goal and goal tags, and who to meet — pages and API."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rounds.core.testing import clear_test_cache
from rounds.core.tests.api_client import api_as, assert_error
from rounds.events import preparation, services
from rounds.events.models import Registration, RosterVisibility
from rounds.events.selectors_prepare import who_to_meet_ranking
from rounds.events.tests.factories import fresh, make_event, new_user, register
from rounds.network.services import block
from rounds.network.tests.factories import connect
from rounds.profiles.models import Goal, Interest, Specialty
from rounds.profiles.tests.factories import AffiliationFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def with_traits(
    user: Any,
    *,
    goals: tuple[str, ...] = (),
    interests: tuple[str, ...] = (),
    specialties: tuple[str, ...] = (),
    organization: Any = None,
    headline: str | None = None,
) -> Any:
    profile = user.profile
    profile.goals.add(*Goal.objects.filter(slug__in=goals))
    profile.interests.add(*Interest.objects.filter(slug__in=interests))
    profile.specialties.add(*Specialty.objects.filter(slug__in=specialties))
    if headline is not None:
        profile.headline = headline
        profile.save(update_fields=["headline", "updated_at"])
    if organization is not None:
        AffiliationFactory(user=user, organization=organization)
    return user


@pytest.fixture
def world() -> dict[str, Any]:
    """An upcoming event; ``me`` going (cardiologist at St. Mary's) with a goal; attendees:
    a QI researcher elsewhere, a colleague, a hidden one, an interested one, one who blocked
    me, and one not registered at all."""
    home, elsewhere = OrganizationFactory(name="St. Mary's"), OrganizationFactory()
    event = make_event(title="Sepsis summit")
    me = with_traits(new_user(), specialties=("cardiology",), organization=home)
    register(event, me)
    qi = with_traits(
        new_user(display_name="Quinn Researcher"),
        goals=("quality-improvement",),
        headline="Sepsis outcomes researcher",
        organization=elsewhere,
    )
    register(event, qi)
    colleague = with_traits(
        new_user(display_name="Carla Colleague"), specialties=("cardiology",), organization=home
    )
    register(event, colleague)
    hidden = with_traits(new_user(display_name="Hidden Harriet"), goals=("quality-improvement",))
    register(event, hidden, roster_visibility=RosterVisibility.HIDDEN)
    interested = new_user(display_name="Ivan Interested")
    register(event, interested, state="interested")
    blocker = with_traits(new_user(display_name="Bob Blocker"), goals=("quality-improvement",))
    register(event, blocker)
    block(actor=blocker, blocked=me)
    outsider = new_user(display_name="Olga Outsider")
    preparation.goal_set(
        actor=me,
        event=fresh(event),
        goal="Meet people doing sepsis research",
        goal_tags=["quality-improvement"],
    )
    return {
        "event": fresh(event),
        "me": me,
        "qi": qi,
        "colleague": colleague,
        "hidden": hidden,
        "interested": interested,
        "blocker": blocker,
        "outsider": outsider,
    }


def names(response) -> list[str]:
    return [item["member"]["display_name"] for item in response.json()["items"]]


# --- goal -----------------------------------------------------------------------------------


def test_registrant_sets_goal_and_tags_through_the_page(client, world):
    """The prepare page saves the goal and tags, then shows them again (only to the member)."""
    me, event = world["me"], world["event"]
    client.force_login(me)
    url = reverse("events:prepare", args=[event.pk])
    response = client.post(
        url, {"goal": "Find a QI mentor", "goal_tags": ["find-a-mentor", "leadership"]}
    )
    assert response.status_code == 302
    registration = Registration.objects.get(event=event, user=me)
    assert registration.goal == "Find a QI mentor"
    assert sorted(registration.goal_tags.values_list("slug", flat=True)) == [
        "find-a-mentor",
        "leadership",
    ]
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Find a QI mentor" in html
    checked = re.findall(r'value="([a-z-]+)"\s+id="goal-tag-[a-z-]+"\s+checked', html)
    assert sorted(checked) == ["find-a-mentor", "leadership"]


def test_goal_through_the_api_and_validation(world):
    """PUT sets goal and tags; unknown tags, too many tags, too long text are 422 and change
    nothing; GET returns the goal."""
    api = api_as(world["me"])
    event = world["event"]
    path = f"/events/{event.pk}/goal"
    response = api.put(path, {"goal": "Meet two QI researchers", "goal_tags": ["leadership"]})
    assert response.status_code == 200, response.content
    assert response.json()["goal"] == "Meet two QI researchers"
    assert [t["slug"] for t in response.json()["goal_tags"]] == ["leadership"]
    assert_error(api.put(path, {"goal_tags": ["no-such-goal"]}), 422, "goal_tags")
    assert_error(api.put(path, {"goal_tags": [g.slug for g in Goal.objects.all()[:6]]}), 422)
    assert_error(api.put(path, {"goal": "x" * 1001}), 422)
    assert_error(api.put(path, {"goal": "x", "registration_id": 3}), 422)
    body = api.get(path).json()
    assert body["goal"] == "Meet two QI researchers"
    assert [t["slug"] for t in body["goal_tags"]] == ["leadership"]
    # Omitted parts stay as they are.
    assert api.put(path, {"goal": "Changed"}).json()["goal_tags"][0]["slug"] == "leadership"


def test_non_registrants_may_not_prepare_and_invisible_events_are_404(client, world):
    """Visible event, not registered (or only cancelled): 403 on page and API. A draft or a
    missing event: 404. Visitors are sent to sign in (page) or get a 401 (API)."""
    event, outsider = world["event"], world["outsider"]
    client.force_login(outsider)
    assert client.get(reverse("events:prepare", args=[event.pk])).status_code == 403
    api = api_as(outsider)
    assert_error(api.get(f"/events/{event.pk}/goal"), 403)
    assert_error(api.put(f"/events/{event.pk}/goal", {"goal": "x"}), 403)
    assert_error(api.get(f"/events/{event.pk}/who-to-meet"), 403)
    draft = make_event(publish=False)
    assert client.get(reverse("events:prepare", args=[draft.pk])).status_code == 404
    assert_error(api.get(f"/events/{draft.pk}/who-to-meet"), 404)
    assert_error(api.get("/events/999999999/goal"), 404)
    client.logout()
    assert client.get(reverse("events:prepare", args=[event.pk])).status_code == 302
    from rounds.core.tests.api_client import ApiClient

    assert ApiClient().get(f"/events/{event.pk}/who-to-meet").status_code == 401


def test_cancelled_registration_loses_preparation(world):
    """A member who cancelled their registration can no longer prepare (403)."""
    from rounds.events import services

    me, event = world["me"], world["event"]
    services.registration_cancel(actor=me, event=fresh(event))
    assert_error(api_as(me).get(f"/events/{event.pk}/who-to-meet"), 403)


def test_goal_on_a_cancelled_event_is_a_conflict(world):
    """Cancelled events keep the goal readable but refuse changes (409)."""
    from rounds.events import services

    event = world["event"]
    services.event_cancel(actor=event.organizer, event=fresh(event), reason="Storm")
    api = api_as(world["me"])
    assert_error(api.put(f"/events/{event.pk}/goal", {"goal": "x"}), 409)
    assert api.get(f"/events/{event.pk}/goal").status_code == 200


# --- who to meet -----------------------------------------------------------------------------


def test_who_to_meet_ranks_visible_attendees_with_reasons(world):
    """The QI researcher outside my organization comes first, with reasons; hidden attendees,
    members who blocked me and non-registrants never appear; the interested one does."""
    api = api_as(world["me"])
    response = api.get(f"/events/{world['event'].pk}/who-to-meet")
    assert response.status_code == 200, response.content
    items = response.json()["items"]
    shown = [item["member"]["display_name"] for item in items]
    assert shown[0] == "Quinn Researcher"
    assert set(shown) == {"Quinn Researcher", "Carla Colleague", "Ivan Interested"}
    first = items[0]
    assert "Also works on Quality improvement" in first["reasons"]
    assert "Outside your organization — a strategic contact" in first["reasons"]
    assert first["strategic"] is True and first["connected"] is False
    carla = next(i for i in items if i["member"]["display_name"] == "Carla Colleague")
    assert "Cardiology, like you" in carla["reasons"]
    assert carla["strategic"] is False and carla["same_organization"] is True


def test_who_to_meet_page_shows_the_same_people(client, world):
    """The page lists the same visible attendees, with reasons and the strategic badge."""
    client.force_login(world["me"])
    html = client.get(reverse("events:prepare", args=[world["event"].pk])).content.decode()
    assert "Quinn Researcher" in html and "Carla Colleague" in html
    assert "Also works on Quality improvement" in html
    assert "Strategic contact" in html
    for never in ("Hidden Harriet", "Bob Blocker", "Olga Outsider"):
        assert never not in html


def test_connections_are_marked(world):
    """An existing connection is marked as such."""
    connect(world["me"], world["colleague"])
    items = api_as(world["me"]).get(f"/events/{world['event'].pk}/who-to-meet").json()["items"]
    carla = next(i for i in items if i["member"]["display_name"] == "Carla Colleague")
    assert carla["connected"] is True
    assert "Already a connection" in carla["reasons"]


def test_hiding_or_cancelling_takes_effect_at_once_even_when_the_ranking_is_cached(world):
    """The ranking may be cached, who is shown is not: an attendee who hides themselves (or
    cancels, or blocks me) disappears on the next request."""
    from rounds.events import services

    me, event, qi = world["me"], world["event"], world["qi"]
    api = api_as(me)
    path = f"/events/{event.pk}/who-to-meet"
    assert "Quinn Researcher" in names(api.get(path))
    services.registration_set_visibility(
        actor=qi, event=fresh(event), roster_visibility=RosterVisibility.HIDDEN
    )
    assert "Quinn Researcher" not in names(api.get(path))
    services.registration_set_visibility(
        actor=qi, event=fresh(event), roster_visibility=RosterVisibility.REGISTRANTS
    )
    assert "Quinn Researcher" in names(api.get(path))
    services.registration_cancel(actor=world["colleague"], event=fresh(event))
    assert "Carla Colleague" not in names(api.get(path))
    block(actor=world["interested"], blocked=me)
    assert "Ivan Interested" not in names(api.get(path))


def test_changing_the_goal_recomputes_the_ranking(world):
    """A new goal (the registration's stamp) is ranked again, not served from the cache."""
    me, event = world["me"], world["event"]
    before = who_to_meet_ranking(viewer=me, event=fresh(event))
    preparation.goal_set(actor=me, event=fresh(event), goal="", goal_tags=[])
    after = who_to_meet_ranking(viewer=me, event=fresh(event))
    qi_before = next(s for s in before if s.user_id == world["qi"].pk)
    qi_after = next(s for s in after if s.user_id == world["qi"].pk)
    assert qi_after.score < qi_before.score


def test_new_registrants_appear_when_the_cached_ranking_expires(world):
    """Someone who registers after the ranking was computed is ranked once the cached ranking
    expires (``WHO_TO_MEET_SECONDS``), or at once when the member changes their goal."""
    from rounds.events import selectors_prepare

    api = api_as(world["me"])
    path = f"/events/{world['event'].pk}/who-to-meet"
    api.get(path)
    late = new_user(display_name="Lena Late")
    register(world["event"], late)
    assert "Lena Late" not in names(api.get(path))  # the cached ranking, for a while
    # as after WHO_TO_MEET_SECONDS: the shared entry and this process's copy expired
    selectors_prepare.cache.delete(f"events:whotomeet2:{world['event'].pk}:{world['me'].pk}")
    selectors_prepare._LOCAL_RANKINGS.clear()
    assert "Lena Late" in names(api.get(path))
    register(world["event"], new_user(display_name="Theo Later"))
    assert selectors_prepare.WHO_TO_MEET_SECONDS <= 300
    api.put(f"/events/{world['event'].pk}/goal", {"goal": "Meet Theo"})
    assert "Theo Later" in names(api.get(path))


def _add_attendees(event: Any, count: int, organization: Any) -> None:
    for i in range(count):
        user = with_traits(
            new_user(headline=f"Sepsis nurse {i}"),
            goals=("quality-improvement",),
            interests=("patient-safety",),
            specialties=("cardiology",),
            organization=organization,
        )
        register(event, user)


@pytest.mark.parametrize("interface", ["page", "api"])
def test_who_to_meet_queries_do_not_grow_with_attendees_or_page_size(client, world, interface):
    """Cold (ranking computed) and warm (cached) who-to-meet cost a constant number of
    queries: 5 or 40 attendees, page size 5 or 40."""
    me, event = world["me"], world["event"]
    client.force_login(me)
    api = api_as(me)

    def fetch(size: int) -> Any:
        if interface == "page":
            return client.get(reverse("events:prepare", args=[event.pk]))
        return api.get(f"/events/{event.pk}/who-to-meet", {"page_size": size})

    def count(size: int, *, cold: bool) -> int:
        if cold:
            clear_test_cache()
        fetch(size)  # sessions, tokens: not what is measured
        if cold:
            clear_test_cache()
        with CaptureQueriesContext(connection) as ctx:
            assert fetch(size).status_code == 200
        return len(ctx.captured_queries)

    _add_attendees(event, 5, OrganizationFactory())
    small_cold, small_warm = count(5, cold=True), count(5, cold=False)
    _add_attendees(event, 35, OrganizationFactory())
    big_cold, big_warm = count(40, cold=True), count(40, cold=False)
    assert big_cold == small_cold, (small_cold, big_cold)
    assert big_warm == small_warm, (small_warm, big_warm)
    assert small_warm < small_cold


def test_ranking_is_capped_and_paginated(world):
    """Pages of the ranking follow each other without repeats."""
    _add_attendees(world["event"], 12, OrganizationFactory())
    api = api_as(world["me"])
    path = f"/events/{world['event'].pk}/who-to-meet"
    first = api.get(path, {"page_size": 10}).json()
    second = api.get(path, {"page": 2, "page_size": 10}).json()
    assert first["has_next"] is True and second["has_next"] is False
    handles = [i["member"]["handle"] for i in first["items"] + second["items"]]
    assert len(handles) == len(set(handles)) == 15


# --- hostile text ---------------------------------------------------------------------------


def _assert_page_safe(html: str, what: str) -> None:
    """The main region holds no executable construct but the page's own forms."""
    from rounds.core.testing import executable_constructs

    main = html[html.index('<main id="main"') : html.index("</main>")]
    found = [item for item in executable_constructs(main) if item not in {"<form>", "<svg>"}]
    assert not found, f"{what}: {found}"
    assert main.count("<form") == main.count('<form method="'), what
    assert main.count("<svg") == main.count('<svg class="icon"'), what


def test_hostile_text_renders_inert_on_every_prepare_and_met_page(client):
    """Every payload of the shared corpus as the event title, an attendee's name, headline and
    organization, the member's goal and their met notes and goal reasons: the prepare, met,
    note, connect, recommended and home pages show no executable construct."""
    from rounds.core.tests.xss_corpus import XSS_PAYLOADS
    from rounds.events.models import Event, MetAttendee
    from rounds.events.tests.factories import make_past
    from rounds.profiles.models import Profile

    me = with_traits(new_user(), specialties=("cardiology",), goals=("quality-improvement",))
    event = make_event(title="Hostile night", specialties=["cardiology"])
    register(event, me)
    attendees = []
    for index, payload in enumerate(XSS_PAYLOADS):
        org = OrganizationFactory(name=payload[:200], slug=f"hostile-org-{index}")
        user = with_traits(new_user(), goals=("quality-improvement",), organization=org)
        Profile.objects.filter(user=user).update(display_name=payload[:120], headline=payload[:160])
        register(event, user)
        attendees.append(user)
        make_event(title=f"Other {index}", specialties=["cardiology"])
    Event.objects.filter(title__startswith="Other").update(title=XSS_PAYLOADS[0])
    make_past(event, ago=timedelta(hours=1))
    Event.objects.filter(pk=event.pk).update(title=XSS_PAYLOADS[1])
    goal = " ".join(XSS_PAYLOADS)[:1000]
    Registration.objects.filter(event=event, user=me).update(goal=goal)
    MetAttendee.objects.bulk_create(
        MetAttendee(event_id=event.pk, user=me, other=user, note=payload)
        for user, payload in zip(attendees, XSS_PAYLOADS, strict=True)
    )
    client.force_login(me)
    pages = [reverse("profiles:home"), reverse("events:recommended")]
    for page in range(1, 6):
        pages.append(reverse("events:prepare", args=[event.pk]) + f"?page={page}")
        pages.append(reverse("events:met", args=[event.pk]) + f"?page={page}")
    for user in attendees[:10]:
        handle = user.profile.handle
        pages.append(reverse("events:met_mark", args=[event.pk, handle]))
        pages.append(reverse("events:met_connect", args=[event.pk, handle]))
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_page_safe(response.content.decode(), url)


def test_event_page_links_registrants_to_prepare(client, world):
    """The event page offers "Set a goal and see who to meet" to registrants only."""
    event = world["event"]
    client.force_login(world["me"])
    html = client.get(reverse("events:detail", args=[event.pk])).content.decode()
    assert reverse("events:prepare", args=[event.pk]) in html
    assert reverse("events:met", args=[event.pk]) not in html  # not started yet
    client.force_login(world["outsider"])
    html = client.get(reverse("events:detail", args=[event.pk])).content.decode()
    assert reverse("events:prepare", args=[event.pk]) not in html
    client.logout()
    html = client.get(reverse("events:detail", args=[event.pk])).content.decode()
    assert reverse("events:prepare", args=[event.pk]) not in html


def test_discovery_links_to_recommendations(client, world):
    """The events list links signed-in members to their recommendations."""
    client.force_login(world["me"])
    assert reverse("events:recommended") in client.get(reverse("events:list")).content.decode()


def test_the_cached_prepare_page_follows_consent_blocks_profiles_and_the_goal(client, world):
    """The prepare page is cached whole per viewer; who is shown, their cards and the
    member's own goal still change at once: a member hiding themselves or blocking leaves
    the page, a renamed member's card follows, a new goal is in the form."""
    from rounds.profiles.services import profile_update

    me, event = world["me"], world["event"]
    client.force_login(me)
    path = f"/events/{event.pk}/prepare/"

    def page() -> str:
        response = client.get(path)
        assert response.status_code == 200
        return response.content.decode()

    first = page()
    assert "Quinn Researcher" in first and "Carla Colleague" in first
    services.registration_set_visibility(
        actor=world["colleague"], event=fresh(event), roster_visibility="hidden"
    )
    assert "Carla Colleague" not in page()
    profile_update(
        actor=world["qi"], profile=world["qi"].profile, changes={"display_name": "Quinn Renamed"}
    )
    assert "Quinn Renamed" in page()
    block(actor=world["qi"], blocked=me)
    assert "Quinn Renamed" not in page()
    preparation.goal_set(actor=me, event=fresh(event), goal="Find a co-author", goal_tags=[])
    assert "Find a co-author" in page()
