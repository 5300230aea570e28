"""The demo community's network (seed_demo): consistent, deterministic, useful for the demo member."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core.management import call_command

from rounds.accounts.models import User
from rounds.network.models import Connection, ConnectionRequest, NetworkState

pytestmark = pytest.mark.django_db


def _ties() -> set[tuple[str, str]]:
    return {
        (a, b) for a, b in Connection.objects.values_list("owner__email", "other__email") if a < b
    }


def test_seed_demo_connects_the_community_consistently():
    """Two rows per tie, exact degrees, the demo member has connections and three notes waiting."""
    call_command("seed_demo", "--members", "40", "--seed", "3", stdout=None)
    rows = list(Connection.objects.values_list("owner_id", "other_id"))
    assert rows and set(rows) == {(b, a) for a, b in rows}
    degree = Counter(owner for owner, _ in rows)
    assert {s.user_id: s.degree for s in NetworkState.objects.filter(degree__gt=0)} == dict(degree)
    demo = User.objects.get(email="demo@rounds.example")
    assert degree[demo.pk] >= 10
    pending = ConnectionRequest.objects.filter(recipient=demo, state="pending")
    assert pending.count() == 3 and all(r.note for r in pending)
    assert not Connection.objects.filter(
        owner=demo, other_id__in=pending.values("sender_id")
    ).exists()


def test_seed_demo_network_is_deterministic():
    """The same seed gives the same ties."""
    call_command("seed_demo", "--members", "30", "--seed", "5", stdout=None)
    first = _ties()
    call_command("seed_demo", "--members", "30", "--seed", "5", "--reset", stdout=None)
    assert _ties() == first
