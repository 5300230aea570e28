"""Dataset tiers: how big a community each benchmark run uses.

``members`` is generated today. The other counts are the sizes later capabilities generate
as new stages in ``bench/generate.py`` (connections, posts, events, groups); they live here so
every stage reads its size from one place.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tier:
    name: str
    members: int
    connections: int  # heavy-tailed degrees, clustered by organization, a few hubs
    posts: int
    events: int
    groups: int

    @property
    def slug(self) -> str:
        return self.name.lower()


TIERS: dict[str, Tier] = {
    "S": Tier("S", members=2_000, connections=50_000, posts=20_000, events=200, groups=20),
    "M": Tier(
        "M",
        members=200_000,
        connections=5_000_000,
        posts=2_000_000,
        events=20_000,
        groups=2_000,
    ),
}


def tier_named(name: str) -> Tier:
    """The tier called ``name`` (case-insensitive). Raises KeyError with the choices."""
    try:
        return TIERS[name.upper()]
    except KeyError:
        raise KeyError(f"Unknown tier {name!r}; choose one of {', '.join(TIERS)}.") from None
