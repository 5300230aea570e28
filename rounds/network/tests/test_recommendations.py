"""Recommendations and cached health: ranking, reasons, exclusions and freshness."""

from __future__ import annotations

import networkx as nx
import pytest

from rounds.network.metrics import ego_graph
from rounds.network.selectors import (
    network_health_for,
    people_you_may_know,
    strategic_recommendations,
)
from rounds.network.services import (
    block,
    connection_request_send,
    connection_set_type,
    recommendation_dismiss,
)
from rounds.network.tests.factories import connect
from rounds.profiles.services import affiliation_add, profile_update
from rounds.profiles.tests.factories import OrganizationFactory, ProfileFactory

pytestmark = pytest.mark.django_db


def users(n):
    return [ProfileFactory().user for _ in range(n)]


def ids(recs):
    return [r.user_id for r in recs]


def test_people_you_may_know_ranks_by_mutual_connections_with_reasons():
    """More (and less popular) mutual connections rank higher; reasons count mutuals."""
    me, a, b, c, x, y = users(6)
    for friend in (a, b, c):
        connect(me, friend)
    for via in (a, b):
        connect(via, x)  # x: two mutuals
    connect(c, y)  # y: one mutual
    recs = people_you_may_know(viewer=me)
    assert ids(recs)[:2] == [x.pk, y.pk]
    assert recs[0].reasons[0] == "2 mutual connections"
    assert recs[0].profile is not None


def test_adamic_adar_weights_mutuals_through_hubs_less():
    """A mutual via a hub counts less than a mutual via a small-degree contact."""
    me, hub, small, via_hub, via_small = users(5)
    connect(me, hub)
    connect(me, small)
    for _ in range(6):
        connect(hub, ProfileFactory().user)
    connect(hub, via_hub)
    connect(small, via_small)
    recs = people_you_may_know(viewer=me)
    order = ids(recs)
    assert order.index(via_small.pk) < order.index(via_hub.pk)


def test_never_recommends_connected_pending_blocked_blocking_or_dismissed():
    """Exclusions hold for both recommenders."""
    me, a, connected, pending, blocked, blocking, dismissed, ok = users(8)
    connect(me, a)
    for candidate in (connected, pending, blocked, blocking, dismissed, ok):
        connect(a, candidate)
    connect(me, connected)
    connection_request_send(actor=me, recipient=pending)
    block(actor=me, blocked=blocked)
    block(actor=blocking, blocked=me)
    recommendation_dismiss(actor=me, candidate_id=dismissed.pk)
    assert ids(people_you_may_know(viewer=me)) == [ok.pk]


def test_strategic_recommendations_bridge_outside_the_organization():
    """Strategic picks share goals, are outside my organization, and prefer new circles."""
    me, colleague, insider, bridge, closer = users(5)
    home, elsewhere, new_org = OrganizationFactory(), OrganizationFactory(), OrganizationFactory()
    affiliation_add(actor=me, organization=home)
    affiliation_add(actor=colleague, organization=elsewhere)
    affiliation_add(actor=insider, organization=home)
    affiliation_add(actor=bridge, organization=new_org)
    affiliation_add(actor=closer, organization=elsewhere)
    for user in (me, insider, bridge, closer):
        profile_update(actor=user, profile=user.profile, changes={"goals": ["Health policy"]})
    connect(me, colleague)
    connect(colleague, closer)  # closer would close a triangle with colleague
    recs = strategic_recommendations(viewer=me)
    assert insider.pk not in ids(recs)  # same organization: not strategic
    assert ids(recs)[:2] == [bridge.pk, closer.pk]
    assert "outside your organization" in recs[0].reasons
    assert "no mutual connections: a new circle" in recs[0].reasons
    # the top pick lowers Burt's constraint more than the triangle-closing one
    base_alters, ties = [colleague.pk], []
    with_bridge = nx.constraint(ego_graph(me.pk, [*base_alters, bridge.pk], ties))[me.pk]
    with_closer = nx.constraint(
        ego_graph(me.pk, [*base_alters, closer.pk], [(colleague.pk, closer.pk)])
    )[me.pk]
    assert with_bridge < with_closer


def test_strategic_needs_goals_or_interests_to_work_from():
    """A member who picked no goals or interests gets no strategic picks (the page explains why)."""
    me, other = users(2)
    profile_update(actor=other, profile=other.profile, changes={"goals": ["Leadership"]})
    assert strategic_recommendations(viewer=me) == []


def test_recommendations_are_not_stale_after_the_member_changes_their_network():
    """Connecting to a recommended member removes them at once despite the cache."""
    me, a, x = users(3)
    connect(me, a)
    connect(a, x)
    assert ids(people_you_may_know(viewer=me)) == [x.pk]
    connect(me, x)
    assert ids(people_you_may_know(viewer=me)) == []


def test_health_is_cached_but_never_stale_after_own_changes(django_assert_max_num_queries):
    """The second read is served from cache; a change to the member's ties shows immediately."""
    me, a, b = users(3)
    connect(me, a)
    first = network_health_for(viewer=me)
    assert first.size == 1
    with django_assert_max_num_queries(1):  # only the version lookup
        assert network_health_for(viewer=me) == first
    connect(me, b)
    assert network_health_for(viewer=me).size == 2
    connection_set_type(actor=me, other_id=a.pk, network_type="strategic")
    assert network_health_for(viewer=me).counts["strategic"] == 1
