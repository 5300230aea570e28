"""The account and the navigation's row read together on page requests
(``rounds.core.navigation``): the header is right whatever the view wrote first, for members
without a profile too, and the API is untouched."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rounds.messaging.tests.factories import start
from rounds.profiles.tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

WAITING = "conversation waiting"


def test_the_badges_count_what_is_waiting(client):
    from rounds.network.tests.factories import connect

    ana, ben = ProfileFactory(), ProfileFactory()
    connect(ana.user, ben.user)
    first = start(ben.user, ana.user, body="Can you cover Friday's clinic?")
    client.force_login(ana.user)
    assert WAITING in client.get(reverse("network:home")).content.decode()
    from rounds.messaging.services import conversation_mark_read

    conversation_mark_read(actor=ana.user, conversation_id=first.conversation_id)
    assert WAITING not in client.get(reverse("network:home")).content.decode()


def test_a_write_in_the_request_makes_the_prefetched_row_stale(rf):
    """A view that writes before rendering gets the navigation read again, after its write."""
    from django.http import HttpResponse

    from rounds.accounts.backends import user_by_id
    from rounds.core.navigation import NavigationPrefetchMiddleware, prefetched
    from rounds.notifications.services import notify

    member, other = ProfileFactory(), ProfileFactory()
    seen = {}

    def view(request):
        user = user_by_id(member.user.pk)
        seen["before"] = prefetched(user.pk)
        notify(
            recipient_id=user.pk,
            kind="connection.accepted",
            text="Accepted.",
            url="/network/",
            actor_id=other.user.pk,
        )
        seen["after"] = prefetched(user.pk)
        return HttpResponse("ok")

    NavigationPrefetchMiddleware(view)(rf.get("/network/"))
    profile, counts = seen["before"]
    assert profile.pk == member.pk and counts == (0, 0, 0)
    assert seen["after"] is None
    # outside a page request (the API) nothing is prefetched
    NavigationPrefetchMiddleware(view)(rf.get("/api/v1/network/health"))
    assert seen["before"] is None


def test_a_page_reads_the_account_and_the_navigation_in_one_query(client):
    member = ProfileFactory()
    client.force_login(member.user)
    url = reverse("network:blocked")
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    navigation = [q for q in queries if "unread" in q["sql"].lower() or "read_at" in q["sql"]]
    assert len(navigation) == 1, [q["sql"][:120] for q in queries]
    assert member.display_name in response.content.decode()


def test_an_account_without_a_profile_gets_pages(client):
    user = UserFactory()
    client.force_login(user)
    response = client.get(reverse("network:home"), follow=True)
    assert response.status_code == 200


def test_api_requests_read_the_account_alone(client):
    member = ProfileFactory()
    client.force_login(member.user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/network/connection-counts")
    assert response.status_code == 200
    assert not [q for q in queries if "read_at" in q["sql"]]


def test_the_profile_pages_query_comes_with_the_account_and_stays_correct(client):
    """The profile page names its first query (``navigation_prefetch``): it is read with the
    account in one round trip, and its rows are used only for that page's own values and
    only while nothing was written."""
    from rounds.core.navigation import _CURRENT, Prefetch, prefetched_rows
    from rounds.network.services import block
    from rounds.profiles.access import PROFILE_PAGE

    viewer, other = ProfileFactory(), ProfileFactory()
    client.force_login(viewer.user)
    url = reverse("profiles:detail", args=[other.handle])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        body = client.get(url).content.decode()
    assert other.display_name in body
    # one query: the session, the account, navigation, profile and relationship
    assert len(queries) == 1, [q["sql"][:60] for q in queries]
    block(actor=other.user, blocked=viewer.user)  # the member now hides from the viewer
    assert client.get(url).status_code == 404

    state = Prefetch(
        extra=(viewer.user_id, PROFILE_PAGE, {"handle": "a", "viewer_id": 1, "now": 0})
    )
    state.extra_rows = [("row",)]
    token = _CURRENT.set(state)
    try:
        assert prefetched_rows(PROFILE_PAGE, handle="a", viewer_id=1, now=5) == [("row",)]
        assert prefetched_rows(PROFILE_PAGE, handle="b", viewer_id=1, now=5) is None
        assert prefetched_rows(object(), handle="a", viewer_id=1, now=5) is None
        state.wrote = True
        assert prefetched_rows(PROFILE_PAGE, handle="a", viewer_id=1, now=5) is None
    finally:
        _CURRENT.reset(token)


def test_a_warm_notifications_list_is_one_query_and_stays_current(client):
    """A warm notifications list: the session, the account, the navigation row and its first
    page of rows in one statement (``navigation_prefetch``; on PostgreSQL the page's rows come
    apart from the account's, ``core.compiled.rows_joined``). A new notification, the unread
    view and the next page are what they would be without it."""
    from rounds.notifications.services import notify

    me, other = ProfileFactory(), ProfileFactory()
    for n in range(3):
        notify(
            recipient_id=me.user_id,
            kind="connection.accepted",
            text=f"Accepted number {n}.",
            actor_id=other.user_id,
        )
    client.force_login(me.user)
    url = reverse("notifications:list")
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        body = client.get(url).content.decode()
    assert all(f"Accepted number {n}." in body for n in range(3))
    assert len(queries) == 1, [q["sql"][:60] for q in queries]
    notify(recipient_id=me.user_id, kind="connection.accepted", text="A new one.")
    assert "A new one." in client.get(url).content.decode()
    unread = client.get(url, {"show": "unread"}).content.decode()
    assert "A new one." in unread
