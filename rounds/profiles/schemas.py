"""API schemas for profiles, organizations and affiliations.

Inputs (``*In``) forbid unknown fields: a misspelt field is a 422, never silently ignored.
Outputs (``*Out``) are built by the ``*_out`` functions below, which apply the field-level
privacy rules (rounds.profiles.policies.can_see_field) so no endpoint can forget them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Schema
from pydantic import ConfigDict, field_validator

from rounds.core.api_utils import (
    MAX_QUERY_PARAM,
    PageParams,
    Safe,
    SafeStr,
    absolute_url,
)
from rounds.core.markdown import render_markdown

from .models import (
    OPEN_TO_FIELDS,
    Affiliation,
    CareerStage,
    Organization,
    Profile,
    ProfileVisibility,
    Role,
    Visibility,
)
from .policies import can_see_field
from .vocab import LANGUAGES

#: Short names of the "open to" flags, as used by the API (``mentoring`` ↔ ``open_to_mentoring``).
OpenTo = Literal["mentoring", "being_mentored", "speaking", "collaboration", "volunteering"]
OPEN_TO_SHORT = {field: field.removeprefix("open_to_") for field in OPEN_TO_FIELDS}

EmailVisibility = Literal["nobody", "connections", "members"]
SpecialtySlug = Annotated[str, Field(max_length=80), Safe]
TagName = Annotated[str, Field(max_length=60), Safe]
LanguageCode = Annotated[str, Field(max_length=10), Safe]


class InSchema(Schema):
    """Request bodies: unknown fields are refused (422) rather than silently dropped."""

    model_config = ConfigDict(extra="forbid")


# --- vocabularies ----------------------------------------------------------------------------


class SpecialtyOut(Schema):
    slug: str
    name: str


class TagOut(Schema):
    slug: str
    name: str
    curated: bool = Field(..., description="False for entries added by members.")


class LanguageOut(Schema):
    code: str
    name: str


# --- organizations ----------------------------------------------------------------------------


class OrganizationRefOut(Schema):
    slug: str
    name: str


class OrganizationOut(Schema):
    slug: str
    name: str
    kind: str
    kind_label: str
    city: str
    region: str
    country: str
    website: str


class OrganizationDetailOut(OrganizationOut):
    description: str


class OrganizationSearchParams(PageParams):
    q: SafeStr = Field("", max_length=MAX_QUERY_PARAM, description="Part of the name.")
    kind: Organization.Kind | None = Field(None, description="Only organizations of this kind.")


class OrganizationIn(InSchema):
    name: SafeStr = Field(..., min_length=1, max_length=200)
    kind: Organization.Kind
    city: SafeStr = Field("", max_length=100)
    region: SafeStr = Field("", max_length=100)
    country: SafeStr = Field("", max_length=100)
    website: SafeStr = Field("", description="http:// or https:// address.", max_length=200)


def organization_out(org: Organization) -> dict[str, Any]:
    return {
        "slug": org.slug,
        "name": org.name,
        "kind": org.kind,
        "kind_label": org.get_kind_display(),
        "city": org.city,
        "region": org.region,
        "country": org.country,
        "website": org.website,
    }


def organization_detail_out(org: Organization) -> dict[str, Any]:
    return {**organization_out(org), "description": org.description}


# --- affiliations ----------------------------------------------------------------------------


class CurrentAffiliationOut(Schema):
    organization: OrganizationRefOut
    department: str
    title: str


class AffiliationOut(CurrentAffiliationOut):
    id: int
    start_date: date | None
    end_date: date | None
    is_current: bool


class AffiliationIn(InSchema):
    organization: SafeStr = Field(..., max_length=220, description="The organization's slug.")
    department: SafeStr = Field("", max_length=120)
    title: SafeStr = Field("", max_length=120)
    start_date: date | None = None
    end_date: date | None = Field(None, description="Leave empty for a current position.")
    is_current: bool = True


class AffiliationPatchIn(InSchema):
    """Only the fields sent are changed."""

    organization: Annotated[str, Field(max_length=220), Safe] | None = Field(
        None, description="A new slug."
    )
    department: Annotated[str, Field(max_length=120), Safe] | None = None
    title: Annotated[str, Field(max_length=120), Safe] | None = None
    start_date: date | None = None
    end_date: date | None = None
    is_current: bool | None = None


def _org_ref(org: Organization) -> dict[str, str]:
    return {"slug": org.slug, "name": org.name}


def affiliation_out(affiliation: Affiliation) -> dict[str, Any]:
    return {
        "id": affiliation.pk,
        "organization": _org_ref(affiliation.organization),
        "department": affiliation.department,
        "title": affiliation.title,
        "start_date": affiliation.start_date,
        "end_date": affiliation.end_date,
        "is_current": affiliation.is_current,
    }


# --- members (as others see them) ------------------------------------------------------------


class MemberCardOut(Schema):
    """A member in a list. Cards carry no contact or location fields (open the member's
    profile for those): deciding them can need a relationship lookup per member, and a list
    is exactly where scraping would harvest them."""

    handle: str
    display_name: str
    headline: str
    role: str
    role_label: str
    is_clinician: bool = Field(..., description="False for administrators, advocates, other.")
    career_stage: str
    career_stage_label: str
    specialties: list[SpecialtyOut]
    open_to: list[OpenTo]
    avatar_url: str | None
    npi_on_file: bool = Field(..., description="An NPI is on file (the number is never shown).")
    npi_verified: bool = Field(..., description="Staff checked the NPI against the registry.")
    current_affiliations: list[CurrentAffiliationOut]


class MemberOut(MemberCardOut):
    """A member's profile as the viewer may see it; fields not shared with the viewer are null."""

    bio: str = Field(..., description="Markdown as written.")
    bio_html: str = Field(..., description="The bio rendered to sanitised HTML.")
    goals: list[TagOut]
    interests: list[TagOut]
    languages: list[LanguageOut]
    city: str | None = Field(..., description="Null unless the member shares it with you.")
    region: str | None = Field(..., description="Null unless the member shares it with you.")
    country: str | None = Field(..., description="Null unless the member shares it with you.")
    email: str | None = Field(..., description="Null unless the member shares it with you.")
    phone: str | None = Field(..., description="Null unless the member shares it with you.")


