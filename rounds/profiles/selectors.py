"""Reads for profiles and organizations: querysets already filtered for the viewer and prefetched."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Concat

from .models import OPEN_TO_FIELDS, Affiliation, Organization, Profile, ProfileVisibility
from .policies import visible_location_levels


@dataclass(frozen=True)
class MemberFilters:
    """Directory and search filters; empty values mean "any"."""

    q: str = ""
    specialty: str = ""
    organization: str = ""
    location: str = ""
    role: str = ""
    goal: str = ""
    interest: str = ""
    open_to: tuple[str, ...] = field(default_factory=tuple)

    def is_empty(self) -> bool:
        return not any(
            [
                self.q,
                self.specialty,
                self.organization,
                self.location,
                self.role,
                self.goal,
                self.interest,
                self.open_to,
            ]
        )


def current_affiliations_prefetch() -> Prefetch[Any]:
    return Prefetch(
        "user__affiliations",
        queryset=Affiliation.objects.filter(is_current=True).select_related("organization"),
        to_attr="current_affiliations",
    )


def profile_visible_to(*, viewer: Any) -> QuerySet[Profile]:
    """Profiles ``viewer`` may see: every active member's for members (minus those who blocked
    the viewer, and those the viewer blocked), public ones for visitors."""
    qs = Profile.objects.filter(user__is_active=True)
    if viewer is None or not viewer.is_authenticated:
        return qs.filter(visibility=ProfileVisibility.PUBLIC)
    from rounds.network.models import Block

    return qs.exclude(
        Exists(Block.objects.filter(blocker_id=OuterRef("user_id"), blocked_id=viewer.pk))
    ).exclude(Exists(Block.objects.filter(blocker_id=viewer.pk, blocked_id=OuterRef("user_id"))))


def profile_with_details(qs: QuerySet[Profile]) -> QuerySet[Profile]:
    """Add what a profile card or page shows, in a constant number of queries."""
    return qs.select_related("user").prefetch_related(
        "specialties", "goals", "interests", current_affiliations_prefetch()
    )


#: A membership filter (specialty, goal, interest, organization) matching at most this many
#: members is applied as a list of ids; larger ones stay a subquery.
SMALL_FILTER = 5000


def _narrow(qs: QuerySet[Profile], field: str, ids: QuerySet[Any, int]) -> QuerySet[Profile]:
    """Restrict ``qs`` to ``field IN ids``, choosing the plan shape by the filter's size.

    Ordered by name with a LIMIT, PostgreSQL walks the name index and probes each row against
    the filter, expecting an early stop: right for popular filters, but for a rare one (593
    cardiologists among 200,000 members) it walks tens of thousands of rows (70–200 ms).
    Fetching a rare filter's ids first (one indexed query) turns the page into an id lookup
    plus a small sort (~1 ms). Popular filters keep the subquery, where the walk stops early.
    """
    sample = list(ids[: SMALL_FILTER + 1])
    if len(sample) <= SMALL_FILTER:
        return qs.filter(**{f"{field}__in": sample}).annotate(_narrowed=Value(True))
    return qs.filter(**{f"{field}__in": ids})


def member_search(*, viewer: Any, filters: MemberFilters) -> QuerySet[Profile]:
    """Members matching ``filters`` that ``viewer`` may see, ordered by name.

    Location matches only members whose location is visible to the viewer, so a search can
    never reveal a hidden field. Organization matches current affiliations.
    """
    qs = profile_visible_to(viewer=viewer)
    if filters.q:
        term = filters.q.strip()
        qs = qs.filter(
            Q(display_name__icontains=term) | Q(headline__icontains=term) | Q(handle__iexact=term)
        )
    if filters.specialty:
        qs = _narrow(
            qs,
            "pk",
            Profile.specialties.through.objects.filter(
                specialty__slug=filters.specialty
            ).values_list("profile_id", flat=True),
        )
    if filters.goal:
        qs = _narrow(
            qs,
            "pk",
            Profile.goals.through.objects.filter(goal__slug=filters.goal).values_list(
                "profile_id", flat=True
            ),
        )
    if filters.interest:
        qs = _narrow(
            qs,
            "pk",
            Profile.interests.through.objects.filter(interest__slug=filters.interest).values_list(
                "profile_id", flat=True
            ),
        )
    if filters.organization:
        qs = _narrow(
            qs,
            "user_id",
            Affiliation.objects.filter(
                is_current=True, organization__slug=filters.organization
            ).values_list("user_id", flat=True),
        )
    if filters.location:
        term = filters.location.strip()
        qs = qs.filter(location_visibility__in=visible_location_levels(viewer)).filter(
            Q(city__icontains=term) | Q(region__icontains=term) | Q(country__icontains=term)
        )
    if filters.role:
        qs = qs.filter(role=filters.role)
    for flag in filters.open_to:
        if flag in OPEN_TO_FIELDS:
            qs = qs.filter(**{flag: True})
    if "_narrowed" in qs.query.annotations:
        # Same order, but an expression the name index cannot serve: PostgreSQL then sorts the
        # few matching rows instead of walking the whole index looking for them.
        return profile_with_details(qs).order_by(Concat("display_name", Value("")), "id")
    return profile_with_details(qs).order_by("display_name", "id")


def member_search_rows(*, viewer: Any, filters: MemberFilters) -> QuerySet[Any]:
    """``member_search`` as ``(pk, updated_at)`` rows, in the same order: a page of these is
    enough to find each member's cached card (``rounds.core.fragments``)."""
    return (
        member_search(viewer=viewer, filters=filters)
        .select_related(None)
        .prefetch_related(None)
        .values_list("pk", "updated_at")
    )


