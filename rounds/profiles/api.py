"""JSON API for profiles, the member directory and organizations.

Thin endpoints: parse (schemas) → resolve through ``access_*`` → one service or selector →
serialise (the ``*_out`` functions in schemas.py apply the privacy rules).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Path, Query, Router, Status, UploadedFile

from rounds.core.api_utils import (
    MAX_ID,
    PageOut,
    PageParams,
    error_responses,
    member_auth,
    optional_auth,
    page_out,
    trusted_json,
    viewer_of,
)
from rounds.core.errors import NotFound, ValidationFailed
from rounds.core.pagination import Page, paginate
from rounds.guard.schemas import GuardErrorOut

from .access import access_organization_by_slug, access_profile_by_handle
from .models import Organization, Profile
from .schemas import (
    OPEN_TO_SHORT,
    AccountOut,
    AffiliationIn,
    AffiliationOut,
    AffiliationPatchIn,
    MemberCardOut,
    MemberOut,
    MemberSearchParams,
    MeOut,
    NpiIn,
    NpiVerificationIn,
    NpiVerificationOut,
    OrganizationDetailOut,
    OrganizationIn,
    OrganizationOut,
    OrganizationSearchParams,
    OwnProfileOut,
    ProfilePatchIn,
    TimeZoneIn,
    affiliation_out,
    member_card_out,
    member_cards_out,
    member_out,
    npi_verification_out,
    organization_detail_out,
    organization_out,
    own_profile_out,
)
from .selectors import (
    MemberFilters,
    affiliation_list_for,
    member_search_page,
    organization_members,
    organization_search,
    profile_with_details,
)
from .services import (
    affiliation_add,
    affiliation_remove,
    affiliation_update,
    organization_create,
    profile_ensure,
    profile_remove_avatar,
    profile_set_avatar,
    profile_set_npi,
    profile_update,
    profile_verify_npi,
)

me_router = Router(tags=["me"], auth=member_auth)
members_router = Router(tags=["members"])
organizations_router = Router(tags=["organizations"])

_SHORT_TO_FIELD = {short: field for field, short in OPEN_TO_SHORT.items()}


# --- helpers ---------------------------------------------------------------------------------


def _own_profile(user: Any) -> Profile:
    """The member's own profile with everything the owner view shows (created if missing)."""
    profile = profile_with_details(Profile.objects.filter(user=user)).first()
    if profile is None:
        profile_ensure(user=user)
        profile = profile_with_details(Profile.objects.filter(user=user)).get()
    return profile


def _own_profile_out(request: HttpRequest, user: Any) -> dict[str, Any]:
    profile = _own_profile(user)
    return own_profile_out(request, profile, list(affiliation_list_for(user=user)))


def _organization_field(viewer: Any, slug: str) -> Organization:
    """Resolve an organization named in a request body: unknown slugs are a field error (422)."""
    try:
        return access_organization_by_slug(viewer, slug)
    except NotFound:
        raise ValidationFailed(
            "No organization with that address; choose one from the directory or add it first.",
            field="organization",
        ) from None


# --- the signed-in member --------------------------------------------------------------------


@me_router.get(
    "",
    response={200: MeOut, **error_responses(401)},
    summary="The signed-in member",
    description="Your account and your full profile, private fields and NPI included.",
)
def me(request: HttpRequest) -> dict[str, Any]:
    user = viewer_of(request)
    return {
        "account": {"id": user.pk, "email": user.email, "time_zone": user.time_zone},
        "profile": _own_profile_out(request, user),
    }


@me_router.patch(
    "/profile",
    response={200: OwnProfileOut, **error_responses(400, 401, 403, 409), 422: GuardErrorOut},
    summary="Edit your profile",
    description=(
        "Partial update: only the fields you send change (send `null` to clear text). Lists "
        "(specialties, goals, interests, languages) replace the whole list. Unknown fields are "
        "refused with 422. A handle already taken is a 409. A changed headline or bio passes "
        "the professionalism guard: patient information is a 422 with `guard` findings; "
        "warnings are a 422 with `guard.needs_confirmation` until you resend with "
        "`acknowledge_warnings: true`."
    ),
)
def profile_patch(request: HttpRequest, payload: ProfilePatchIn) -> dict[str, Any]:
    user = viewer_of(request)
    profile = profile_ensure(user=user)
    profile_update(
        actor=user,
        profile=profile,
        changes=payload.model_dump(
            mode="json", exclude_unset=True, exclude={"acknowledge_warnings"}
        ),
        acknowledge_warnings=payload.acknowledge_warnings,
    )
    return _own_profile_out(request, user)


