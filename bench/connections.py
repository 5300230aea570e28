"""The ``connections`` stage of the benchmark dataset (issue 3: the three networks).

``tier.connections`` undirected ties among the tier's members from
``rounds.network.graphgen.generate_edges`` — heavy-tailed degrees, clustered by each member's
current primary organization (first current non-society affiliation), triadic closure and a few
**hubs** of several thousand connections — written as two ``Connection`` rows per tie (one per
side, consecutive ids in creation order), plus one ``NetworkState`` per member (exact degree,
version 0) and some pending ``ConnectionRequest`` rows.

- ``proposed_type`` comes from the real rule (``rounds.network.typing.propose_network_type``)
  with each member's current organizations, goals, interests and specialties, loaded in bulk
  once; labels are mostly empty (some colleague/friend/… labels, chosen by each side);
- ``created_at`` spreads over the ~3 years before the build day in edge order (ids follow
  time, as ``ORDER BY id DESC`` = most recent assumes); ``last_interaction_at`` is set for
  ~35 % of ties, a third of those within the last 90 days, the rest older;
- the demo member gets exactly ``DEMO_CONNECTIONS`` ties (colleagues, friends of friends and
  well-connected members, interleaved through time) so My Network measures a 500-tie ego
  network;
- timestamps are relative to the build day (so "active in the last 90 days" and pending
  requests stay realistic); which pairs, labels and types exist depends only on the seed.

The members the network targets use are found from the data (``network_viewers``): the demo
member and the member "next to hubs" (the most ties to members of ``hub_min_degree`` or more,
among members of ordinary degree).
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import random
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.generate import StageContext
    from bench.tiers import Tier

DEMO_CONNECTIONS = 500
SPAN = timedelta(days=3 * 365)
#: Share of ties with a logged interaction, and the share of those in the last 90 days.
INTERACTED = 0.35
RECENT = 0.33
FLUSH_ROWS = 100_000


def hub_spec(tier: Tier) -> tuple[int, tuple[int, int]]:
    """(number of hubs, their degree range) for a tier: "several thousand" at M."""
    if tier.members >= 100_000:
        return 6, (2_000, 6_000)
    return 2, (max(tier.members // 8, 10), max(tier.members // 4, 20))


def hub_min_degree(tier: Tier) -> int:
    """A member with at least this many connections counts as a hub."""
    return hub_spec(tier)[1][0]


def connection_tables() -> list[type[Any]]:
    from rounds.network.models import Connection, ConnectionRequest, NetworkState

    return [Connection, NetworkState, ConnectionRequest]


# --- loading what the rule and the clustering need ------------------------------------------


def _load_members(using: str) -> tuple[list[int], int | None, dict[int, Any], dict[int, int]]:
    """(graph member user ids, demo user id, traits by user id, primary organization by user)."""
    from rounds.network.typing import MemberTraits
    from rounds.profiles.demo import DEMO_EMAIL
    from rounds.profiles.models import Affiliation, Organization, Profile

    profiles = list(
        Profile.objects.using(using)
        .filter(user__is_staff=False, user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", "id", "user__email")
    )
    profile_user = {pid: uid for uid, pid, _ in profiles}
    demo = next((uid for uid, _, email in profiles if email == DEMO_EMAIL), None)
    orgs: dict[int, set[int]] = defaultdict(set)
    primary: dict[int, int] = {}
    for uid, org, kind in (
        Affiliation.objects.using(using)
        .filter(is_current=True)
        .order_by("id")
        .values_list("user_id", "organization_id", "organization__kind")
        .iterator(chunk_size=20_000)
    ):
        orgs[uid].add(org)
        if kind != Organization.Kind.SOCIETY:
            primary.setdefault(uid, org)
    tags: dict[str, dict[int, set[int]]] = {}
    for name, column in (
        ("goals", "goal_id"),
        ("interests", "interest_id"),
        ("specialties", "specialty_id"),
    ):
        through = getattr(Profile, name).through
        mapping: dict[int, set[int]] = defaultdict(set)
        for pid, value in (
            through.objects.using(using).values_list("profile_id", column).iterator(20_000)
        ):
            user_id = profile_user.get(pid)
            if user_id is not None:
                mapping[user_id].add(value)
        tags[name] = mapping
    empty: frozenset[int] = frozenset()
    interned: dict[frozenset[int], frozenset[int]] = {empty: empty}

    def frozen(values: set[int] | None) -> frozenset[int]:
        if not values:
            return empty
        key = frozenset(values)
        return interned.setdefault(key, key)

    traits = {
        uid: MemberTraits(
            organizations=frozen(orgs.get(uid)),
            goals=frozen(tags["goals"].get(uid)),
            interests=frozen(tags["interests"].get(uid)),
            specialties=frozen(tags["specialties"].get(uid)),
        )
        for uid, _, _ in profiles
    }
    members = [uid for uid, _, _ in profiles if uid != demo]
    return members, demo, traits, primary


# --- the graph ------------------------------------------------------------------------------


def _generate(ctx: StageContext, members: list[int], primary: dict[int, int], edges: int) -> Any:
    """All ties as two parallel arrays of member indices, in creation order."""
    from rounds.network.graphgen import GraphSpec, generate_edges

    hubs, hub_degree = hub_spec(ctx.tier)
    spec = GraphSpec(edges=edges, hubs=hubs, hub_degree=hub_degree, seed=ctx.seed)
    us, vs = array("i"), array("i")
    for count, (u, v) in enumerate(generate_edges([primary.get(m) for m in members], spec), 1):
        us.append(u)
        vs.append(v)
        if count % 1_000_000 == 0:
            print(f"  … {count:,} ties generated", flush=True)
    return us, vs


def _demo_ties(
    rng: random.Random,
    members: list[int],
    primary: dict[int, int],
    demo_org: int | None,
    us: Any,
    vs: Any,
    degree: Any,
    want: int,
) -> list[int]:
    """``want`` distinct member indices for the demo member: ~40 % colleagues, ~30 % friends
    of those (triadic closure), the rest drawn by degree (preferential attachment)."""
    want = min(want, len(members))
    chosen: list[int] = []
    taken: set[int] = set()

    def take(index: int) -> None:
        if index not in taken and len(chosen) < want:
            taken.add(index)
            chosen.append(index)

    colleagues = [
        i for i, m in enumerate(members) if demo_org is not None and primary.get(m) == demo_org
    ]
    rng.shuffle(colleagues)
    for index in colleagues[: int(want * 0.4)]:
        take(index)
    if chosen:
        seeds = set(chosen)
        reach: Counter[int] = Counter()
        for u, v in zip(us, vs, strict=True):
            if u in seeds:
                reach[v] += 1
            elif v in seeds:
                reach[u] += 1
        ranked = sorted(reach, key=lambda i: (-reach[i], i))
        for index in ranked[: int(want * 0.3)]:
            take(index)
    cumulative = list(itertools.accumulate(d + 1 for d in degree))
    while len(chosen) < want:
        take(bisect.bisect_right(cumulative, rng.random() * cumulative[-1]))
    rng.shuffle(chosen)
    return chosen


def _label(rng: random.Random, operational: bool) -> str:
    roll = rng.random()
    if operational:
        if roll < 0.06:
            return "colleague"
        if roll < 0.075:
            return rng.choice(("supervisor", "direct_report", "mentor", "mentee"))
        if roll < 0.085:
            return "friend"
        return ""
    if roll < 0.04:
        return "friend"
    if roll < 0.06:
        return rng.choice(("classmate", "acquaintance", "family"))
    if roll < 0.08:
        return rng.choice(("colleague", "collaborator", "mentor", "mentee", "other"))
    return ""


@contextlib.contextmanager
def _explicit_timestamps(models: list[type[Any]]) -> Iterator[None]:
    """Let ``bulk_create`` (the SQLite path) keep the generated ``created_at``/``updated_at``
    instead of stamping "now" (``auto_now_add``/``auto_now``); restored afterwards."""
    saved = []
    for model in models:
        for field in model._meta.concrete_fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                saved.append((field, field.auto_now, field.auto_now_add))
                field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


# --- the stage ------------------------------------------------------------------------------


def build_connections(ctx: StageContext) -> int:
    """Connections (two rows per tie), network states and pending requests; returns ties."""
    if ctx.vendor == "postgresql":
        return _build(ctx)
    with _explicit_timestamps(connection_tables()):
        return _build(ctx)


def _build(ctx: StageContext) -> int:
    from rounds.network.models import Connection, ConnectionRequest, NetworkState
    from rounds.network.typing import propose_network_type
    from rounds.profiles.demo import IdAllocator

    rng = ctx.rng("connections")
    members, demo, traits, primary = _load_members(ctx.using)
    n = len(members)
    if n < 2:
        return 0
    demo_want = min(DEMO_CONNECTIONS, n) if demo is not None else 0
    demo_want = min(demo_want, max(ctx.tier.connections // 10, 0))
    us, vs = _generate(ctx, members, primary, ctx.tier.connections - demo_want)
    base = len(us)
    degree = array("i", bytes(4 * n))
    for u in us:
        degree[u] += 1
    for v in vs:
        degree[v] += 1
    demo_contacts = (
        _demo_ties(rng, members, primary, primary.get(demo or 0), us, vs, degree, demo_want)
        if demo_want
        else []
    )
    # the demo's ties are interleaved through time at random positions of the base sequence
    demo_positions = sorted(rng.randrange(base + 1) for _ in demo_contacts)
    total = base + len(demo_contacts)

    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = end - SPAN
    step = SPAN.total_seconds() / max(total, 1)

    # pending requests: pairs not connected (pairs that become ties are dropped when streamed)
    request_pairs: dict[tuple[int, int], tuple[int, int]] = {}
    wanted_requests = max(ctx.tier.members // 20, 10)
    everyone = members + ([demo] if demo is not None else [])
    demo_pairs = []
    if demo is not None:
        demo_pairs = [(rng.choice(members), demo) for _ in range(6)]
        demo_pairs += [(demo, rng.choice(members)) for _ in range(3)]
    for sender, recipient in demo_pairs + [
        (rng.choice(everyone), rng.choice(everyone)) for _ in range(wanted_requests)
    ]:
        key = (min(sender, recipient), max(sender, recipient))
        if sender != recipient and key not in request_pairs:
            request_pairs[key] = (sender, recipient)

    sink = ctx.sink(connection_tables())
    ids = IdAllocator.from_database([Connection, ConnectionRequest], ctx.using)
    propose = propose_network_type
    random_ = rng.random

    def ties() -> Iterator[tuple[int, int]]:
        pending = iter(zip(demo_positions, demo_contacts, strict=True))
        nxt = next(pending, None)
        for i in range(base):
            while nxt is not None and nxt[0] <= i:
                yield demo, members[nxt[1]]  # type: ignore[misc]
                nxt = next(pending, None)
            yield members[us[i]], members[vs[i]]
        while nxt is not None:
            yield demo, members[nxt[1]]  # type: ignore[misc]
            nxt = next(pending, None)

    written = 0
    recent_from = (end - timedelta(days=90)).timestamp()
    for written, (a, b) in enumerate(ties(), 1):
        position = written - 1
        created = start + timedelta(seconds=position * step + random_() * step)
        last = None
        if random_() < INTERACTED:
            created_ts = created.timestamp()
            lo = max(created_ts, recent_from) if random_() < RECENT else created_ts
            hi = end.timestamp() if lo >= recent_from else recent_from
            last = datetime.fromtimestamp(lo + random_() * max(hi - lo, 0.0), UTC)
        ta, tb = traits[a], traits[b]
        shares_org = bool(ta.organizations & tb.organizations)
        for owner, other, t_owner, t_other in ((a, b, ta, tb), (b, a, tb, ta)):
            label = _label(rng, shares_org)
            sink.add(
                Connection,
                {
                    "id": ids.take(Connection),
                    "created_at": created,
                    "updated_at": last or created,
                    "owner_id": owner,
                    "other_id": other,
                    "label": label,
                    "proposed_type": propose(owner=t_owner, other=t_other, label=label),
                    "override_type": "",
                    "last_interaction_at": last,
                },
            )
        request_pairs.pop((min(a, b), max(a, b)), None)
        if written % (FLUSH_ROWS // 2) == 0:
            sink.flush()
            if written % 1_000_000 == 0:
                print(f"  … {written:,} ties written", flush=True)
    sink.flush()

    degree_of = {members[i]: d for i, d in enumerate(degree)}
    if demo is not None:
        degree_of[demo] = len(demo_contacts)
        for i in demo_contacts:
            degree_of[members[i]] += 1
    for count, (uid, d) in enumerate(sorted(degree_of.items()), 1):
        sink.add(
            NetworkState,
            {"user_id": uid, "degree": d, "follower_count": 0, "following_count": 0, "version": 0},
        )
        if count % FLUSH_ROWS == 0:
            sink.flush()
    for sender, recipient in request_pairs.values():
        created = end - timedelta(seconds=rng.random() * 60 * 86400)
        sink.add(
            ConnectionRequest,
            {
                "id": ids.take(ConnectionRequest),
                "created_at": created,
                "updated_at": created,
                "sender_id": sender,
                "recipient_id": recipient,
                "note": "" if rng.random() < 0.7 else "Good to meet you — let's stay in touch.",
                "state": "pending",
                "expires_at": created + timedelta(days=90),
                "responded_at": None,
            },
        )
    sink.flush()
    print(
        f"  {total:,} ties ({2 * total:,} rows), {len(degree_of):,} network states, "
        f"{len(request_pairs):,} pending requests; demo degree {len(demo_contacts)}, "
        f"max degree {max(degree_of.values()):,}",
        flush=True,
    )
    return total


# --- who the network targets sign in as -----------------------------------------------------


def network_viewers(tier: Tier, using: str = "default") -> dict[str, str]:
    """E-mail of each member the network targets use: ``demo`` and ``next_to_hubs`` (the member
    with the most ties to hubs among members of ordinary degree, ≤ 1,000; ties → lowest id)."""
    from django.db import connections

    from rounds.profiles.demo import DEMO_EMAIL

    viewers = {"demo": DEMO_EMAIL}
    with connections[using].cursor() as cursor:
        cursor.execute(
            """
            SELECT u.email, COUNT(*) AS hubs
            FROM network_connection c
            JOIN network_networkstate hub ON hub.user_id = c.other_id AND hub.degree >= %s
            JOIN network_networkstate me ON me.user_id = c.owner_id AND me.degree <= 1000
            JOIN accounts_user u ON u.id = c.owner_id
            WHERE u.email <> %s
            GROUP BY u.id, u.email
            ORDER BY hubs DESC, u.id
            LIMIT 1
            """,
            [hub_min_degree(tier), DEMO_EMAIL],
        )
        row = cursor.fetchone()
    if row:
        viewers["next_to_hubs"] = str(row[0])
    return viewers