def member_cards_by_id(ids: list[int]) -> dict[int, Profile]:
    """Profiles ``ids`` with what a member card shows (user, specialties, current positions).

    No visibility filter: callers pass ids that a ``visible_to`` selector returned.
    """
    qs = (
        Profile.objects.filter(pk__in=ids)
        .select_related("user")
        .prefetch_related("specialties", current_affiliations_prefetch())
        .defer("bio")
    )
    return {profile.pk: profile for profile in qs}


def profile_page_details(profile: Profile) -> dict[str, Any]:
    """What a profile page shows to every viewer who may see ``profile``: positions (current
    and past, with organizations), specialties, goals, interests and the rendered bio.

    Cached under the profile's ``updated_at`` (rounds.core.fragments); services that change any
    of these touch the profile. Private fields (email, phone, location) are not in here: the
    view decides them per viewer.
    """
    from rounds.core.fragments import cached_fragment
    from rounds.core.markdown import render_markdown

    def build() -> dict[str, Any]:
        affiliations = list(affiliation_list_for(user=profile.user_id))
        return {
            "current_affiliations": [a for a in affiliations if a.is_current],
            "past_affiliations": [a for a in affiliations if not a.is_current],
            "specialties": list(profile.specialties.all()),
            "goals": list(profile.goals.all()),
            "interests": list(profile.interests.all()),
            "bio_html": str(render_markdown(profile.bio)) if profile.bio else "",
        }

    return cached_fragment("profile-page", profile.pk, profile.updated_at, build)


def organization_search(*, q: str = "", kind: str = "") -> QuerySet[Organization]:
    """Organizations by name (contains) and kind, alphabetical."""
    qs = Organization.objects.all()
    if q:
        qs = qs.filter(name__icontains=q.strip())
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("name", "id")


def organization_members(*, viewer: Any, organization: Organization) -> QuerySet[Profile]:
    """Members with a current affiliation at ``organization`` that ``viewer`` may see."""
    qs = profile_visible_to(viewer=viewer).filter(
        Exists(
            Affiliation.objects.filter(
                user_id=OuterRef("user_id"), is_current=True, organization=organization
            )
        )
    )
    return profile_with_details(qs).order_by("display_name", "id")


def affiliation_list_for(*, user: Any) -> QuerySet[Affiliation]:
    """A member's affiliations, current first."""
    return Affiliation.objects.filter(user=user).select_related("organization")
