"""Offline quality of people-you-may-know: Recall@k on a time-split hold-out.

The graph comes from ``graphgen`` (the same model as the benchmark data). Edges are in time
order: the first ``1 - holdout`` share is the training graph, the rest is what happened next.
For a sample of members with at least one training and one held-out edge, each recommender
ranks non-neighbours using the training graph only; Recall@k is the share of held-out edges
whose other end appears in the member's top k. Baselines: uniformly random non-neighbours,
and the most-connected non-neighbours (by training degree).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .graphgen import GraphSpec, generate_edges
from .ranking import (
    PER_CONTACT_EXPANSION,
    SHORTLIST_FACTOR,
    adamic_adar_scores,
    final_score,
    top_candidates,
    two_hop_pairs,
)


@dataclass(frozen=True)
class EvaluationResult:
    members: int
    held_out_edges: int
    recall: dict[str, float]

    def ratio(self, baseline: str) -> float:
        base = self.recall[baseline]
        return float("inf") if base == 0 else self.recall["pymk"] / base


def evaluate(
    org_of: Sequence[int | None],
    spec: GraphSpec,
    *,
    holdout: float = 0.1,
    sample: int = 500,
    k: int = 10,
    seed: int = 7,
) -> EvaluationResult:
    edges = list(generate_edges(org_of, spec))
    split = int(len(edges) * (1 - holdout))
    n = len(org_of)
    train: list[list[int]] = [[] for _ in range(n)]
    for u, v in edges[:split]:
        train[u].append(v)
        train[v].append(u)
    for neighbours in train:
        neighbours.reverse()  # most recent first, like the SQL (ORDER BY id DESC)
    future: dict[int, set[int]] = {}
    for u, v in edges[split:]:
        future.setdefault(u, set()).add(v)
        future.setdefault(v, set()).add(u)
    rng = random.Random(seed)
    eligible = sorted(u for u in future if train[u])
    members = rng.sample(eligible, min(sample, len(eligible)))
    degree = {u: len(train[u]) for u in range(n)}
    by_degree = sorted(range(n), key=lambda u: (-degree[u], u))

    def pymk(u: int) -> list[int]:
        excluded = {u, *train[u]}
        pairs = two_hop_pairs(train[u], lambda z: train[z], per_contact_cap=PER_CONTACT_EXPANSION)
        scores, _ = adamic_adar_scores(pairs, degrees=degree, excluded=excluded)
        shortlist = top_candidates(scores, k * SHORTLIST_FACTOR)
        mine = org_of[u]
        final = {
            c: final_score(scores[c], shares_organization=mine is not None and org_of[c] == mine)
            for c in shortlist
        }
        return top_candidates(final, k)

    def most_connected(u: int) -> list[int]:
        excluded = {u, *train[u]}
        return [c for c in by_degree[: k + len(excluded)] if c not in excluded][:k]

    def random_pick(u: int) -> list[int]:
        excluded = {u, *train[u]}
        picks: list[int] = []
        while len(picks) < k:
            c = rng.randrange(n)
            if c not in excluded and c not in picks:
                picks.append(c)
        return picks

    recommenders: dict[str, Callable[[int], list[int]]] = {
        "pymk": pymk,
        "most_connected": most_connected,
        "random": random_pick,
    }
    hits = dict.fromkeys(recommenders, 0)
    total = 0
    for u in members:
        truth = future[u]
        total += len(truth)
        for name, recommend in recommenders.items():
            hits[name] += len(truth.intersection(recommend(u)))
    recall = {name: (hits[name] / total if total else 0.0) for name in recommenders}
    return EvaluationResult(members=len(members), held_out_edges=total, recall=recall)


def synthetic_organizations(members: int, *, organizations: int, seed: int = 1) -> list[int | None]:
    """Heavy-tailed organization sizes like the demo community (some members unaffiliated)."""
    rng = random.Random(f"orgs:{seed}")
    weights = [rng.paretovariate(1.3) for _ in range(organizations)]
    orgs = rng.choices(range(organizations), weights=weights, k=members)
    return [None if rng.random() < 0.05 else org for org in orgs]