class MemberSearchParams(PageParams):
    q: SafeStr = Field(
        "",
        max_length=MAX_QUERY_PARAM,
        description="Name, headline or handle: at least 3 characters (or empty).",
    )
    specialty: SafeStr = Field("", max_length=MAX_QUERY_PARAM, description="Specialty slug.")
    organization: SafeStr = Field(
        "", max_length=MAX_QUERY_PARAM, description="Slug of a current affiliation."
    )
    location: SafeStr = Field(
        "", max_length=MAX_QUERY_PARAM, description="City, region or country (visible ones only)."
    )
    role: Role | None = None
    goal: SafeStr = Field("", max_length=MAX_QUERY_PARAM, description="Goal slug.")
    interest: SafeStr = Field("", max_length=MAX_QUERY_PARAM, description="Interest slug.")
    open_to: list[OpenTo] = Field(
        default_factory=list, max_length=len(OPEN_TO_FIELDS), description="Repeatable."
    )

    @field_validator("q")
    @classmethod
    def _search_term(cls, value: str) -> str:
        from .selectors import MIN_SEARCH_LENGTH

        if value and len(value.strip()) < MIN_SEARCH_LENGTH:
            raise ValueError(
                f"Type at least {MIN_SEARCH_LENGTH} letters of a name, headline or handle."
            )
        return value


def _tags(manager: Any) -> list[dict[str, Any]]:
    return [{"slug": t.slug, "name": t.name, "curated": t.curated} for t in manager.all()]


def _shown(value: str, visible: bool) -> str | None:
    return value if visible and value else None


def _current_affiliations(profile: Profile) -> list[dict[str, Any]]:
    affiliations = getattr(profile.user, "current_affiliations", None)
    if affiliations is None:  # not prefetched: one query, for single-profile endpoints
        affiliations = profile.user.affiliations.filter(is_current=True).select_related(
            "organization"
        )
    return [
        {"organization": _org_ref(a.organization), "department": a.department, "title": a.title}
        for a in affiliations
    ]


def member_card_out(request: HttpRequest, profile: Profile) -> dict[str, Any]:
    """``profile`` in a list (from a viewer-filtered selector). Expects profile_with_details().

    Holds only what every viewer of the profile may see, so it needs no per-row policy check.
    """
    card = _member_card(profile)
    return {**card, "avatar_url": absolute_url(request, card["avatar_url"])}


