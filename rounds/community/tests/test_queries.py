"""Query counts of the group pages and list endpoints: constant in the number of rows shown
(no N+1), measured at two sizes (3 and 25 rows, the larger one filling a page)."""

from __future__ import annotations

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rounds.community.models import Group, GroupMembership, GroupTopic, Reply, Thread
from rounds.core.tests.api_client import api_as
from rounds.network.services import block
from rounds.profiles.models import Specialty
from rounds.profiles.tests.factories import ProfileFactory

from .factories import add_member, make_group

pytestmark = pytest.mark.django_db

SMALL, LARGE = 3, 25
MAX_QUERIES = 30


def _count(call) -> tuple[int, object]:
    with CaptureQueriesContext(db_connection) as queries:
        response = call()
    assert response.status_code == 200, response.content[:300]
    return len(queries), response


def _world(size: int):
    """A viewer in a group with ``size`` threads (some pinned), ``size`` replies quoting each
    other, ``size`` members, ``size`` other groups with topics and specialties, and a block."""
    viewer = ProfileFactory().user
    owner = ProfileFactory().user
    group = make_group(owner, topics=["sepsis", "icu"])
    add_member(group, viewer)
    now = timezone.now()
    authors = [add_member(group) for _ in range(size)]
    block(actor=viewer, blocked=add_member(group))
    for index, author in enumerate(authors):
        Thread.objects.create(
            group=group,
            author=author,
            title=f"Sepsis question {index}",
            body="Lactate?",
            last_activity_at=now,
            pinned=index % 5 == 0,
        )
    thread = Thread.objects.filter(group=group).first()
    previous = None
    for author in authors:
        previous = Reply.objects.create(
            thread=thread, author=author, body="Sepsis reply", quoted=previous
        )
    specialties = list(Specialty.objects.order_by("slug")[:2])
    for index in range(size):
        other = Group.objects.create(
            name=f"Group {index}", slug=f"group-{index}", visibility="public", member_count=1
        )
        GroupTopic.objects.create(group=other, name="topic")
        other.specialties.set(specialties)
        GroupMembership.objects.create(
            group=other, user=owner, role="owner", state="active", joined_at=now
        )
        GroupMembership.objects.create(group=other, user=viewer, state="invited")
    return viewer, group, thread


PAGES = {
    "directory": lambda g, t: reverse("community:directory"),
    "group": lambda g, t: reverse("community:group", args=[g.slug]),
    "thread": lambda g, t: reverse("community:thread", args=[g.slug, t.pk]),
    "members": lambda g, t: reverse("community:members", args=[g.slug]),
    "search": lambda g, t: reverse("community:search") + "?q=sepsis",
    "group_search": lambda g, t: reverse("community:group_search", args=[g.slug]) + "?q=sepsis",
    "invitations": lambda g, t: reverse("community:invitations"),
}
ENDPOINTS = {
    "groups": lambda g, t: "/groups",
    "invitations": lambda g, t: "/groups/invitations",
    "search": lambda g, t: "/groups/search?q=sepsis",
    "group": lambda g, t: f"/groups/{g.slug}",
    "threads": lambda g, t: f"/groups/{g.slug}/threads",
    "replies": lambda g, t: f"/groups/{g.slug}/threads/{t.pk}/replies",
    "members": lambda g, t: f"/groups/{g.slug}/members",
}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_page_queries_do_not_grow_with_rows(client, page):
    """Each page costs the same number of queries with 3 or 25 rows."""
    counts = []
    for size in (SMALL, LARGE):
        viewer, group, thread = _world(size)
        client.force_login(viewer)
        count, _ = _count(lambda: client.get(PAGES[page](group, thread)))
        counts.append(count)
        Group.objects.all().delete()
    assert counts[0] == counts[1], counts
    assert counts[1] <= MAX_QUERIES, counts


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_endpoint_queries_do_not_grow_with_rows(endpoint):
    """Each list endpoint costs the same number of queries with 3 or 25 rows."""
    counts = []
    for size in (SMALL, LARGE):
        viewer, group, thread = _world(size)
        api = api_as(viewer)
        path = ENDPOINTS[endpoint](group, thread)
        base, _, query = path.partition("?")
        params = dict(part.split("=") for part in query.split("&") if part)
        count, _response = _count(lambda: api.get(base, {**params, "page_size": 100}))
        counts.append(count)
        Group.objects.all().delete()
    assert counts[0] == counts[1], counts
    assert counts[1] <= MAX_QUERIES, counts
