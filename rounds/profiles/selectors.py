"""Reads for profiles and organizations: querysets already filtered for the viewer and prefetched."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import router
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Concat

from rounds.core.cache import LocalCopies
from rounds.core.compiled import SENTINEL_ID, SENTINEL_TEXT, CompiledShapes
from rounds.core.pagination import MAX_PAGE_NUMBER, MAX_PAGE_SIZE, Page, paginate

from .models import (
    OPEN_TO_FIELDS,
    Affiliation,
    Organization,
    Profile,
    ProfileVisibility,
    Specialty,
)
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
    # Deactivated members and members deleting their account are absent for everyone.
    qs = Profile.objects.filter(user__is_active=True, user__deletion_scheduled=False)
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


#: Name searches need at least this many characters (pg_trgm indexes need three; shorter
#: fragments scanned the table: 240 ms at tier M). Checked where the term comes in
#: (``forms.check_search_term``, ``schemas.MemberSearchParams``).
MIN_SEARCH_LENGTH = 3

#: An organization filter matching at most this many members is applied as a list of ids;
#: larger ones stay a subquery.
SMALL_FILTER = 5000

#: How long a tag's slug → id resolution is kept in the cache (ids never change for a slug;
#: the timeout only bounds what a deleted tag leaves behind).
TAG_ID_SECONDS = 3600


#: What a tag's slug can be (``SlugField(max_length=80)``).
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,80}")


def _tag_id(model: Any, slug: str) -> int | None:
    """The id of the specialty/goal/interest ``slug`` (None when there is none), from the cache.

    Filtering the link table by the id rather than joining the tag table on its slug lets
    PostgreSQL use the per-tag statistics of the link table (how many members a specialty
    has) and migration 0005's ``(tag, profile)`` index; through the join it assumed an
    average tag and walked the name index for a rare one (docs/benchmarks.md, finding 1).
    """
    from django.core.cache import cache

    if not _SLUG.fullmatch(slug or ""):  # no tag has it; and never a cache key of raw input
        return None
    key = f"tag-id:{model._meta.label_lower}:{slug}"
    found = _local_or_shared(key)
    if found is None:
        found = model.objects.filter(slug=slug).values_list("pk", flat=True).first()
        if found is None:
            return None
        cache.set(key, found, TAG_ID_SECONDS)
        _LOCAL_TAGS.put(cache.make_key(key), found)
    return int(found)


#: This process's copies of tag ids by slug and tag sizes (``_tag_id``, ``_tag_size``): both
#: are already shared for ``TAG_ID_SECONDS`` regardless of changes, so a local copy of a
#: minute changes nothing but the Redis round trips of a filtered directory page.
_LOCAL_TAGS = LocalCopies(max_chars=20_000, measure=lambda value: 1)


def _local_or_shared(key: str) -> Any:
    from django.core.cache import cache

    name = cache.make_key(key)
    found = _LOCAL_TAGS.get(name)
    if found is None:
        found = cache.get(key)
        if found is not None:
            _LOCAL_TAGS.put(name, found)
    return found


def _tag_size(model: Any, name: str, tag_id: int) -> int:
    """How many members have tag ``tag_id`` of ``name`` (cached for ``TAG_ID_SECONDS``: it
    only chooses a query plan, so an hour-old count is as good as a fresh one)."""
    from django.core.cache import cache

    key = f"tag-size:{model._meta.label_lower}:{tag_id}"
    found = _local_or_shared(key)
    if found is None:
        descriptor = getattr(Profile, name)
        column = f"{descriptor.field.m2m_reverse_field_name()}_id"
        found = descriptor.through.objects.filter(**{column: tag_id}).count()
        cache.set(key, found, TAG_ID_SECONDS)
        _LOCAL_TAGS.put(cache.make_key(key), found)
    return int(found)


def _narrow(qs: QuerySet[Profile], field: str, ids: QuerySet[Any, int]) -> QuerySet[Profile]:
    """Restrict ``qs`` to ``field IN ids``, choosing the plan shape by the filter's size.

    Ordered by name with a LIMIT, PostgreSQL walks the name index and probes each row against
    the filter, expecting an early stop: right for popular filters, but for a rare one it walks
    tens of thousands of rows. Fetching a rare filter's ids first (one indexed query) turns the
    page into an id lookup plus a small sort. Popular filters keep the subquery.
    """
    sample = list(ids[: SMALL_FILTER + 1])
    if len(sample) <= SMALL_FILTER:
        return qs.filter(**{f"{field}__in": sample}).annotate(_narrowed=Value(True))
    return qs.filter(**{f"{field}__in": ids})


def _with_tag(qs: QuerySet[Profile], name: str, slug: str) -> QuerySet[Profile]:
    """Members having the tag ``slug`` of the many-to-many field ``name`` (none if unknown)."""
    tag_id = _tag_id(getattr(Profile, name).field.related_model, slug)
    if tag_id is None:
        return qs.none()
    return _with_tag_id(qs, name, tag_id)


def _with_tag_id(qs: QuerySet[Profile], name: str, tag_id: int) -> QuerySet[Profile]:
    descriptor = getattr(Profile, name)
    through = descriptor.through
    column = f"{descriptor.field.m2m_reverse_field_name()}_id"
    return qs.filter(Exists(through.objects.filter(profile_id=OuterRef("pk"), **{column: tag_id})))


def _name_q(term: str) -> Q:
    """The name search: part of the name or headline, or the exact handle."""
    return Q(display_name__icontains=term) | Q(headline__icontains=term) | Q(handle__iexact=term)


def member_search(*, viewer: Any, filters: MemberFilters) -> QuerySet[Profile]:
    """Members matching ``filters`` that ``viewer`` may see, ordered by name.

    Location matches only members whose location is visible to the viewer, so a search can
    never reveal a hidden field. Organization matches current affiliations.
    """
    qs = profile_visible_to(viewer=viewer)
    if filters.q:
        qs = qs.filter(_name_q(filters.q.strip()))
    if filters.specialty:
        qs = _with_tag(qs, "specialties", filters.specialty)
    if filters.goal:
        qs = _with_tag(qs, "goals", filters.goal)
    if filters.interest:
        qs = _with_tag(qs, "interests", filters.interest)
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


@dataclass(frozen=True)
class _Viewer:
    """A signed-in viewer as ``profile_visible_to`` needs one (its id only)."""

    pk: int
    is_authenticated: bool = True


def _search_rows(
    shape: tuple[bool, bool, bool, int, int],
    *,
    viewer_id: int,
    q: str | None = None,
    specialty_id: int | None = None,
) -> QuerySet[Any]:
    has_q, has_specialty, rare, offset, limit = shape
    qs = profile_visible_to(viewer=_Viewer(viewer_id))
    if has_q:
        qs = qs.filter(_name_q(str(q)))
    if has_specialty:
        qs = _with_tag_id(qs, "specialties", int(specialty_id or 0))
    if rare:
        # A specialty few members have: sorted by an expression equal to the name (so the
        # same order) that no index serves, PostgreSQL takes the specialty's members from the
        # (tag, profile) index and sorts them; ordered by the bare column it walked the name
        # index probing every member for the specialty (175,000 rows, 600 ms for one with 591
        # members whose names cluster late in the alphabet: docs/benchmarks.md, session 5).
        qs = qs.annotate(_name_sort=Concat("display_name", Value(""))).order_by("_name_sort", "id")
    else:
        qs = qs.order_by("display_name", "id")
    return qs.values_list("pk", "updated_at")[offset : offset + limit]


#: The directory's and the search API's commonest shapes (a member browsing, by name and/or
#: specialty) compiled once per page shape; other filters build the query with the ORM.
def _search_sentinels(shape: tuple[bool, bool, bool, int, int]) -> dict[str, Any]:
    has_q, has_specialty, _, _, _ = shape
    sentinels: dict[str, Any] = {"viewer_id": SENTINEL_ID}
    if has_q:
        sentinels["q"] = SENTINEL_TEXT
    if has_specialty:
        sentinels["specialty_id"] = SENTINEL_ID - 1
    return sentinels


SEARCH_ROWS = CompiledShapes(_search_rows, sentinels=_search_sentinels)


def member_search_page(*, viewer: Any, filters: MemberFilters, page: int, size: int) -> Page[Any]:
    """A page of ``member_search_rows`` (``(pk, updated_at)``), from ``SEARCH_ROWS`` when
    a member searches by name and/or specialty only."""
    simple = replace(filters, q="", specialty="").is_empty()
    if not (simple and getattr(viewer, "is_authenticated", False)):
        return paginate(member_search_rows(viewer=viewer, filters=filters), page=page, size=size)
    specialty_id = 0
    if filters.specialty:
        found = _tag_id(Specialty, filters.specialty)
        if found is None:
            return Page(
                items=[], number=max(1, min(page, MAX_PAGE_NUMBER)), size=size, has_next=False
            )
        specialty_id = found
    size = max(1, min(size, MAX_PAGE_SIZE))
    page = max(1, min(page, MAX_PAGE_NUMBER))
    rare = bool(specialty_id) and _tag_size(Specialty, "specialties", specialty_id) <= SMALL_FILTER
    shape = (bool(filters.q), bool(filters.specialty), rare, (page - 1) * size, size + 1)
    q = filters.q.strip()

    def compute(viewer_id: int) -> list[tuple[Any, ...]]:
        return SEARCH_ROWS.rows(
            shape,
            viewer_id=viewer_id,
            q=q,
            specialty_id=specialty_id,
            using=router.db_for_read(Profile),
        )

    rows: list[Any] | None = None
    if q or specialty_id:  # searches: the page of ids is shared (``search_cache``)
        from .search_cache import cached_search_rows

        rows = cached_search_rows(
            shape, viewer_id=viewer.pk, q=q, specialty_id=specialty_id, compute=compute
        )
    if rows is None:
        rows = compute(viewer.pk)
    return Page(items=rows[:size], number=page, size=size, has_next=len(rows) > size)


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
