"""The discovery list read through cached candidates (``events/list_cache.py``): every change
shows at once, for every viewer, and the page is always the direct query's.

Most tests warm the candidates with a small page and no spare candidates (``SPARE = 0``), so
the cached list is cut right after the page: an event that should enter the page but is not
among the cached candidates (a missed invalidation) is missing from the next read. Each
read is compared with the ORM selector (``selectors.discover``) and with the direct compiled
query, and checks the one change the test made."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rounds.community import services as groups
from rounds.community.tests.factories import add_member, make_group
from rounds.core.pagination import paginate
from rounds.events import list_cache, selectors, services
from rounds.events.models import Event, EventSkill
from rounds.events.rows import DISCOVER_ROWS, discover_page
from rounds.events.selectors import DiscoveryFilters
from rounds.moderation import services as moderation
from rounds.network.services import block, unblock

from .factories import fresh, make_event, new_user, register

pytestmark = pytest.mark.django_db

SIZE = 2


@pytest.fixture(autouse=True)
def _no_spare(monkeypatch):
    monkeypatch.setattr(list_cache, "SPARE", 0)
    DISCOVER_ROWS.forget()


def _page(viewer, filters=None, *, page=1, now=None, size=SIZE):
    """The cached read, after checking it against the ORM and the direct compiled query."""
    filters = filters or DiscoveryFilters()
    now = now or timezone.now()
    if viewer.is_authenticated:  # a new object: the ORM keeps blocks on the viewer's
        viewer = type(viewer).objects.get(pk=viewer.pk)
    fast = discover_page(viewer=viewer, filters=filters, page=page, size=size, now=now)
    direct = discover_page(
        viewer=viewer, filters=filters, page=page, size=size, now=now, use_list_cache=False
    )
    orm = paginate(
        selectors.discover(viewer=viewer, filters=filters, now=now), page=page, size=size
    )
    shown = [
        (row.pk, row.title, row.going_count, row.viewer_state, row.viewer_co_organizer)
        for row in fast.items
    ]
    assert shown == [
        (row.pk, row.title, row.going_count, row.viewer_state, row.viewer_co_organizer)
        for row in direct.items
    ]
    assert [row.pk for row in fast.items] == [event.pk for event in orm.items]
    assert [getattr(e, "viewer_state", None) for e in orm.items] == [
        row.viewer_state for row in fast.items
    ]
    assert fast.has_next == orm.has_next == direct.has_next
    return fast


def _titles(viewer, filters=None, **kwargs) -> list[str]:
    return [row.title for row in _page(viewer, filters, **kwargs).items]


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


@pytest.fixture
def listed():
    """Four upcoming events, one a day from tomorrow (the first page shows two)."""
    return [
        make_event(title=f"Day {day}", starts_in=timedelta(days=day, hours=1))
        for day in (1, 2, 3, 4)
    ]


def test_a_warm_list_reads_only_the_viewers_rows(listed):
    """The first read computes the candidates (one statement) and reads the page by id; the
    next reads only the page; a visitor's and a member's pages share the candidates."""
    viewer = new_user()

    def read(who):
        return discover_page(viewer=who, filters=DiscoveryFilters(), page=1, size=SIZE)

    assert _queries(lambda: read(AnonymousUser())) == 2
    assert _queries(lambda: read(AnonymousUser())) == 1
    assert _queries(lambda: read(viewer)) == 1
    assert _titles(viewer) == ["Day 1", "Day 2"]
    # A deep page needs more rows than are cached: the direct query.
    assert (
        _queries(lambda: discover_page(viewer=viewer, filters=DiscoveryFilters(), page=60, size=2))
        == 1
    )


# --- what enters the list: the events version ---------------------------------------------------


def test_a_new_event_shows_at_once(listed):
    viewer = new_user()
    assert _titles(viewer) == ["Day 1", "Day 2"]
    make_event(title="Sooner", starts_in=timedelta(hours=5))
    assert _titles(viewer) == ["Sooner", "Day 1"]
    assert _titles(AnonymousUser()) == ["Sooner", "Day 1"]


def test_a_published_draft_shows_at_once(listed):
    viewer = new_user()
    draft = make_event(title="Draft first", starts_in=timedelta(hours=5), publish=False)
    assert _titles(viewer) == ["Day 1", "Day 2"]
    services.event_publish(actor=draft.organizer, event=fresh(draft))
    assert _titles(viewer) == ["Draft first", "Day 1"]


def test_an_edit_that_moves_an_event_earlier_shows_at_once(listed):
    viewer = new_user()
    assert _titles(viewer) == ["Day 1", "Day 2"]
    last = listed[-1]
    starts = timezone.now() + timedelta(hours=3)
    services.event_update(
        actor=last.organizer,
        event=fresh(last),
        changes={"starts_at": starts, "ends_at": starts + timedelta(hours=2)},
    )
    assert _titles(viewer) == ["Day 4", "Day 1"]


def test_an_edit_into_a_filter_shows_at_once(listed):
    """A renamed title now matching the search; a city, a kind; new specialties and skills."""
    from rounds.profiles.models import Specialty

    viewer = new_user()
    specialty = Specialty.objects.order_by("pk").first()
    by_title = DiscoveryFilters(q="nephrology")
    by_specialty = DiscoveryFilters(specialty=specialty.slug)
    by_skill = DiscoveryFilters(skill="spanish")
    by_city = DiscoveryFilters(city="Springfield")
    for filters in (by_title, by_specialty, by_skill, by_city):
        assert _titles(viewer, filters) == []
    event = listed[2]
    services.event_update(
        actor=event.organizer, event=fresh(event), changes={"title": "Nephrology update"}
    )
    assert _titles(viewer, by_title) == ["Nephrology update"]
    fresh(event).specialties.add(specialty)
    assert _titles(viewer, by_specialty) == ["Nephrology update"]
    services.event_update(actor=event.organizer, event=fresh(event), changes={"skills": "Spanish"})
    assert _titles(viewer, by_skill) == ["Nephrology update"]
    EventSkill.objects.filter(event=event).delete()
    assert _titles(viewer, by_skill) == []
    EventSkill.objects.create(event=event, name="Spanish", slug="spanish")
    assert _titles(viewer, by_skill) == ["Nephrology update"]
    services.event_update(
        actor=event.organizer, event=fresh(event), changes={"city": "Springfield"}
    )
    assert _titles(viewer, by_city) == ["Nephrology update"]


def test_what_leaves_the_list_leaves_at_once(listed):
    """Cancelled, deleted, hidden by the moderators."""
    viewer, staff = new_user(), new_user()
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    assert _titles(viewer) == ["Day 1", "Day 2"]
    services.event_cancel(actor=listed[0].organizer, event=fresh(listed[0]), reason="Storm")
    assert _titles(viewer) == ["Day 2", "Day 3"]
    Event.objects.get(pk=listed[1].pk).delete()
    assert _titles(viewer) == ["Day 3", "Day 4"]
    report = moderation.report_create(
        actor=viewer, kind="event", target_id=listed[2].pk, reason="spam"
    )
    moderation.report_act(actor=staff, report=report, action="hide", reason="Advertising")
    assert _titles(viewer) == ["Day 4"]
    assert _titles(AnonymousUser()) == ["Day 4"]


# --- what each viewer sees: applied per read ---------------------------------------------------


def test_registrations_change_counts_and_the_viewers_state_at_once(listed):
    viewer = new_user()
    assert [(r.going_count, r.viewer_state) for r in _page(viewer).items] == [(0, None), (0, None)]
    register(listed[0], viewer)
    register(listed[1], viewer, state="interested")
    register(listed[1])
    rows = _page(viewer).items
    assert [(r.going_count, r.viewer_state) for r in rows] == [(1, "going"), (1, "interested")]
    services.co_organizer_add(
        actor=listed[1].organizer, event=fresh(listed[1]), handle=viewer.profile.handle
    )
    assert [r.viewer_co_organizer for r in _page(viewer).items] == [False, True]


def test_blocks_either_way_apply_at_once(listed):
    viewer = new_user()
    assert _titles(viewer) == ["Day 1", "Day 2"]
    block(actor=viewer, blocked=listed[0].organizer)
    assert _titles(viewer) == ["Day 2", "Day 3"]
    block(actor=listed[1].organizer, blocked=viewer)
    assert _titles(viewer) == ["Day 3", "Day 4"]
    assert _titles(AnonymousUser()) == ["Day 1", "Day 2"]
    unblock(actor=viewer, blocked_id=listed[0].organizer.pk)
    assert _titles(viewer) == ["Day 1", "Day 3"]


def test_joining_and_leaving_a_private_group_apply_at_once(listed):
    viewer = new_user()
    group = make_group(visibility="private")
    from rounds.community.models import GroupMembership

    owner = GroupMembership.objects.get(group=group, role="owner").user
    make_event(owner, title="Members only", starts_in=timedelta(hours=5), group=group.slug)
    assert _titles(viewer) == ["Day 1", "Day 2"]
    add_member(group, viewer)
    assert _titles(viewer) == ["Members only", "Day 1"]
    assert _titles(AnonymousUser()) == ["Day 1", "Day 2"]
    groups.group_leave(actor=viewer, group=group)
    assert _titles(viewer) == ["Day 1", "Day 2"]
    groups.group_update(actor=owner, group=group, changes={"visibility": "public"})
    assert _titles(AnonymousUser()) == ["Members only", "Day 1"]


# --- time -----------------------------------------------------------------------------------------


def test_an_event_that_ends_leaves_at_once_and_the_list_stays_cached(listed):
    """Read just before and just after the first event's end: it leaves, the next event moves
    up, and the next read is again one statement (the candidates were read anew once)."""
    viewer = new_user()
    first_end = fresh(listed[0]).ends_at
    before = first_end - timedelta(seconds=1)
    after = first_end + timedelta(seconds=1)
    assert _titles(viewer, now=before) == ["Day 1", "Day 2"]
    assert _titles(viewer, now=after) == ["Day 2", "Day 3"]

    def read():
        discover_page(viewer=viewer, filters=DiscoveryFilters(), page=1, size=SIZE, now=after)

    assert _queries(read) == 1


def test_an_earlier_now_never_reads_later_candidates(listed):
    """Candidates computed for a later instant lack events that ended before it."""
    viewer = new_user()
    first_end = fresh(listed[0]).ends_at
    assert _titles(viewer, now=first_end + timedelta(minutes=1)) == ["Day 2", "Day 3"]
    assert _titles(viewer, now=first_end - timedelta(minutes=1)) == ["Day 1", "Day 2"]


def test_a_viewer_who_cannot_see_the_candidates_gets_the_direct_query(listed):
    """With no spare candidates, a viewer who blocked the first organizer needs a row beyond
    them: the direct query answers (exact), and the shared entry is left as it is."""
    viewer = new_user()
    assert _titles(AnonymousUser()) == ["Day 1", "Day 2"]
    block(actor=viewer, blocked=listed[0].organizer)

    def read():
        discover_page(viewer=viewer, filters=DiscoveryFilters(), page=1, size=SIZE)

    assert _queries(read) == 2  # the by-id read fell short, then the direct query
    assert _titles(viewer) == ["Day 2", "Day 3"]


def test_every_page_and_filter_equals_the_direct_query(listed):
    viewer = new_user()
    for day in range(5, 12):
        make_event(title=f"More {day}", starts_in=timedelta(days=day), kind="webinar")
    for filters in (
        DiscoveryFilters(),
        DiscoveryFilters(kind="webinar"),
        DiscoveryFilters(q="day"),
    ):
        for who in (AnonymousUser(), viewer):
            number = 1
            while _page(who, filters, page=number).has_next:
                number += 1


# --- through the pages ----------------------------------------------------------------------------


def test_the_page_and_the_api_show_a_new_event_and_a_registration_at_once(client, listed):
    from rounds.core.tests.api_client import api_as

    viewer = new_user()
    client.force_login(viewer)
    api = api_as(viewer)
    assert "Sooner" not in client.get("/events/").content.decode()
    assert "Sooner" not in [item["title"] for item in api.get("/events").json()["items"]]
    sooner = make_event(title="Sooner", starts_in=timedelta(hours=5))
    assert "Sooner" in client.get("/events/").content.decode()
    items = api.get("/events").json()["items"]
    assert items[0]["title"] == "Sooner" and items[0]["viewer"]["registration_state"] is None
    register(sooner, viewer)
    assert api.get("/events").json()["items"][0]["viewer"]["registration_state"] == "going"
    assert "You are going" in client.get("/events/").content.decode()


def test_the_pages_filters_follow_each_query_string(client, listed):
    """The cleaned filters are kept per query string (``views._discovery_data``): each query
    string reads its own, junk is ignored, and the language is part of the key."""
    make_event(title="Kidney webinar", kind="webinar", starts_in=timedelta(hours=5))
    webinars = client.get("/events/?kind=webinar").content.decode()
    conferences = client.get("/events/?kind=conference").content.decode()
    assert "Kidney webinar" in webinars and "Day 1" not in webinars
    assert "Kidney webinar" not in conferences
    again = client.get("/events/?kind=webinar&page=1").content.decode()
    assert "Kidney webinar" in again and "Day 1" not in again
    junk = client.get("/events/?kind=nonsense&date_from=yesterday&where=moon&page=x")
    assert junk.status_code == 200 and "Kidney webinar" in junk.content.decode()
