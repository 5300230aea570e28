"""Query counts of the event lists and pages: constant in the number of rows shown (no N+1),
measured at two sizes (3 and 20 rows, the larger one filling a page)."""

from __future__ import annotations

import pytest
from django.db import connection as db_connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rounds.community.tests.factories import make_group
from rounds.core.testing import clear_test_cache
from rounds.core.tests.api_client import api_as
from rounds.events import services
from rounds.events.models import Event
from rounds.network.services import block

from .factories import fresh, make_event, make_past, new_user, register

pytestmark = pytest.mark.django_db

SMALL, LARGE = 3, 20
MAX_QUERIES = 25


def _count(call) -> tuple[int, object]:
    clear_test_cache()
    with CaptureQueriesContext(db_connection) as queries:
        response = call()
    assert response.status_code == 200, response.content[:300]
    return len(queries), response


def _world(size: int):
    """A viewer; ``size`` upcoming events by different organizers (some in a group, some with
    CME, online), the viewer going to each, one event with ``size`` registrants (listed and
    hidden) and ``size`` past events the viewer attended; a blocked member."""
    viewer = new_user()
    group_owner = new_user()
    group = make_group(group_owner)
    block(actor=viewer, blocked=new_user())
    events = []
    for index in range(size):
        extra = {"group": group.slug} if index % 3 == 0 else {}
        if index % 2:
            extra["cme_credits"] = "1.5"
        event = make_event(
            group_owner if "group" in extra else None,
            title=f"Event {index}",
            is_online=index % 4 == 0,
            capacity=100,
            **extra,
        )
        register(event, viewer)
        events.append(event)
    big = events[0]
    for index in range(size):
        register(big, roster_visibility="hidden" if index % 3 == 0 else "registrants")
    organizer = big.organizer
    helper = new_user()
    services.co_organizer_add(actor=organizer, event=fresh(big), handle=helper.profile.handle)
    for index in range(size):
        past = make_event(title=f"Past {index}")
        register(past, viewer)
        make_past(past)
    return viewer, organizer, big


def _page_counts(path_of) -> tuple[int, int]:
    counts = []
    for size in (SMALL, LARGE):
        viewer, _organizer, big = _world(size)
        client = Client()
        client.force_login(viewer)
        count, _ = _count(lambda: client.get(path_of(big)))
        counts.append(count)
        Event.objects.all().delete()
    return counts[0], counts[1]


@pytest.mark.parametrize(
    "path_of",
    [
        lambda big: "/events/",
        lambda big: "/events/?cme=on&where=in_person",
        lambda big: "/events/mine/?section=going",
        lambda big: "/events/mine/?section=past",
        lambda big: f"/events/{big.pk}/",
        lambda big: f"/events/{big.pk}/roster/",
    ],
    ids=["discover", "discover-filtered", "mine-going", "mine-past", "detail", "roster"],
)
def test_member_pages_are_constant(path_of):
    small, large = _page_counts(path_of)
    assert small == large, (small, large)
    assert large <= MAX_QUERIES


@pytest.mark.parametrize(
    "page", ["roster", "roster.csv", "attendance"], ids=["roster", "csv", "attendance"]
)
def test_organizer_pages_are_constant(page):
    counts = []
    for size in (SMALL, LARGE):
        _viewer, organizer, big = _world(size)
        client = Client()
        client.force_login(organizer)
        suffix = f"{page}/" if page != "roster.csv" else page
        count, _ = _count(lambda: client.get(f"/events/{big.pk}/{suffix}"))
        counts.append(count)
        Event.objects.all().delete()
    assert counts[0] == counts[1], counts


def test_anonymous_discovery_is_constant():
    counts = []
    for size in (SMALL, LARGE):
        _world(size)
        count, _ = _count(lambda: Client().get("/events/"))
        counts.append(count)
        Event.objects.all().delete()
    assert counts[0] == counts[1] and counts[1] <= MAX_QUERIES, counts


