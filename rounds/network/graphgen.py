"""A synthetic professional graph with the structure of real ones (pure Python, deterministic).

Used by the benchmark dataset (``bench``: ≈5,000,000 connections for the M tier) and by the
offline evaluation of people-you-may-know. Edges are produced in time order, so a time split
(train on the first 90 %, hold out the last 10 %) is meaningful:

- every member has a heavy-tailed activity weight (Pareto, α = 2), so degrees are heavy-tailed;
- each new edge starts at a member drawn by weight, then goes
  - to a colleague in the same organization (``p_org``: clustering by organization),
  - to a friend of a friend (``p_triadic``: triadic closure, what makes 2-hop predictive),
  - or to anyone, drawn by weight (the rest: bridges and preferential attachment);
- a few **hubs** (department chairs, society leaders) are connected to several thousand
  members each, interleaved through time.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class GraphSpec:
    edges: int
    hubs: int = 0
    hub_degree: tuple[int, int] = (2000, 6000)
    p_org: float = 0.5
    p_triadic: float = 0.3
    seed: int = 1


class _Weighted:
    """Draw items with probability proportional to weight (cumulative weights + bisect)."""

    def __init__(self, items: Sequence[int], weights: Sequence[float]):
        self.items = list(items)
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1] if self.cum else 0.0

    def draw(self, rng: random.Random) -> int:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


def generate_edges(org_of: Sequence[int | None], spec: GraphSpec) -> Iterator[tuple[int, int]]:
    """Yield ``spec.edges`` distinct undirected edges ``(u, v)`` (u ≠ v, indices into
    ``org_of``) in creation order. ``org_of[i]`` is member i's current organization or None."""
    n = len(org_of)
    if n < 2:
        return
    rng = random.Random(f"graph:{spec.seed}")
    weights = [rng.paretovariate(2.0) for _ in range(n)]
    everyone = _Weighted(range(n), weights)
    by_org: dict[int, list[int]] = {}
    for i, org in enumerate(org_of):
        if org is not None:
            by_org.setdefault(org, []).append(i)
    org_pickers = {
        org: _Weighted(members, [weights[m] for m in members]) for org, members in by_org.items()
    }
    adjacency: list[list[int]] = [[] for _ in range(n)]
    seen: set[int] = set()

    hub_ids = rng.sample(range(n), min(spec.hubs, n)) if spec.hubs else []
    hub_targets = {h: min(rng.randint(*spec.hub_degree), n - 1) for h in hub_ids}
    hub_total = sum(hub_targets.values())
    base_edges = max(spec.edges - hub_total, 0)
    # hub edges are spread evenly through time among the base edges
    hub_every = (base_edges // hub_total) if hub_total and base_edges else 0
    hub_queue = [h for h in hub_ids for _ in range(hub_targets[h])]
    rng.shuffle(hub_queue)

    def add(u: int, v: int) -> bool:
        if u == v:
            return False
        key = u * n + v if u < v else v * n + u
        if key in seen:
            return False
        seen.add(key)
        adjacency[u].append(v)
        adjacency[v].append(u)
        return True

    produced = 0
    attempts = 0
    max_attempts = spec.edges * 20
    hub_index = 0
    while produced < spec.edges and attempts < max_attempts:
        attempts += 1
        if (
            hub_queue
            and hub_index < len(hub_queue)
            and (not hub_every or produced % (hub_every + 1) == hub_every or produced >= base_edges)
        ):
            hub = hub_queue[hub_index]
            hub_index += 1
            other = everyone.draw(rng) if rng.random() < 0.5 else rng.randrange(n)
            if add(hub, other):
                produced += 1
                yield (hub, other)
            continue
        u = everyone.draw(rng)
        roll = rng.random()
        org = org_of[u]
        if roll < spec.p_org and org is not None and len(by_org[org]) > 1:
            v = org_pickers[org].draw(rng)
        elif roll < spec.p_org + spec.p_triadic and adjacency[u]:
            friend = adjacency[u][rng.randrange(len(adjacency[u]))]
            v = adjacency[friend][rng.randrange(len(adjacency[friend]))]
        else:
            v = everyone.draw(rng)
        if add(u, v):
            produced += 1
            yield (u, v)
