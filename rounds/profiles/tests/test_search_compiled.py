"""The directory's and search API's common shapes (name and/or specialty, a member browsing)
run as SQL compiled once per page shape (``selectors.member_search_page``); they must list
exactly what the ORM-built query lists."""

from __future__ import annotations

import pytest

from rounds.accounts.models import User
from rounds.core.pagination import paginate
from rounds.network.models import Block
from rounds.profiles.models import Profile, Specialty
from rounds.profiles.selectors import (
    MemberFilters,
    member_search_page,
    member_search_rows,
)

from .factories import ProfileFactory

pytestmark = pytest.mark.django_db


def _orm(viewer, filters, page, size):
    return paginate(member_search_rows(viewer=viewer, filters=filters), page=page, size=size)


def test_compiled_search_pages_match_the_orm_for_every_simple_shape():
    viewer = ProfileFactory(display_name="Viewer Person").user
    cardiology = Specialty.objects.order_by("pk").first()
    other = Specialty.objects.order_by("pk").last()
    names = [
        "Ann Johnson",
        "Ben Anderson",
        "Cy 50% Sonter",
        "Di Under_score",
        "Ed Back\\slash",
        "Flo Nobody",
        "Gus Sonnet",
    ]
    profiles = [ProfileFactory(display_name=name, headline="Clinician") for name in names]
    for profile in profiles[::2]:
        profile.specialties.add(cardiology)
    profiles[1].specialties.add(other)
    ProfileFactory(handle="sonja", display_name="Handle Match")  # exact handle, any case
    blocker = ProfileFactory(display_name="Blocking Johnson")
    blocker.specialties.add(cardiology)
    Block.objects.create(blocker=blocker.user, blocked=viewer)
    gone = ProfileFactory(display_name="Gone Johnson")
    User.objects.filter(pk=gone.user_id).update(is_active=False)

    cases = [
        MemberFilters(),
        MemberFilters(q="son"),
        MemberFilters(q="  SON "),
        MemberFilters(q="50%"),  # LIKE wildcards in the term match themselves
        MemberFilters(q="%"),
        MemberFilters(q="r_s"),
        MemberFilters(q="o_n"),  # as a wildcard it would match "Johnson"
        MemberFilters(q="under_"),
        MemberFilters(q="back\\s"),
        MemberFilters(q="SONJA"),
        MemberFilters(specialty=cardiology.slug),
        MemberFilters(q="son", specialty=cardiology.slug),
        MemberFilters(specialty="no-such-specialty"),
    ]
    for filters in cases:
        for page, size in ((1, 20), (1, 2), (2, 2), (3, 2)):
            fast = member_search_page(viewer=viewer, filters=filters, page=page, size=size)
            slow = _orm(viewer, filters, page, size)
            assert (list(fast.items), fast.has_next, fast.number) == (
                list(slow.items),
                slow.has_next,
                slow.number,
            ), (filters, page, size)
    # and they are not vacuous: the wildcard terms match only literally
    johnson = member_search_page(viewer=viewer, filters=MemberFilters(q="son"), page=1, size=20)
    listed = set(
        Profile.objects.filter(pk__in=[pk for pk, _ in johnson.items]).values_list(
            "display_name", flat=True
        )
    )
    assert {"Ann Johnson", "Ben Anderson", "Cy 50% Sonter", "Gus Sonnet"} <= listed
    assert not {"Blocking Johnson", "Gone Johnson"} & listed
    percent = member_search_page(viewer=viewer, filters=MemberFilters(q="50%"), page=1, size=20)
    assert [pk for pk, _ in percent.items] == [profiles[2].pk]
    assert (
        member_search_page(viewer=viewer, filters=MemberFilters(q="o_n"), page=1, size=20).items
        == []
    )


def test_a_slug_no_tag_can_have_is_refused_before_the_cache_and_the_database():
    """Filters arrive from query strings: a value no slug can be never becomes a cache key
    (memcached refuses control characters and spaces) nor a query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rounds.profiles.selectors import _tag_id

    real = Specialty.objects.order_by("pk").first()
    with CaptureQueriesContext(connection) as queries:
        for junk in ("à\x19£", "two words", "x" * 81, "", "cardio;drop"):
            assert _tag_id(Specialty, junk) is None
    assert len(queries) == 0
    assert _tag_id(Specialty, real.slug) == real.pk


def test_tag_ids_and_sizes_are_kept_per_process_once_read():
    """A filtered directory page reads the tag's id and size from this process's copy (no
    cache round trip) once it has read them; an unknown slug is never kept."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rounds.profiles.selectors import _tag_id, _tag_size

    real = Specialty.objects.order_by("pk").first()
    assert _tag_id(Specialty, real.slug) == real.pk
    size = _tag_size(Specialty, "specialties", real.pk)
    cache.delete(f"tag-id:{Specialty._meta.label_lower}:{real.slug}")
    cache.delete(f"tag-size:{Specialty._meta.label_lower}:{real.pk}")
    with CaptureQueriesContext(connection) as queries:
        assert _tag_id(Specialty, real.slug) == real.pk
        assert _tag_size(Specialty, "specialties", real.pk) == size
    assert len(queries) == 0
    assert _tag_id(Specialty, "no-such-specialty") is None
    assert _tag_id(Specialty, "no-such-specialty") is None  # asked again: nothing was kept
