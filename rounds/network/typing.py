"""Which of the three networks a connection belongs to: the proposal rule (pure Python).

Rules, in order (the first that applies wins):

1. the two members share a current organization (same organization, any department)
   → **operational**: the people you work with;
2. the owner labelled the contact friend, family, acquaintance or classmate → **personal**;
3. the contact is outside all of the owner's current organizations and shares at least one
   goal, interest or specialty with the owner → **strategic**;
4. otherwise → **personal**.

The owner may override the proposal; an override is kept when the proposal is recomputed.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass, field

OPERATIONAL = "operational"
PERSONAL = "personal"
STRATEGIC = "strategic"
PERSONAL_LABEL_VALUES = frozenset({"friend", "family", "acquaintance", "classmate"})


@dataclass(frozen=True)
class MemberTraits:
    """What the rule needs to know about one member."""

    organizations: Set[int] = field(default_factory=frozenset)
    goals: Set[int] = field(default_factory=frozenset)
    interests: Set[int] = field(default_factory=frozenset)
    specialties: Set[int] = field(default_factory=frozenset)


def propose_network_type(*, owner: MemberTraits, other: MemberTraits, label: str = "") -> str:
    """The proposed network type of ``owner``'s connection to ``other``."""
    if owner.organizations & other.organizations:
        return OPERATIONAL
    if label in PERSONAL_LABEL_VALUES:
        return PERSONAL
    shares_purpose = bool(
        (owner.goals & other.goals)
        or (owner.interests & other.interests)
        or (owner.specialties & other.specialties)
    )
    if shares_purpose:
        return STRATEGIC
    return PERSONAL
