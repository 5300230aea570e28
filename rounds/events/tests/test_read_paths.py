"""The events read paths' shortcuts (p1, bench): cached card bodies on the event lists and the
roster's two-step page. What a viewer sees must not change: the cached part of a card carries
nothing viewer-specific, and follows every change of what it shows; the roster keeps name
order."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection as db_connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import dateformat, timezone

from rounds.core.testing import clear_test_cache
from rounds.events import selectors, services
from rounds.events.access import access_event
from rounds.events.models import Event

from .factories import fresh, make_event, new_user, register

pytestmark = pytest.mark.django_db


def _list_as(user) -> str:
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get("/events/")
    assert response.status_code == 200
    return response.content.decode()


def test_cached_card_keeps_the_viewers_own_state_out():
    clear_test_cache()
    event = make_event(title="Cardiac imaging update")
    going, other = new_user(), new_user()
    register(event, going)
    assert "You are going" in _list_as(going)
    page = _list_as(other)
    assert "Cardiac imaging update" in page
    assert "You are going" not in page
    assert "You are going" not in _list_as(None)
    assert "You are going" in _list_as(going)


def test_cached_card_follows_what_it_shows():
    clear_test_cache()
    organizer = new_user()
    event = make_event(organizer, title="Old title", capacity=10)
    viewer = new_user()
    assert "1 going" not in _list_as(viewer)
    register(event, new_user())  # going_count is written with .update()
    assert "1 going" in _list_as(viewer)
    services.event_update(actor=organizer, event=fresh(event), changes={"title": "New title"})
    page = _list_as(viewer)
    assert "New title" in page and "Old title" not in page
    # a write that bypasses the services (and updated_at) is still seen
    Event.objects.filter(pk=event.pk).update(city="Springfield")
    assert "Springfield" in _list_as(viewer)


def test_cached_card_is_rendered_in_the_viewers_zone():
    clear_test_cache()
    starts = (timezone.now() + timedelta(days=7)).replace(
        hour=15, minute=0, second=0, microsecond=0
    )
    make_event(title="Zoned", time_zone="America/Chicago", starts_at=starts)
    tokyo = new_user()
    tokyo.time_zone = "Asia/Tokyo"
    tokyo.save(update_fields=["time_zone"])

    def shown(zone: str) -> str:
        return dateformat.format(timezone.localtime(starts, ZoneInfo(zone)), "D j M Y, H:i")

    utc_page = _list_as(new_user())
    tokyo_page = _list_as(tokyo)
    assert shown("UTC") in utc_page and shown("Asia/Tokyo") not in utc_page
    assert shown("Asia/Tokyo") in tokyo_page and shown("UTC") not in tokyo_page


def test_roster_page_is_in_name_order_in_two_queries():
    event = make_event()
    viewer = new_user(display_name="Mid Person")
    register(event, viewer)
    for name in ["Zed Last", "Amy First", "Bob Second", "Amy First", "Carl Third"]:
        register(event, new_user(display_name=name))
    event = access_event(viewer, event.pk)
    expected = list(
        selectors.roster(viewer=viewer, event=event).order_by("user__profile__display_name", "id")
    )
    pages = []
    for number in (1, 2, 3):
        with CaptureQueriesContext(db_connection) as queries:
            page = selectors.roster_page(viewer=viewer, event=event, page=number, size=2)
        assert len(queries) == 2, [q["sql"] for q in queries]
        pages.extend(page.items)
        assert page.has_next == (number < 3)
    assert [row.pk for row in pages] == [row.pk for row in expected]
    names = [row.user.profile.display_name for row in pages]
    assert names == sorted(names)
    with CaptureQueriesContext(db_connection) as queries:
        empty = selectors.roster_page(viewer=viewer, event=event, page=9, size=2)
    assert empty.items == [] and not empty.has_next and len(queries) == 1
