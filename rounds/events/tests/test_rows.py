"""The compiled discovery rows (``rows.discover_page``) against the ORM selector
(``selectors.discover``): the same events, in the same order, with the same values, for
visitors and members (blocks both ways, private groups, the viewer's registration and
co-organizer flag), for every filter, on every page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from rounds.community.tests.factories import add_member, make_group
from rounds.core.pagination import paginate
from rounds.events import selectors, services
from rounds.events.models import Event
from rounds.events.rows import DISCOVER_ROWS, discover_page
from rounds.events.selectors import DiscoveryFilters
from rounds.network.services import block

from .factories import fresh, make_event, new_user, register

pytestmark = pytest.mark.django_db


def _expected(event: Event) -> dict[str, object]:
    profile = getattr(event.organizer, "profile", None) if event.organizer else None
    return {
        "pk": event.pk,
        "updated_at": event.updated_at,
        "title": event.title,
        "kind": event.kind,
        "state": event.state,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "time_zone": event.time_zone,
        "is_online": event.is_online,
        "venue": event.venue,
        "address": event.address,
        "city": event.city,
        "country": event.country,
        "join_url": event.join_url,
        "organizer_id": event.organizer_id,
        "organizer_handle": profile.handle if profile else None,
        "organizer_display_name": profile.display_name if profile else None,
        "group": (event.group.slug, event.group.name) if event.group else None,
        "organization": (event.organization.slug, event.organization.name)
        if event.organization
        else None,
        "capacity": event.capacity,
        "going_count": event.going_count,
        "waitlist_count": event.waitlist_count,
        "registration_deadline": event.registration_deadline,
        "cme_credits": event.cme_credits,
        "cancel_reason": event.cancel_reason,
        "viewer_state": getattr(event, "viewer_state", None),
        "viewer_co_organizer": bool(getattr(event, "viewer_co_organizer", False)),
        "kind_display": event.get_kind_display(),
        "is_full": event.is_full,
    }


_COMPUTED = {"group", "organization", "kind_display", "is_full"}


def _shown(row, names) -> dict[str, object]:
    return {
        **{name: getattr(row, name) for name in names if name not in _COMPUTED},
        "group": (row.group.slug, row.group.name) if row.group else None,
        "organization": (row.organization.slug, row.organization.name)
        if row.organization
        else None,
        "kind_display": row.get_kind_display(),
        "is_full": row.is_full,
    }


def _same(viewer, filters: DiscoveryFilters, *, size: int = 3) -> int:
    """Compare every page; return how many events the list has."""
    now = timezone.now()
    total = 0
    for number in range(1, 12):
        orm = paginate(
            selectors.discover(viewer=viewer, filters=filters, now=now), page=number, size=size
        )
        fast = discover_page(viewer=viewer, filters=filters, page=number, size=size, now=now)
        expected = [_expected(event) for event in orm.items]
        names = list(expected[0]) if expected else []
        assert [_shown(row, names) for row in fast.items] == expected, (
            filters,
            number,
        )
        assert (fast.has_next, fast.number, fast.size) == (orm.has_next, orm.number, orm.size)
        total += len(orm.items)
        if not orm.has_next:
            return total
    raise AssertionError("more pages than expected")


def _owner(group):
    from rounds.community.models import GroupMembership

    return GroupMembership.objects.get(group=group, role="owner").user


@pytest.fixture
def world():
    from rounds.profiles.models import Interest, Specialty

    DISCOVER_ROWS.forget()
    viewer = new_user()
    specialty, other_specialty = Specialty.objects.order_by("pk")[:2]
    topic = Interest.objects.order_by("pk").first()
    public_group = make_group(visibility="public")
    private_group = make_group(visibility="private")
    add_member(private_group, viewer)
    closed_group = make_group(visibility="private")
    blocked_organizer, blocking_organizer = new_user(), new_user()
    block(actor=viewer, blocked=blocked_organizer)
    block(actor=blocking_organizer, blocked=viewer)
    events = [
        make_event(
            title="Cardiology summit",
            kind="conference",
            specialties=[specialty.slug],
            topics=[topic.slug],
            cme_credits="2.5",
            capacity=2,
            city="Chicago",
        ),
        make_event(title="Online sepsis webinar", kind="webinar", is_online=True),
        make_event(
            title="Free clinic day",
            kind="volunteering",
            skills=["Spanish"],
            city="Springfield",
            specialties=[other_specialty.slug],
            starts_in=timedelta(days=3),
        ),
        make_event(_owner(public_group), title="Public group rounds", group=public_group.slug),
        make_event(_owner(private_group), title="Private group rounds", group=private_group.slug),
        make_event(_owner(closed_group), title="Closed group rounds", group=closed_group.slug),
        make_event(blocked_organizer, title="By someone I blocked"),
        make_event(blocking_organizer, title="By someone who blocked me"),
        make_event(title="A draft", publish=False),
        make_event(title="Far ahead", starts_in=timedelta(days=40), city="chicago"),
        make_event(title="Tomorrow", starts_in=timedelta(days=1)),
    ]
    cancelled = make_event(title="Cancelled one", starts_in=timedelta(days=5))
    services.event_cancel(actor=cancelled.organizer, event=fresh(cancelled), reason="Storm")
    mine = make_event(viewer, title="Mine", starts_in=timedelta(days=2))
    co_organized = make_event(title="Co-organized")
    services.co_organizer_add(
        actor=co_organized.organizer, event=fresh(co_organized), handle=viewer.profile.handle
    )
    register(events[0], viewer)
    register(events[0], new_user())
    register(events[0], new_user())  # waitlisted: capacity 2
    register(events[1], viewer, state="interested")
    orphan = make_event(title="Organizer left", starts_in=timedelta(days=6))
    Event.objects.filter(pk=orphan.pk).update(organizer=None)
    from rounds.profiles.tests.factories import OrganizationFactory

    organization = OrganizationFactory(name="Riverside Community Hospital")
    if organization is not None:
        Event.objects.filter(pk=events[2].pk).update(organization=organization)
    return viewer, specialty, topic, mine


def test_compiled_rows_equal_the_selector_for_visitors_and_members(world):
    viewer, _specialty, _topic, _mine = world
    stranger = new_user()
    for who in (AnonymousUser(), viewer, stranger):
        _same(who, DiscoveryFilters())
        _same(who, DiscoveryFilters(), size=20)
    shown = {
        row.title
        for row in discover_page(viewer=viewer, filters=DiscoveryFilters(), page=1, size=50).items
    }
    assert "Private group rounds" in shown and "Closed group rounds" not in shown
    assert "By someone I blocked" not in shown and "By someone who blocked me" not in shown
    assert "A draft" not in shown and "Organizer left" in shown
    anonymous = {
        row.title
        for row in discover_page(
            viewer=AnonymousUser(), filters=DiscoveryFilters(), page=1, size=50
        ).items
    }
    assert "Private group rounds" not in anonymous and "By someone I blocked" in anonymous


def test_compiled_rows_equal_the_selector_for_every_filter(world):
    viewer, specialty, topic, _mine = world
    today = timezone.localdate()
    cases = [
        DiscoveryFilters(kind="conference"),
        DiscoveryFilters(kind="webinar"),
        DiscoveryFilters(date_from=today + timedelta(days=4)),
        DiscoveryFilters(date_to=today + timedelta(days=4)),
        DiscoveryFilters(date_from=today, date_to=today + timedelta(days=10)),
        DiscoveryFilters(city="CHICAGO"),
        DiscoveryFilters(city="  springfield "),
        DiscoveryFilters(city="Chi%"),
        DiscoveryFilters(city="   "),
        DiscoveryFilters(online=True),
        DiscoveryFilters(online=False),
        DiscoveryFilters(specialty=specialty.slug),
        DiscoveryFilters(specialty="no-such-specialty"),
        DiscoveryFilters(topic=topic.slug),
        DiscoveryFilters(topic="no-such-topic"),
        DiscoveryFilters(cme=True),
        DiscoveryFilters(skill="spanish"),
        DiscoveryFilters(skill="juggling"),
        DiscoveryFilters(q="rounds"),
        DiscoveryFilters(q=" Group "),
        DiscoveryFilters(q="100%_\\"),
        DiscoveryFilters(kind="conference", specialty=specialty.slug, cme=True, city="chicago"),
        DiscoveryFilters(online=False, q="a", date_from=today),
    ]
    for who in (AnonymousUser(), viewer):
        for filters in cases:
            _same(who, filters)
    assert _same(viewer, DiscoveryFilters(kind="conference", cme=True)) == 1
    assert _same(viewer, DiscoveryFilters(q="100%_\\")) == 0


@pytest.mark.parametrize("small_tag", [0, 3000], ids=["exists", "driven"])
def test_tag_filters_equal_the_selector_in_both_plan_shapes(world, monkeypatch, small_tag):
    """A specialty or topic filter gives the selector's rows whether it is planned from the
    tag's ids (a small tag, on PostgreSQL) or as ``EXISTS`` (a popular tag; SQLite)."""
    from rounds.events import rows

    viewer, specialty, topic, _mine = world
    monkeypatch.setattr(rows, "SMALL_TAG", small_tag)
    rows.DISCOVER_ROWS.forget()
    for who in (AnonymousUser(), viewer):
        for filters in (
            DiscoveryFilters(specialty=specialty.slug),
            DiscoveryFilters(topic=topic.slug),
            DiscoveryFilters(specialty=specialty.slug, topic=topic.slug, cme=True),
        ):
            _same(who, filters)