@pytest.mark.parametrize(
    "path_of",
    [
        lambda big: "/events",
        lambda big: "/events/mine?section=going",
        lambda big: f"/events/{big.pk}",
        lambda big: f"/events/{big.pk}/roster",
    ],
    ids=["list", "mine", "detail", "roster"],
)
def test_endpoints_are_constant(path_of):
    counts = []
    for size in (SMALL, LARGE):
        viewer, _organizer, big = _world(size)
        api = api_as(viewer)
        count, _ = _count(lambda: api.get(path_of(big)))
        counts.append(count)
        Event.objects.all().delete()
    assert counts[0] == counts[1], counts
    assert counts[1] <= MAX_QUERIES


# --- e4 (bench): page size, and the discovery index range ------------------------------------


@pytest.mark.parametrize(
    "path_of",
    [
        lambda big: "/events",
        lambda big: "/events/mine?section=going",
        lambda big: "/events/mine?section=past",
        lambda big: f"/events/{big.pk}/roster",
        lambda big: f"/events/{big.pk}/who-to-meet",
        lambda big: "/events/recommended",
    ],
    ids=["list", "mine", "mine-past", "roster", "who-to-meet", "recommended"],
)
def test_endpoints_are_constant_in_page_size(path_of):
    """The same world read with 2 and with 20 items per page: the same number of queries."""
    viewer, _organizer, big = _world(LARGE)
    api = api_as(viewer)
    _count(lambda: api.get("/events/mine"))  # the token's first use writes last_used_at
    counts, lengths = [], []
    for size in (2, LARGE):
        joiner = "&" if "?" in path_of(big) else "?"
        parameter = "limit" if "recommended" in path_of(big) else "page_size"
        count, response = _count(lambda: api.get(f"{path_of(big)}{joiner}{parameter}={size}"))
        counts.append(count)
        body = response.json()
        lengths.append(len(body["items"] if isinstance(body, dict) else body))
    assert counts[0] == counts[1], counts
    assert counts[1] <= MAX_QUERIES
    assert lengths[0] <= 2 and lengths[0] <= lengths[1], lengths


def test_discovery_keeps_long_events_that_started_weeks_ago():
    """Discovery reads the (starts_at, id) index from ``now - MAX_DURATION`` on: an event of
    the longest allowed duration that started weeks ago and has not ended is still listed; one
    that ended is not."""
    from datetime import timedelta

    from django.utils import timezone

    from rounds.events.services import MAX_DURATION

    from .factories import move_event

    now = timezone.now()
    running = make_event(title="Month-long volunteering drive")
    move_event(
        running, starts_at=now - MAX_DURATION + timedelta(hours=2), ends_at=now + timedelta(hours=1)
    )
    ended = make_event(title="Ended yesterday")
    move_event(ended, starts_at=now - timedelta(days=20), ends_at=now - timedelta(days=1))
    body = Client().get("/events/").content.decode()
    assert "Month-long volunteering drive" in body
    assert "Ended yesterday" not in body
    titles = [item["title"] for item in api_as(new_user()).get("/events").json()["items"]]
    assert "Month-long volunteering drive" in titles and "Ended yesterday" not in titles


def test_discovery_filters_by_specialty_topic_and_skill():
    """The tag filters (``EXISTS`` on the link tables by the tag's id): only matching events,
    none for an unknown slug, on the page and in the API."""
    from rounds.profiles.models import Interest, Specialty

    specialty, other_specialty = Specialty.objects.order_by("pk")[:2]
    topic = Interest.objects.order_by("pk").first()
    assert topic is not None
    tagged = make_event(
        title="Tagged workshop",
        kind="volunteering",
        specialties=[specialty.slug],
        topics=[topic.slug],
        skills=["Spanish"],
    )
    make_event(title="Other event", specialties=[other_specialty.slug])
    api = api_as(new_user())
    for query, expected in (
        (f"specialty={specialty.slug}", ["Tagged workshop"]),
        (f"specialty={other_specialty.slug}", ["Other event"]),
        (f"topic={topic.slug}", ["Tagged workshop"]),
        ("skill=spanish", ["Tagged workshop"]),
        ("specialty=no-such-specialty", []),
        ("topic=no-such-topic", []),
        ("skill=juggling", []),
    ):
        titles = [item["title"] for item in api.get(f"/events?{query}").json()["items"]]
        assert titles == expected, (query, titles)
        body = Client().get(f"/events/?{query}").content.decode()
        assert ("Tagged workshop" in body) == ("Tagged workshop" in expected), query
    assert tagged.pk
