"""Network metrics against hand-computed small graphs and networkx's own functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rounds.network.metrics import (
    Contact,
    blau_index,
    burt_measures,
    ego_graph,
    ei_index,
    health_report,
)
from rounds.network.typing import MemberTraits, propose_network_type

NOW = datetime(2026, 11, 27, tzinfo=UTC)


def test_star_effective_size_is_degree_and_constraint_is_one_over_n():
    """A star (no ties among 5 contacts): effective size 5, constraint 1/5."""
    graph = ego_graph(0, [1, 2, 3, 4, 5], [])
    effective, constraint = burt_measures(graph, 0)
    assert effective == pytest.approx(5.0)
    assert constraint == pytest.approx(1 / 5)


def test_clique_effective_size_is_one_and_constraint_is_25_over_27():
    """Ego in a 4-clique: effective size 1; constraint 3·(1/3 + 2/9)² = 25/27."""
    graph = ego_graph(0, [1, 2, 3], [(1, 2), (2, 3), (1, 3)])
    effective, constraint = burt_measures(graph, 0)
    assert effective == pytest.approx(1.0)
    assert constraint == pytest.approx(25 / 27)


def test_two_bridged_cliques():
    """Ego bridging two pairs that do not know each other: effective size 3, constraint 36/64."""
    graph = ego_graph(0, [1, 2, 3, 4], [(1, 2), (3, 4)])
    effective, constraint = burt_measures(graph, 0)
    assert effective == pytest.approx(4 - 2 * 2 / 4)
    assert constraint == pytest.approx(4 * (1 / 4 + 1 / 8) ** 2)


def test_ego_graph_ignores_ties_to_non_contacts_and_self_loops():
    """Ties involving people outside the ego network, or loops, are not part of the ego graph."""
    graph = ego_graph(0, [1, 2], [(1, 99), (2, 2), (1, 2)])
    assert set(graph.edges()) == {(0, 1), (0, 2), (1, 2)}


def test_isolated_ego_has_no_burt_measures():
    """A member without connections has no effective size or constraint."""
    assert burt_measures(ego_graph(0, [], []), 0) == (None, None)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=1, max_value=12).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(st.tuples(st.integers(1, n), st.integers(1, n)), max_size=n * 3),
        )
    )
)
def test_burt_measures_match_networkx_on_random_ego_graphs(case):
    """On random ego graphs our figures equal networkx's effective_size and constraint."""
    n, ties = case
    graph = ego_graph(0, range(1, n + 1), ties)
    effective, constraint = burt_measures(graph, 0)
    assert effective == pytest.approx(nx.effective_size(graph)[0])
    assert constraint == pytest.approx(nx.constraint(graph)[0])


def test_blau_index_hand_computed():
    """Blau: all alike → 0; two equal groups → 0.5; four equal groups → 0.75; None ignored."""
    assert blau_index(["a", "a", "a"]) == 0.0
    assert blau_index(["a", "b"]) == pytest.approx(0.5)
    assert blau_index(["a", "b", "c", "d", None, ""]) == pytest.approx(0.75)
    assert blau_index([]) == 0.0


def test_ei_index_hand_computed():
    """E-I: all inside −1, all outside +1, balanced 0, empty None."""
    assert ei_index(0, 4) == -1
    assert ei_index(4, 0) == 1
    assert ei_index(2, 2) == 0
    assert ei_index(0, 0) is None


def test_health_report_counts_types_activity_dormancy_and_ei():
    """The report counts each network, active and dormant ties, and the E-I index."""
    contacts = [
        Contact(
            1, "operational", frozenset({10}), 1, "physician", "Chicago", NOW - timedelta(days=5)
        ),
        Contact(
            2, "operational", frozenset({10}), 1, "nurse", "Chicago", NOW - timedelta(days=400)
        ),
        Contact(
            3, "strategic", frozenset({20}), 2, "researcher", "Boston", NOW - timedelta(days=100)
        ),
        Contact(4, "personal", frozenset(), None, "other", None, None),
    ]
    report = health_report(
        ego=0, ego_organizations=frozenset({10}), contacts=contacts, alter_ties=[(1, 2)], now=NOW
    )
    assert report.counts == {"operational": 2, "personal": 1, "strategic": 1}
    assert report.active == 1  # within 90 days
    assert report.dormant == 2  # older than 180 days or never
    assert report.metric("ei_index").value == pytest.approx((2 - 2) / 4)
    assert report.weakest == "personal"
    for metric in report.metrics:
        assert metric.explanation and metric.next_step


def test_empty_network_report_teaches():
    """With no connections every metric still explains itself and says how to start."""
    report = health_report(
        ego=0, ego_organizations=frozenset(), contacts=[], alter_ties=[], now=NOW
    )
    assert report.size == 0 and report.weakest is None
    assert "colleagues" in report.metric("size").next_step


@pytest.mark.parametrize(
    ("owner", "other", "label", "expected"),
    [
        (MemberTraits(organizations={1}), MemberTraits(organizations={1}), "", "operational"),
        (MemberTraits(organizations={1}), MemberTraits(organizations={1}), "friend", "operational"),
        (MemberTraits(organizations={1}), MemberTraits(organizations={2}), "friend", "personal"),
        (MemberTraits(organizations={1}), MemberTraits(organizations={2}), "classmate", "personal"),
        (
            MemberTraits(organizations={1}, goals={7}),
            MemberTraits(organizations={2}, goals={7}),
            "",
            "strategic",
        ),
        (MemberTraits(interests={3}), MemberTraits(interests={3}), "colleague", "strategic"),
        (MemberTraits(specialties={5}), MemberTraits(specialties={5}), "", "strategic"),
        (
            MemberTraits(organizations={1}, goals={7}),
            MemberTraits(organizations={2}, goals={8}),
            "",
            "personal",
        ),
        (MemberTraits(), MemberTraits(), "", "personal"),
    ],
)
def test_network_type_proposal_rules(owner, other, label, expected):
    """The documented rules, in order: shared org → operational; personal label → personal;
    outside with shared goal/interest/specialty → strategic; else personal."""
    assert propose_network_type(owner=owner, other=other, label=label) == expected