def test_compiled_rows_follow_writes(world):
    """Nothing is cached with the rows: a new registration, a block and an edit show at once."""
    viewer, _specialty, _topic, mine = world

    def titles() -> dict[str, object]:
        page = discover_page(viewer=viewer, filters=DiscoveryFilters(), page=1, size=50)
        return {row.title: row.viewer_state for row in page.items}

    before = titles()
    assert before["Tomorrow"] is None
    tomorrow = Event.objects.get(title="Tomorrow")
    register(tomorrow, viewer)
    assert titles()["Tomorrow"] == "going"
    block(actor=viewer, blocked=tomorrow.organizer)
    assert "Tomorrow" not in titles()
    services.event_update(actor=viewer, event=fresh(mine), changes={"title": "Mine, renamed"})
    assert "Mine, renamed" in titles() and "Mine" not in titles()


def test_list_api_items_equal_event_out(world, rf):
    """``schemas.event_row_out`` of a row is ``schemas.event_out`` of the event (the API list
    sends the first without validation: ``trusted_json``, checked against the schema in tests)."""
    from rounds.core.tests.api_client import api_as
    from rounds.events.schemas import LIST_ITEM_ABSENT, Urls, event_out, event_row_out

    viewer, _specialty, _topic, _mine = world
    staff = new_user()
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    request = rf.get("/api/v1/events")
    now = timezone.now()
    for who in (AnonymousUser(), viewer, staff):
        orm = list(selectors.discover(viewer=who, filters=DiscoveryFilters(), now=now))
        fast = discover_page(viewer=who, filters=DiscoveryFilters(), page=1, size=50, now=now)
        urls = Urls(request)
        assert [event_row_out(urls, row, who, now=now) for row in fast.items] == [
            {**event_out(request, event, who), **LIST_ITEM_ABSENT} for event in orm
        ]
    body = api_as(viewer).get("/events?page_size=50").json()
    by_title = {item["title"]: item for item in body["items"]}
    assert by_title["Cardiology summit"]["viewer"]["registration_state"] == "going"
    assert by_title["Co-organized"]["viewer"]["can_manage"] is True
    assert by_title["Mine"]["viewer"]["is_owner"] is True
    assert by_title["Cardiology summit"]["organizer"]["url"].startswith("http://testserver/")


def test_urls_quote_unusual_handles_like_reverse(rf):
    from django.urls import reverse

    from rounds.events.schemas import Urls

    request = rf.get("/")
    urls = Urls(request)
    for handle in ("plain-handle_1", "ünïcode", "with space", "q?x#"):
        assert urls.member(handle) == request.build_absolute_uri(
            reverse("profiles:detail", args=[handle])
        )
    assert urls.event(42) == request.build_absolute_uri(reverse("events:detail", args=[42]))
