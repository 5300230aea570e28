"""The profile page reads the profile, its account and the viewer's relationship in one
compiled query (``access.access_profile_page``): the same profile and the same relationship
as ``access_profile_by_handle`` + ``relationship_between`` for every kind of tie, and the
same 404s."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rounds.core.errors import NotFound
from rounds.network.models import Block
from rounds.network.selectors import relationship_between
from rounds.network.services import connection_request_send, follow
from rounds.network.tests.factories import connect
from rounds.profiles.access import access_profile_by_handle, access_profile_page

from .factories import ProfileFactory

pytestmark = pytest.mark.django_db


def both(viewer, handle):
    profile, row = access_profile_page(viewer, handle)
    combined = relationship_between(viewer=viewer, other=profile.user, row=row)
    alone = access_profile_by_handle(viewer, handle)
    separate = relationship_between(viewer=viewer, other=alone.user)
    assert profile.pk == alone.pk and profile.user == alone.user
    assert profile.updated_at == alone.updated_at
    return combined, separate


def test_every_kind_of_tie_reads_the_same():
    viewer = ProfileFactory().user
    others = {
        name: ProfileFactory()
        for name in ("plain", "connected", "asked", "asking", "followed", "follower", "blocked")
    }
    connect(viewer, others["connected"].user)
    connection_request_send(actor=viewer, recipient=others["asked"].user)
    connection_request_send(actor=others["asking"].user, recipient=viewer)
    follow(actor=viewer, followee=others["followed"].user)
    follow(actor=others["follower"].user, followee=viewer)
    Block.objects.create(blocker=viewer, blocked=others["blocked"].user)
    for name, other in others.items():
        combined, separate = both(viewer, other.handle)
        assert combined == separate, name
    own, own_separate = both(viewer, viewer.profile.handle)
    assert own == own_separate and own.is_self


def test_one_query_and_the_same_404s():
    viewer, other = ProfileFactory().user, ProfileFactory()
    with CaptureQueriesContext(connection) as queries:
        access_profile_page(viewer, other.handle.upper())  # handles match in any case
    assert len(queries) == 1
    Block.objects.create(blocker=other.user, blocked=viewer)
    for handle in (other.handle, "nobody-here", "x" * 300, "nul\x00"):
        with pytest.raises(NotFound):
            access_profile_page(viewer, handle)
