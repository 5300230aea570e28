"""Query counts of the notification list page and API: the same for 3 and 25 items (no N+1),
with actors' avatars shown."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rounds.core.tests.api_client import api_as
from rounds.notifications.models import Kind
from rounds.notifications.tests.factories import note
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db

SMALL, LARGE = 3, 25


@pytest.fixture(autouse=True)
def _page_size(settings):
    settings.NOTIFICATIONS_PAGE_SIZE = 30


def grow(recipient, count: int) -> None:
    """``count`` notifications, each from a different member with a profile."""
    for i in range(count):
        actor = ProfileFactory().user
        note(
            recipient,
            kind=Kind.CONNECTION_REQUEST,
            text=f"Member {i} asked to connect",
            actor=actor,
        )


def queries_of(call) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries)


def test_list_page_query_count_is_constant(client):
    """/notifications/ costs the same for 3 and 25 notifications (and with ?show=unread)."""
    me = ProfileFactory().user
    client.force_login(me)
    url = reverse("notifications:list")
    counts = []
    for added in (SMALL, LARGE - SMALL):
        grow(me, added)
        counts.append(queries_of(lambda: client.get(url)))
        assert queries_of(lambda: client.get(url + "?show=unread")) == counts[-1]
    assert counts[0] == counts[1], counts
    # session, user, profile (with both badge counts), the page of notifications
    assert counts[0] <= 4, counts


def test_list_page_htmx_fragment_query_count_is_constant(client):
    """The htmx fragment (with the bell out of band) costs the same at both sizes."""
    me = ProfileFactory().user
    client.force_login(me)
    url = reverse("notifications:list")
    counts = []
    for added in (SMALL, LARGE - SMALL):
        grow(me, added)
        counts.append(queries_of(lambda: client.get(url, headers={"HX-Request": "true"})))
    assert counts[0] == counts[1], counts


def test_api_list_query_count_is_constant():
    """GET /notifications costs the same for 3 and 25 items."""
    me = ProfileFactory().user
    api = api_as(me)
    api.get("/notifications/unread-count")  # the token's first use stamps last_used_at
    counts = []
    for added in (SMALL, LARGE - SMALL):
        grow(me, added)
        counts.append(queries_of(lambda: api.get("/notifications", {"limit": 100})))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 2, counts  # the token, the page


def test_preferences_page_and_api_cost_a_fixed_number_of_queries(client):
    """The preferences page and endpoint read all kinds in one query."""
    me = ProfileFactory().user
    client.force_login(me)
    page = queries_of(lambda: client.get(reverse("notifications:preferences")))
    assert page <= 4, page
    api = api_as(me)
    api.get("/notifications/unread-count")
    assert queries_of(lambda: api.get("/notifications/preferences")) <= 2