def member_cards_out(
    request: HttpRequest, rows: list[tuple[int, datetime]]
) -> list[dict[str, Any]]:
    """Cards for ``(pk, updated_at)`` rows of a viewer-filtered selector, in order.

    A card is the same for every viewer (see ``member_card_out``), so it comes from the
    fragment cache (rounds.core.fragments) under the profile's ``updated_at``; the missing ones
    cost a constant number of queries for the whole page. Avatar URLs are made absolute per
    request (the cache holds the path).
    """
    from rounds.core.fragments import cached_fragments

    from .selectors import member_cards_by_id

    def build(pks: list[int]) -> dict[int, dict[str, Any]]:
        return {pk: _member_card(profile) for pk, profile in member_cards_by_id(pks).items()}

    return [
        {**card, "avatar_url": absolute_url(request, card["avatar_url"])}
        for card in cached_fragments("member-card-json", rows, build)
    ]


def member_cards_by_pk(
    request: HttpRequest, rows: list[tuple[int, datetime]]
) -> dict[int, dict[str, Any]]:
    """The cards of ``(pk, updated_at)`` rows keyed by profile pk (cached like
    ``member_cards_out``), for callers that pair each card with data of their own."""
    from rounds.core.fragments import cached_fragment_map

    from .selectors import member_cards_by_id

    def build(pks: list[int]) -> dict[int, dict[str, Any]]:
        return {pk: _member_card(profile) for pk, profile in member_cards_by_id(pks).items()}

    cards = cached_fragment_map("member-card-json", rows, build)
    return {
        pk: {**card, "avatar_url": absolute_url(request, card["avatar_url"])}
        for pk, card in cards.items()
    }


def _member_card(profile: Profile) -> dict[str, Any]:
    """The card of ``profile`` with the avatar's path (not yet absolute)."""
    return {
        "handle": profile.handle,
        "display_name": profile.display_name,
        "headline": profile.headline,
        "role": profile.role,
        "role_label": profile.get_role_display(),
        "is_clinician": profile.is_clinician,
        "career_stage": profile.career_stage,
        "career_stage_label": profile.get_career_stage_display(),
        "specialties": [{"slug": s.slug, "name": s.name} for s in profile.specialties.all()],
        "open_to": [OPEN_TO_SHORT[f] for f in OPEN_TO_FIELDS if getattr(profile, f)],
        "avatar_url": profile.avatar.url if profile.avatar else None,
        "npi_on_file": profile.npi_on_file,
        "npi_verified": profile.npi_verified,
        "current_affiliations": _current_affiliations(profile),
    }


def member_out(request: HttpRequest, viewer: Any, profile: Profile) -> dict[str, Any]:
    """What ``viewer`` may see of ``profile`` (from access_profile_by_handle) on its page."""
    from rounds.core.fragments import cached_fragment

    def shared() -> dict[str, Any]:
        # What every viewer who may see the profile sees: cached under its updated_at.
        return {
            **_member_card(profile),
            "bio": profile.bio,
            "bio_html": str(render_markdown(profile.bio)),
            "goals": _tags(profile.goals),
            "interests": _tags(profile.interests),
            "languages": [
                {"code": c, "name": LANGUAGES.get(c, c)} for c in profile.languages or []
            ],
        }

    public = cached_fragment("member-json", profile.pk, profile.updated_at, shared)
    location_visible = can_see_field(viewer, profile, profile.location_visibility)
    return {
        **public,
        "avatar_url": absolute_url(request, public["avatar_url"]),
        "city": _shown(profile.city, location_visible),
        "region": _shown(profile.region, location_visible),
        "country": _shown(profile.country, location_visible),
        "email": _shown(
            profile.user.email, can_see_field(viewer, profile, profile.email_visibility)
        ),
        "phone": _shown(profile.phone, can_see_field(viewer, profile, profile.phone_visibility)),
    }


# --- the member's own profile ----------------------------------------------------------------


class AccountOut(Schema):
    id: int
    email: str
    time_zone: str = Field("", description="IANA zone pages show times in; empty = UTC.")


class TimeZoneIn(InSchema):
    time_zone: Annotated[str, Field(max_length=64), Safe] = Field(
        ..., description="An IANA zone name (e.g. Europe/Berlin); empty = UTC."
    )


class OwnProfileOut(Schema):
    """Every field of the signed-in member's profile, private ones included."""

    handle: str
    display_name: str
    headline: str
    bio: str
    bio_html: str
    role: str
    role_label: str
    is_clinician: bool
    career_stage: str
    career_stage_label: str
    specialties: list[SpecialtyOut]
    goals: list[TagOut]
    interests: list[TagOut]
    languages: list[LanguageOut]
    city: str
    region: str
    country: str
    location_visibility: str
    phone: str
    phone_visibility: str
    email_visibility: str
    visibility: str
    open_to_mentoring: bool
    open_to_being_mentored: bool
    open_to_speaking: bool
    open_to_collaboration: bool
    open_to_volunteering: bool
    avatar_url: str | None
    npi: str | None = Field(..., description="Your NPI; only you ever see the number.")
    npi_on_file: bool
    npi_verified: bool
    npi_verified_at: datetime | None
    affiliations: list[AffiliationOut] = Field(..., description="All positions, current first.")


