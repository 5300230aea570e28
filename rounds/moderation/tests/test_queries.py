"""Query counts of the moderation pages and list endpoints: the same at two data sizes, so
no list costs a query per row (the queue: one query for the page, one for its reasons, one
per kind of target, one for the authors)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rounds.core.tests.api_client import api_as
from rounds.moderation.models import Suspension
from rounds.moderation.services import report_act
from rounds.moderation.tests.factories import message_between, report, staff_member
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db

SMALL, LARGE = 2, 12
MAX_PAGE_QUERIES = 20
MAX_API_QUERIES = 14


@pytest.fixture
def staff():
    return staff_member().user


def grow(staff, count: int) -> int:
    """``count`` reported profiles and messages (two reports each), one decision each on the
    messages, one suspension per profile author; returns the id of one report."""
    first = 0
    for _ in range(count):
        reporter, other = ProfileFactory().user, ProfileFactory().user
        author = ProfileFactory()
        first = report(reporter, "profile", author.pk, reason="spam").pk
        report(other, "profile", author.pk, reason="harassment")
        message = message_between(author.user, reporter, body="Buy now")
        filed = report(reporter, "message", message.pk)
        report_act(actor=staff, report=filed, action="warn", reason="No ads")
        Suspension.objects.create(user=author.user, reason="Spam", created_by=staff)
        report(other, "profile", reporter.profile.pk, details="more")
    return first


def _count(call) -> int:
    call()  # warm up: a token's first use of the day records it
    with CaptureQueriesContext(connection) as queries:
        response = call()
    assert response.status_code == 200, response.content[:300]
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [
        reverse("moderation:queue"),
        reverse("moderation:queue") + "?state=all",
        reverse("moderation:log"),
        reverse("moderation:suspensions"),
        reverse("moderation:guard"),
    ],
)
def test_moderation_pages_cost_the_same_at_two_sizes(staff, url):
    """Queue, log, suspensions and guard pages: constant queries as rows grow."""
    client = Client()
    client.force_login(staff)
    grow(staff, SMALL)
    small = _count(lambda: client.get(url))
    grow(staff, LARGE - SMALL)
    large = _count(lambda: client.get(url))
    assert small == large <= MAX_PAGE_QUERIES, (small, large)


@pytest.mark.parametrize(
    "path", ["/moderation/queue", "/moderation/log", "/moderation/suspensions"]
)
def test_moderation_endpoints_cost_the_same_at_two_sizes(staff, path):
    """Queue, log and suspensions endpoints: constant queries as rows grow."""
    api = api_as(staff)
    grow(staff, SMALL)
    small = _count(lambda: api.get(path, {"state": "all"}))
    grow(staff, LARGE - SMALL)
    large = _count(lambda: api.get(path, {"state": "all"}))
    assert small == large <= MAX_API_QUERIES, (small, large)


def test_report_page_costs_the_same_with_more_reports(staff):
    """A report's page and endpoint: constant queries whatever the number of reports."""
    author = ProfileFactory()
    first = report(ProfileFactory().user, "profile", author.pk)
    client = Client()
    client.force_login(staff)
    url = reverse("moderation:report_detail", args=[first.pk])
    api = api_as(staff)
    small = (
        _count(lambda: client.get(url)),
        _count(lambda: api.get(f"/moderation/reports/{first.pk}")),
    )
    for _ in range(8):
        report(ProfileFactory().user, "profile", author.pk, details="again")
    large = (
        _count(lambda: client.get(url)),
        _count(lambda: api.get(f"/moderation/reports/{first.pk}")),
    )
    assert small == large, (small, large)
