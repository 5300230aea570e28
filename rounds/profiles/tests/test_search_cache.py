"""Shared result pages of name and specialty searches (``profiles.search_cache``): the same
rows as the direct query for every viewer, shared between viewers, and never out of date
after a change to a profile or an account."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rounds.accounts.models import User
from rounds.core.pagination import paginate
from rounds.network.models import Block
from rounds.profiles.models import Specialty
from rounds.profiles.search_cache import directory_version
from rounds.profiles.selectors import MemberFilters, member_search_page, member_search_rows
from rounds.profiles.services import profile_update

from .factories import ProfileFactory

pytestmark = pytest.mark.django_db


def page(viewer, **filters):
    return member_search_page(viewer=viewer, filters=MemberFilters(**filters), page=1, size=20)


def direct(viewer, **filters):
    rows = member_search_rows(viewer=viewer, filters=MemberFilters(**filters))
    return [tuple(row) for row in paginate(rows, page=1, size=20).items]


def pks(result) -> list[int]:
    return [row[0] for row in result.items]


@pytest.fixture
def people():
    cardiology = Specialty.objects.order_by("pk").first()
    found = [
        ProfileFactory(display_name=name)
        for name in ("Ann Johnson", "Ben Wilson", "Cy Sonter", "Di Other")
    ]
    found[0].specialties.add(cardiology)
    found[3].specialties.add(cardiology)
    return found, cardiology


def test_cached_pages_list_what_the_direct_query_lists(people):
    _, cardiology = people
    viewer = ProfileFactory(display_name="Viewer").user
    for filters in (
        {"q": "son"},
        {"specialty": cardiology.slug},
        {"q": "son", "specialty": cardiology.slug},
    ):
        first = page(viewer, **filters)
        again = page(viewer, **filters)  # from the cached page
        assert [tuple(r) for r in first.items] == [tuple(r) for r in again.items]
        assert [tuple(r) for r in again.items] == direct(viewer, **filters), filters


def test_a_page_is_shared_and_the_second_viewer_runs_one_query(people):
    viewer, other = ProfileFactory().user, ProfileFactory().user
    page(viewer, q="son")
    with CaptureQueriesContext(connection) as queries:
        result = page(other, q="son")
    assert len(queries) == 1  # the viewer's check of the page's ids, no search
    assert pks(result) == [row[0] for row in direct(other, q="son")]


def test_changes_show_at_once(people):
    found, cardiology = people
    viewer = ProfileFactory().user
    before = directory_version()
    assert found[3].pk not in pks(page(viewer, q="son"))
    profile_update(actor=found[3].user, profile=found[3], changes={"display_name": "Di Sonata"})
    assert directory_version() != before
    assert found[3].pk in pks(page(viewer, q="son"))
    # a specialty added
    assert found[1].pk not in pks(page(viewer, specialty=cardiology.slug))
    profile_update(
        actor=found[1].user, profile=found[1], changes={"specialties": [cardiology.slug]}
    )
    assert found[1].pk in pks(page(viewer, specialty=cardiology.slug))
    # a new member
    newcomer = ProfileFactory(display_name="Eve Sonnenberg")
    assert newcomer.pk in pks(page(viewer, q="son"))
    # a deactivated account, saved or updated in bulk (the viewer's check drops it either way)
    found[0].user.is_active = False
    found[0].user.save()
    assert found[0].pk not in pks(page(viewer, q="son"))
    User.objects.filter(pk=newcomer.user_id).update(is_active=False)
    assert newcomer.pk not in pks(page(viewer, q="son"))
    assert pks(page(viewer, q="son")) == [row[0] for row in direct(viewer, q="son")]


def test_a_login_does_not_change_the_directory(people):
    viewer = ProfileFactory().user
    before = directory_version()
    from django.contrib.auth.models import update_last_login

    update_last_login(None, viewer)
    assert directory_version() == before


def test_blocks_apply_per_viewer(people):
    found, _ = people
    blocker, blocked_by_viewer, bystander = (ProfileFactory().user for _ in range(3))
    page(bystander, q="son")  # the shared page exists
    Block.objects.create(blocker=found[0].user, blocked=blocker)
    Block.objects.create(blocker=blocked_by_viewer, blocked=found[1].user)
    assert found[0].pk not in pks(page(blocker, q="son"))
    assert found[1].pk not in pks(page(blocked_by_viewer, q="son"))
    assert pks(page(blocker, q="son")) == [row[0] for row in direct(blocker, q="son")]
    # everyone else still sees both
    assert {found[0].pk, found[1].pk} <= set(pks(page(bystander, q="son")))


def test_pages_beyond_the_first_match_the_direct_query():
    viewer = ProfileFactory().user
    for i in range(7):
        ProfileFactory(display_name=f"Person Johnson {i:02d}")
    for number in (1, 2, 3, 4):
        result = member_search_page(
            viewer=viewer, filters=MemberFilters(q="son"), page=number, size=2
        )
        rows = member_search_rows(viewer=viewer, filters=MemberFilters(q="son"))
        expected = paginate(rows, page=number, size=2)
        assert [tuple(r) for r in result.items] == [tuple(r) for r in expected.items]
        assert result.has_next == expected.has_next