@me_router.put(
    "/time-zone",
    response={200: AccountOut, **error_responses(400, 401, 403, 422)},
    summary="Set your time zone",
    description="An IANA zone name (pages show times in it); empty resets to UTC. "
    "API times stay UTC ISO 8601 whatever the zone.",
)
def time_zone_put(request: HttpRequest, payload: TimeZoneIn) -> dict[str, Any]:
    from rounds.accounts.services import time_zone_set

    user = time_zone_set(actor=viewer_of(request), time_zone=payload.time_zone)
    return {"id": user.pk, "email": user.email, "time_zone": user.time_zone}


@me_router.put(
    "/profile/npi",
    response={200: OwnProfileOut, **error_responses(400, 401, 403, 409, 422)},
    summary="Put your NPI on file",
    description=(
        "Set your 10-digit US National Provider Identifier (spaces and dashes allowed), or "
        "`null` to remove it. A malformed number is a 422 saying why; a number on file for "
        "another member is a 409. Changing the number clears its verification. Other members "
        "only ever see whether an NPI is on file and verified, never the number."
    ),
)
def npi_put(request: HttpRequest, payload: NpiIn) -> dict[str, Any]:
    user = viewer_of(request)
    profile_set_npi(actor=user, profile=profile_ensure(user=user), npi=payload.npi)
    return _own_profile_out(request, user)


@me_router.post(
    "/profile/avatar",
    response={200: OwnProfileOut, **error_responses(400, 401, 403, 413, 422)},
    summary="Upload your photo",
    description=(
        "Multipart upload in the field `avatar`: a JPEG, PNG, WebP or GIF of at most 5 MB. "
        "It is re-encoded to a JPEG of at most 512×512 pixels without metadata."
    ),
)
def avatar_upload(request: HttpRequest, avatar: UploadedFile = File(...)) -> dict[str, Any]:  # noqa: B008
    user = viewer_of(request)
    profile_set_avatar(actor=user, profile=profile_ensure(user=user), upload=avatar)
    return _own_profile_out(request, user)


@me_router.delete(
    "/profile/avatar",
    response={200: OwnProfileOut, **error_responses(401, 403)},
    summary="Remove your photo",
)
def avatar_delete(request: HttpRequest) -> dict[str, Any]:
    user = viewer_of(request)
    profile_remove_avatar(actor=user, profile=profile_ensure(user=user))
    return _own_profile_out(request, user)


@me_router.get(
    "/affiliations",
    response={200: list[AffiliationOut], **error_responses(401)},
    summary="Your positions",
    description="All your affiliations, current first (at most 30, so not paginated).",
)
def affiliation_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [affiliation_out(a) for a in affiliation_list_for(user=viewer_of(request))]


@me_router.post(
    "/affiliations",
    response={201: AffiliationOut, **error_responses(400, 401, 403, 422)},
    summary="Add a position",
    description=(
        "The organization is named by its slug; an unknown slug is a 422 on `organization` "
        "(add the organization with `POST /organizations` first)."
    ),
)
def affiliation_create(request: HttpRequest, payload: AffiliationIn) -> Status[dict[str, Any]]:
    user = viewer_of(request)
    organization = _organization_field(user, payload.organization)
    affiliation = affiliation_add(
        actor=user,
        organization=organization,
        department=payload.department,
        title=payload.title,
        start_date=payload.start_date,
        end_date=payload.end_date,
        is_current=payload.is_current,
    )
    return Status(201, affiliation_out(affiliation))


@me_router.patch(
    "/affiliations/{affiliation_id}",
    response={200: AffiliationOut, **error_responses(400, 401, 403, 404, 422)},
    summary="Edit a position",
    description="Partial update: only the fields you send change. Someone else's id is a 404.",
)
def affiliation_patch(
    request: HttpRequest,
    payload: AffiliationPatchIn,
    affiliation_id: int = Path(..., ge=1, le=MAX_ID),
) -> dict[str, Any]:
    user = viewer_of(request)
    changes: dict[str, Any] = payload.model_dump(exclude_unset=True)
    if "organization" in changes:
        if changes["organization"] is None:
            raise ValidationFailed("A position needs an organization.", field="organization")
        changes["organization"] = _organization_field(user, changes["organization"])
    affiliation = affiliation_update(actor=user, affiliation_id=affiliation_id, changes=changes)
    return affiliation_out(affiliation)


@me_router.delete(
    "/affiliations/{affiliation_id}",
    response={204: None, **error_responses(401, 404, 422)},
    summary="Remove a position",
)
def affiliation_delete(
    request: HttpRequest,
    affiliation_id: int = Path(..., ge=1, le=MAX_ID),
) -> Status[None]:
    affiliation_remove(actor=viewer_of(request), affiliation_id=affiliation_id)
    return Status(204, None)


# --- the member directory --------------------------------------------------------------------


