"""Pure ranking for people-you-may-know (shared by the selector and the offline evaluation).

Adamic-Adar over mutual connections: a candidate ``c`` reached through my contact ``z``
gains ``1 / log(deg(z))``: a mutual contact who knows few people says more than a hub.
Each contact's own ties are expanded up to ``per_contact_cap`` (most recent first): a hub's
thousands of ties each add little weight but would dominate the cost.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping

#: At most this many of each contact's own connections are expanded for 2-hop candidates:
#: a hub's thousands of ties add little Adamic-Adar weight each and would dominate the cost.
PER_CONTACT_EXPANSION = 100
#: Added to a shortlisted candidate's score per shared trait (see ``final_score``).
SHARED_ORGANIZATION_BONUS = 0.5
SHARED_SPECIALTY_BONUS = 0.3
SHARED_GOAL_OR_INTEREST_BONUS = 0.2
SHORTLIST_FACTOR = 4


def final_score(
    adamic_adar: float,
    *,
    shares_organization: bool,
    shared_specialties: int = 0,
    shared_goals_interests: int = 0,
) -> float:
    """Adamic-Adar plus bonuses for a shared current organization, specialties, goals and interests."""
    return (
        adamic_adar
        + SHARED_ORGANIZATION_BONUS * shares_organization
        + SHARED_SPECIALTY_BONUS * shared_specialties
        + SHARED_GOAL_OR_INTEREST_BONUS * shared_goals_interests
    )


def adamic_adar_scores(
    pairs: Iterable[tuple[int, int]],
    *,
    degrees: Mapping[int, int],
    excluded: set[int],
) -> tuple[dict[int, float], dict[int, int]]:
    """Score candidates from (via, candidate) pairs; returns (scores, mutual counts)."""
    scores: dict[int, float] = defaultdict(float)
    mutual: dict[int, int] = defaultdict(int)
    for via, candidate in pairs:
        if candidate in excluded:
            continue
        scores[candidate] += 1.0 / math.log(max(degrees.get(via, 2), 2))
        mutual[candidate] += 1
    return scores, mutual


def two_hop_pairs(
    contacts: Iterable[int], neighbors: Callable[[int], list[int]], *, per_contact_cap: int
) -> list[tuple[int, int]]:
    """(via, candidate) pairs from an in-memory graph, with the same per-contact cap as SQL."""
    out = []
    for via in contacts:
        for candidate in neighbors(via)[:per_contact_cap]:
            out.append((via, candidate))
    return out


def top_candidates(scores: Mapping[int, float], limit: int) -> list[int]:
    """The ``limit`` best candidates, ties broken by id for determinism."""
    return sorted(scores, key=lambda c: (-scores[c], c))[:limit]
