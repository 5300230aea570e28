"""The demo community's network: connections among the seeded members (``seed_demo``).

Uses the same graph model as the benchmark data (``graphgen``: clustered by organization,
triadic closure, heavy-tailed degrees, one hub) at demo size, so a new install's My Network,
recommendations and health have something to show. The demo member gets a mixed network
(colleagues and people elsewhere) and a few pending requests with personal notes.
Deterministic by seed.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from rounds.notifications.models import Kind
from rounds.notifications.services import member_name, notify
from rounds.profiles.models import Affiliation

from .graphgen import GraphSpec, generate_edges
from .models import Connection, ConnectionRequest, NetworkState
from .services import REQUEST_LIFETIME, member_traits
from .typing import propose_network_type

TIES_PER_MEMBER = 8
DEMO_EXTRA_TIES = 40
REQUEST_NOTES = [
    "I enjoyed your talk at grand rounds on sepsis bundles and would love to stay in touch.",
    "We met at the regional hospital medicine meeting: I'd like to hear more about your QI work.",
    "Your paper on discharge follow-up calls was excellent; I'm starting a similar project.",
]


@transaction.atomic
def seed_demo_network(*, demo_user_id: int | None, seed: int) -> int:
    """Connect the active members; returns the number of ties created (0 if any exist)."""
    if Connection.objects.exists():
        return 0
    rng = random.Random(f"demo-network:{seed}")
    users: list[int] = sorted(
        set(Affiliation.objects.filter(user__is_active=True).values_list("user_id", flat=True))
    )
    if len(users) < 3:
        return 0
    primary: dict[int, int] = {}
    for user_id, org_id in (
        Affiliation.objects.filter(is_current=True)
        .order_by("id")
        .values_list("user_id", "organization_id")
    ):
        primary.setdefault(user_id, org_id)
    org_of = [primary.get(u) for u in users]
    n = len(users)
    spec = GraphSpec(edges=n * TIES_PER_MEMBER // 2, hubs=1, hub_degree=(n // 4, n // 3), seed=seed)
    ties = {
        (min(users[a], users[b]), max(users[a], users[b])) for a, b in generate_edges(org_of, spec)
    }
    if demo_user_id is not None and demo_user_id in primary:
        others = [u for u in users if u != demo_user_id]
        for other in rng.sample(others, min(DEMO_EXTRA_TIES, len(others) // 4)):
            ties.add((min(demo_user_id, other), max(demo_user_id, other)))
    traits = member_traits(users)
    now = timezone.now()
    rows: list[Connection] = []
    for a, b in sorted(ties):
        connected = now - timedelta(days=rng.randint(1, 900))
        last = connected + timedelta(days=rng.randint(0, max(0, (now - connected).days)))
        last_interaction = last if rng.random() < 0.6 else None
        for owner, other in ((a, b), (b, a)):
            rows.append(
                Connection(
                    owner_id=owner,
                    other_id=other,
                    proposed_type=propose_network_type(owner=traits[owner], other=traits[other]),
                    last_interaction_at=last_interaction,
                )
            )
    Connection.objects.bulk_create(rows, batch_size=1000)
    degree: Counter[int] = Counter()
    for a, b in ties:
        degree[a] += 1
        degree[b] += 1
    NetworkState.objects.bulk_create(
        [NetworkState(user_id=u, degree=degree[u]) for u in users], batch_size=1000
    )
    if demo_user_id is not None:
        _pending_for_demo(demo_user_id, users, ties, rng, now)
    from rounds.contacts.demo import seed_demo_notebooks

    # Every connection is a contact; the demo member also gets a realistic notebook.
    seed_demo_notebooks(sides=rows, demo_user_id=demo_user_id, seed=seed)
    return len(ties)


def _pending_for_demo(
    demo: int, users: list[int], ties: set[tuple[int, int]], rng: Any, now: Any
) -> None:
    """Three incoming requests with personal notes, from members the demo is not connected to."""
    strangers = [u for u in users if u != demo and (min(u, demo), max(u, demo)) not in ties]
    for sender, note in zip(
        rng.sample(strangers, min(3, len(strangers))), REQUEST_NOTES, strict=False
    ):
        ConnectionRequest.objects.create(
            sender_id=sender, recipient_id=demo, note=note, expires_at=now + REQUEST_LIFETIME
        )
        notify(  # as connection_request_send does (the demo writes the request directly)
            recipient_id=demo,
            kind=Kind.CONNECTION_REQUEST,
            actor_id=sender,
            text=f"{member_name(sender)[0]} asked to connect with you",
            url=reverse("network:requests"),
        )