@members_router.get(
    "",
    auth=optional_auth,
    response={200: PageOut[MemberCardOut], **error_responses(401, 422)},
    summary="Search members",
    description=(
        "Members you may see, by name. Visitors see public profiles only. Filters combine "
        "(AND); `open_to` is repeatable. A location search only matches members whose "
        "location is visible to you. Items are cards without contact or location fields: "
        "open the member for those. Text parameters are at most 200 characters."
    ),
)
def member_list(
    request: HttpRequest,
    params: Query[MemberSearchParams],
) -> HttpResponse:
    viewer = viewer_of(request)
    filters = MemberFilters(
        q=params.q,
        specialty=params.specialty,
        organization=params.organization,
        location=params.location,
        role=params.role.value if params.role else "",
        goal=params.goal,
        interest=params.interest,
        open_to=tuple(_SHORT_TO_FIELD[short] for short in params.open_to),
    )
    rows = member_search_page(
        viewer=viewer, filters=filters, page=params.page, size=params.page_size
    )
    cards = member_cards_out(request, rows.items)
    page = page_out(Page(cards, rows.number, rows.size, rows.has_next), lambda card: card)
    return trusted_json(page, PageOut[MemberCardOut])


@members_router.get(
    "/{handle}",
    auth=optional_auth,
    response={200: MemberOut, **error_responses(401, 404)},
    summary="A member's profile",
    description=(
        "The profile at `handle`, as you may see it: contact and location fields the member "
        "does not share with you are null, and the NPI number is never included. Visitors "
        "see public profiles only; anything else is a 404."
    ),
)
def member_detail(request: HttpRequest, handle: str) -> HttpResponse:
    viewer = viewer_of(request)
    profile = access_profile_by_handle(viewer, handle)
    return trusted_json(member_out(request, viewer, profile), MemberOut)


@members_router.post(
    "/{handle}/npi-verification",
    response={200: NpiVerificationOut, **error_responses(401, 403, 404, 422)},
    summary="Verify a member's NPI (staff)",
    description=(
        "Staff record that they checked the member's NPI against the NPPES registry "
        "(`verified: true`) or withdraw that (`false`). Audited. Non-staff get 403."
    ),
    tags=["staff"],
)
def npi_verification(
    request: HttpRequest, handle: str, payload: NpiVerificationIn
) -> dict[str, Any]:
    viewer = viewer_of(request)
    profile = access_profile_by_handle(viewer, handle)
    profile = profile_verify_npi(actor=viewer, profile=profile, verified=payload.verified)
    return npi_verification_out(profile)


# --- organizations ---------------------------------------------------------------------------


@organizations_router.get(
    "",
    auth=optional_auth,
    response={200: PageOut[OrganizationOut], **error_responses(401, 422)},
    summary="Search organizations",
    description="Hospitals, practices, schools and societies by name and kind, alphabetical.",
)
def organization_list(
    request: HttpRequest,
    params: Query[OrganizationSearchParams],
) -> dict[str, Any]:
    qs = organization_search(q=params.q, kind=params.kind.value if params.kind else "")
    return page_out(paginate(qs, page=params.page, size=params.page_size), organization_out)


@organizations_router.post(
    "",
    response={201: OrganizationDetailOut, **error_responses(400, 401, 403, 409, 422)},
    summary="Add an organization",
    description="Add an organization missing from the directory. A duplicate is a 409.",
)
def organization_add(request: HttpRequest, payload: OrganizationIn) -> Status[dict[str, Any]]:
    org = organization_create(
        actor=viewer_of(request),
        name=payload.name,
        kind=payload.kind.value,
        city=payload.city,
        region=payload.region,
        country=payload.country,
        website=payload.website,
    )
    return Status(201, organization_detail_out(org))


@organizations_router.get(
    "/{slug}",
    auth=optional_auth,
    response={200: OrganizationDetailOut, **error_responses(401, 404)},
    summary="An organization",
)
def organization_detail(request: HttpRequest, slug: str) -> dict[str, Any]:
    return organization_detail_out(access_organization_by_slug(viewer_of(request), slug))


@organizations_router.get(
    "/{slug}/members",
    auth=optional_auth,
    response={200: PageOut[MemberCardOut], **error_responses(401, 404, 422)},
    summary="An organization's members",
    description="Members with a current position there whom you may see, by name.",
)
def organization_member_list(
    request: HttpRequest,
    slug: str,
    params: Query[PageParams],
) -> dict[str, Any]:
    viewer = viewer_of(request)
    organization = access_organization_by_slug(viewer, slug)
    page = paginate(
        organization_members(viewer=viewer, organization=organization),
        page=params.page,
        size=params.page_size,
    )
    return page_out(page, lambda profile: member_card_out(request, profile))