class MeOut(Schema):
    account: AccountOut
    profile: OwnProfileOut


class ProfilePatchIn(InSchema):
    """Send only the fields to change. Lists replace the whole list."""

    handle: Annotated[str, Field(max_length=40), Safe] | None = Field(
        None, description="3–40 lowercase letters, digits or dashes."
    )
    display_name: Annotated[str, Field(max_length=120), Safe] | None = None
    headline: Annotated[str, Field(max_length=160), Safe] | None = None
    bio: Annotated[str, Field(max_length=5000), Safe] | None = Field(None, description="Markdown.")
    role: Role | None = None
    career_stage: CareerStage | None = None
    specialties: list[SpecialtySlug] | None = Field(
        None, max_length=10, description="Specialty slugs."
    )
    goals: list[TagName] | None = Field(
        None, max_length=20, description="Names or slugs; new names are added."
    )
    interests: list[TagName] | None = Field(
        None, max_length=20, description="Names or slugs; new names are added."
    )
    languages: list[LanguageCode] | None = Field(
        None, max_length=15, description="Language codes such as `en`, `es`."
    )
    city: Annotated[str, Field(max_length=100), Safe] | None = None
    region: Annotated[str, Field(max_length=100), Safe] | None = None
    country: Annotated[str, Field(max_length=100), Safe] | None = None
    location_visibility: Visibility | None = None
    phone: Annotated[str, Field(max_length=32), Safe] | None = None
    phone_visibility: Visibility | None = None
    email_visibility: EmailVisibility | None = Field(
        None, description="Your email is never public."
    )
    visibility: ProfileVisibility | None = None
    open_to_mentoring: bool | None = None
    open_to_being_mentored: bool | None = None
    open_to_speaking: bool | None = None
    open_to_collaboration: bool | None = None
    open_to_volunteering: bool | None = None
    acknowledge_warnings: bool = Field(
        False,
        description=(
            "Publish a headline or bio despite the professionalism guard's warnings (after a "
            "422 with `guard.needs_confirmation`). Never overrides patient information."
        ),
    )


class NpiIn(InSchema):
    npi: Annotated[str, Field(max_length=20), Safe] | None = Field(
        ..., description="Your 10-digit NPI, or null to remove it."
    )


class NpiVerificationIn(InSchema):
    verified: bool


class NpiVerificationOut(Schema):
    handle: str
    npi_on_file: bool
    npi_verified: bool
    npi_verified_at: datetime | None


def own_profile_out(
    request: HttpRequest, profile: Profile, affiliations: list[Affiliation]
) -> dict[str, Any]:
    """The owner's view of ``profile``. Expects profile_with_details()."""
    return {
        "handle": profile.handle,
        "display_name": profile.display_name,
        "headline": profile.headline,
        "bio": profile.bio,
        "bio_html": str(render_markdown(profile.bio)),
        "role": profile.role,
        "role_label": profile.get_role_display(),
        "is_clinician": profile.is_clinician,
        "career_stage": profile.career_stage,
        "career_stage_label": profile.get_career_stage_display(),
        "specialties": [{"slug": s.slug, "name": s.name} for s in profile.specialties.all()],
        "goals": _tags(profile.goals),
        "interests": _tags(profile.interests),
        "languages": [{"code": c, "name": LANGUAGES.get(c, c)} for c in profile.languages or []],
        "city": profile.city,
        "region": profile.region,
        "country": profile.country,
        "location_visibility": profile.location_visibility,
        "phone": profile.phone,
        "phone_visibility": profile.phone_visibility,
        "email_visibility": profile.email_visibility,
        "visibility": profile.visibility,
        **{field: getattr(profile, field) for field in OPEN_TO_FIELDS},
        "avatar_url": absolute_url(request, profile.avatar.url if profile.avatar else None),
        "npi": profile.npi,
        "npi_on_file": profile.npi_on_file,
        "npi_verified": profile.npi_verified,
        "npi_verified_at": profile.npi_verified_at,
        "affiliations": [affiliation_out(a) for a in affiliations],
    }


def npi_verification_out(profile: Profile) -> dict[str, Any]:
    return {
        "handle": profile.handle,
        "npi_on_file": profile.npi_on_file,
        "npi_verified": profile.npi_verified,
        "npi_verified_at": profile.npi_verified_at,
    }
