"""HTML views for home, profiles, the profile editor, the directory and organizations.

Thin: parse (forms) → resolve through ``access_*`` / selectors → one service → render.
Domain errors map once (``rounds.core.http.map_errors``); field errors from services are shown
in their form with status 422. htmx requests get the page's ``{% partialdef %}`` fragment.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rounds.core.errors import ApplicationError, NotFound, ValidationFailed
from rounds.core.fragments import cached_fragment, cached_fragments, fragment_version, render_page
from rounds.core.guidance import NETWORK_TYPES
from rounds.core.htmx import is_htmx, render_page_or_fragment
from rounds.core.http import apply_service_errors, map_errors, require_valid_id
from rounds.core.pagination import MAX_PAGE_NUMBER, Page, paginate, parse_positive_int
from rounds.core.publishing import ACKNOWLEDGE_FIELD, is_acknowledged
from rounds.network.selectors import (
    connection_counts_for,
    incoming_requests_for,
    people_you_may_know,
    relationship_between,
    strategic_recommendations,
)

from .access import (
    access_organization_by_slug,
    access_profile_by_handle,
    access_profile_page,
    profile_page_prefetch,
)
from .forms import (
    PROFILE_SECTION_FORMS,
    AffiliationForm,
    AvatarForm,
    DirectoryFilterForm,
    NpiForm,
    OrganizationFilterForm,
    OrganizationForm,
    OrganizationSearchForm,
)
from .models import Organization, Profile
from .policies import can_see_field, can_verify_npi, is_owner
from .selectors import (
    MemberFilters,
    affiliation_list_for,
    current_affiliations_prefetch,
    member_cards_by_id,
    member_search_page,
    organization_members,
    organization_search,
    profile_page_details,
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
from .vocab import LANGUAGES

EDIT_TEMPLATE = "profiles/edit.html"
SECTION_TITLES = {
    "avatar": "Photo",
    "basics": "Basics",
    "about": "About",
    "specialties": "Specialties",
    "tags": "Goals and interests",
    "languages": "Languages",
    "affiliations": "Positions and organizations",
    "location": "Location",
    "contact": "Contact details",
    "visibility": "Profile visibility",
    "open_to": "Open to",
    "npi": "NPI",
}
ORG_PICKER_LIMIT = 20
HOME_PREVIEW = 3
#: Posts of the member's feed shown on the home page (the rest on /feed/).
HOME_FEED_SIZE = 5


def _page_number(request: HttpRequest) -> int:
    return parse_positive_int(request.GET.get("page"), default=1, maximum=MAX_PAGE_NUMBER)


def _location(profile: Profile) -> str:
    return ", ".join(part for part in (profile.city, profile.region, profile.country) if part)


# --- home -----------------------------------------------------------------------------------


def _completeness(profile: Profile, *, has_position: bool) -> tuple[int, list[dict[str, str]]]:
    """How complete the profile is (percent) and what to add next, most useful first."""
    checks = [
        (has_position, "affiliations", "Add where you work, so colleagues can find you."),
        (
            profile.goals.exists(),
            "tags",
            "Pick your goals, so we can suggest people who can help.",
        ),
        (profile.specialties.exists(), "specialties", "Add your specialties."),
        (bool(profile.headline), "basics", "Write a one-line headline."),
        (bool(profile.avatar), "avatar", "Add a photo: people remember faces."),
        (bool(profile.bio), "about", "Say a little about your work."),
        (bool(profile.languages), "languages", "List the languages you work in."),
    ]
    done = sum(1 for ok, _, _ in checks if ok)
    hints = [
        {"section": section, "text": text, "url": reverse("profiles:edit_section", args=[section])}
        for ok, section, text in checks
        if not ok
    ]
    return round(100 * done / len(checks)), hints


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Visitors: what Rounds is. Members: a welcome, what to complete, and how to start."""
    if not request.user.is_authenticated:
        return render(request, "profiles/landing.html", {"networks": NETWORK_TYPES})
    profile = profile_ensure(user=request.user)
    positions = [a for a in affiliation_list_for(user=request.user) if a.is_current]
    percent, hints = _completeness(profile, has_position=bool(positions))
    counts = connection_counts_for(viewer=request.user)
    waiting = list(incoming_requests_for(viewer=request.user)[: HOME_PREVIEW + 1])
    incoming = [r for r in waiting if getattr(r.sender, "profile", None) is not None]
    suggestions = _home_suggestions(request.user)
    prefetch_related_objects(
        [*(r.sender.profile for r in incoming[:HOME_PREVIEW]), *(r.profile for r in suggestions)],
        "specialties",
        current_affiliations_prefetch(),
    )
    from rounds.contacts.forms import QUICK_LOG_KINDS
    from rounds.contacts.selectors import due_list_for

    # "Due to reconnect": the five most overdue contacts (one indexed query).
    reconnect = due_list_for(viewer=request.user, limit=5, whole=False)
    from rounds.feed.selectors import home_feed

    # The newest posts of the member's feed (bounded per-source scans; rounds.feed.selectors).
    feed = home_feed(viewer=request.user, size=HOME_FEED_SIZE)
    return render(
        request,
        "profiles/home.html",
        {
            "profile": profile,
            "positions": positions,
            "percent": percent,
            "hints": hints[:3],
            "networks": [
                {"network": network, "count": counts.get(network.key, 0)}
                for network in NETWORK_TYPES
            ],
            "connection_total": sum(counts.values()),
            "incoming": incoming[:HOME_PREVIEW],
            "incoming_more": len(waiting) > HOME_PREVIEW,
            "suggestions": suggestions,
            "reconnect": reconnect,
            "quick_kinds": QUICK_LOG_KINDS,
            "feed": feed,
        },
    )


def _home_suggestions(user: Any) -> list[Any]:
    """A few suggestions for the home page: strategic ones first (the network most members
    neglect), then people they may know. Both lists are cached per network version."""
    suggestions = strategic_recommendations(viewer=user)[:HOME_PREVIEW]
    if len(suggestions) < HOME_PREVIEW:
        seen = {s.user_id for s in suggestions}
        for rec in people_you_may_know(viewer=user):
            if len(suggestions) >= HOME_PREVIEW:
                break
            if rec.user_id not in seen:
                suggestions.append(rec)
    return suggestions


# --- profile page ---------------------------------------------------------------------------


PUBLIC_PARTS = ("avatar", "head", "main", "aside")


def profile_public_html(profile: Profile) -> dict[str, Any]:
    """The parts of ``profile``'s page that every viewer allowed to see it sees alike
    (``profiles/_profile_public.html``), rendered once per ``updated_at`` and cached: a warm
    profile page renders only the per-viewer parts. ``has_details`` says whether any of
    about, positions, goals or interests is filled in."""

    def build() -> dict[str, Any]:
        details = profile_page_details(profile)
        context = {
            **details,
            "profile": profile,
            "bio_html": mark_safe(details["bio_html"]),  # noqa: S308  sanitised by render_markdown
        }
        parts: dict[str, Any] = {
            name: render_to_string(f"profiles/_profile_public.html#{name}", context)
            for name in PUBLIC_PARTS
        }
        parts["has_details"] = bool(
            profile.bio
            or details["current_affiliations"]
            or details["past_affiliations"]
            or details["goals"]
            or details["interests"]
        )
        return parts

    parts = cached_fragment("profile-public-html", profile.pk, profile.updated_at, build)
    return {
        name: mark_safe(value) if name in PUBLIC_PARTS else value  # noqa: S308  our templates
        for name, value in parts.items()
    }


@require_GET
@map_errors
def profile_detail(request: HttpRequest, handle: str) -> HttpResponse:
    """A member's profile; private fields only as far as their owner shares them."""
    viewer = request.user
    profile, relationship_row = access_profile_page(viewer, handle)
    location = _location(profile)
    private = {
        "is_owner": is_owner(viewer, profile),
        "languages": [LANGUAGES.get(code, code) for code in profile.languages or []],
        "email": profile.user.email
        if can_see_field(viewer, profile, profile.email_visibility)
        else "",
        "phone": profile.phone if can_see_field(viewer, profile, profile.phone_visibility) else "",
        "location": location if can_see_field(viewer, profile, profile.location_visibility) else "",
        "can_verify": can_verify_npi(viewer),
    }
    relationship = relationship_between(viewer=viewer, other=profile.user, row=relationship_row)
    # The page is cached per viewer under the profile's stamp, every per-viewer value shown
    # and the relationship's stamp; the public parts are themselves cached per profile stamp.
    return render_page(
        request,
        "profiles/detail.html",
        lambda: {
            **private,
            "profile": profile,
            "public": profile_public_html(profile),
            "relationship": relationship,
        },
        key_parts=(
            profile.pk,
            profile.updated_at.timestamp(),
            tuple(private.items()),
            relationship.stamp(),
        ),
    )


# Its first query is read with the viewer's account (``core.navigation``).
profile_detail.navigation_prefetch = profile_page_prefetch  # type: ignore[attr-defined]


@require_POST
@login_required
@map_errors
def profile_verify_npi_view(request: HttpRequest, handle: str) -> HttpResponse:
    """Staff mark a member's NPI verified (``verified=1``) or withdraw it (``verified=0``)."""
    profile = access_profile_by_handle(request.user, handle)
    verified = request.POST.get("verified") == "1"
    try:
        profile_verify_npi(actor=request.user, profile=profile, verified=verified)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, "NPI marked as verified." if verified else "NPI verification withdrawn."
        )
    return redirect("profiles:detail", handle=profile.handle)


# --- profile editor -------------------------------------------------------------------------


def _edit_context(request: HttpRequest, profile: Profile, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "profile": profile,
        "affiliations": affiliation_list_for(user=request.user),
        "editing": "",
        "mode": "",
        "form": None,
        "saved": "",
        "titles": SECTION_TITLES,
        "avatar_max_mb": settings.AVATAR_MAX_BYTES // (1024 * 1024),
    }
    context.update(extra)
    return context


def _section(
    request: HttpRequest, profile: Profile, section: str, *, status: int = 200, **extra: Any
) -> HttpResponse:
    """The whole editor page, or for htmx just the section's fragment."""
    return render_page_or_fragment(
        request,
        EDIT_TEMPLATE,
        fragment=f"section-{section}",
        context=_edit_context(request, profile, **extra),
        status=status,
    )


def _saved(request: HttpRequest, profile: Profile, section: str) -> HttpResponse:
    """After a successful save: htmx swaps the section back to view mode; plain POST redirects."""
    if is_htmx(request):
        return _section(request, profile, section, saved=section)
    messages.success(request, f"{SECTION_TITLES[section]}: saved.")
    return redirect(f"{reverse('profiles:edit')}#section-{section}")


@require_GET
@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    """The profile editor: every section in view mode, each editable in place."""
    profile = profile_ensure(user=request.user)
    return render(request, EDIT_TEMPLATE, _edit_context(request, profile))


@require_http_methods(["GET", "POST"])
@login_required
@map_errors
def profile_edit_section(request: HttpRequest, section: str) -> HttpResponse:
    """GET: the section's form (``?mode=view``: its read-only view). POST: save the section."""
    if section not in SECTION_TITLES:
        raise Http404("No such section.")
    profile = profile_ensure(user=request.user)
    if request.method == "GET":
        if request.GET.get("mode") == "view" or section == "affiliations":
            return _section(request, profile, section)
        return _section(
            request, profile, section, editing=section, form=_blank_form(section, profile)
        )
    if section in PROFILE_SECTION_FORMS:
        return _save_profile_section(request, profile, section)
    if section == "npi":
        return _save_npi(request, profile)
    if section == "avatar":
        return _save_avatar(request, profile)
    raise Http404("No such section.")


def _blank_form(section: str, profile: Profile) -> Any:
    if section in PROFILE_SECTION_FORMS:
        return PROFILE_SECTION_FORMS[section](profile=profile)
    if section == "npi":
        return NpiForm(initial={"npi": profile.npi or ""})
    return AvatarForm()


def _invalid(
    request: HttpRequest, profile: Profile, section: str, form: Any, **extra: Any
) -> HttpResponse:
    profile.refresh_from_db()  # a failed service may have touched the instance, never the row
    return _section(request, profile, section, status=422, editing=section, form=form, **extra)


def _save_profile_section(request: HttpRequest, profile: Profile, section: str) -> HttpResponse:
    form = PROFILE_SECTION_FORMS[section](request.POST, profile=profile)
    if form.is_valid():
        try:
            profile_update(
                actor=request.user,
                profile=profile,
                changes=form.changes(),
                acknowledge_warnings=is_acknowledged(request.POST.get(ACKNOWLEDGE_FIELD)),
            )
        except ApplicationError as exc:
            apply_service_errors(form, exc)
        else:
            return _saved(request, profile, section)
    return _invalid(request, profile, section, form)


def _save_npi(request: HttpRequest, profile: Profile) -> HttpResponse:
    form = NpiForm(request.POST)
    if form.is_valid():
        npi = None if "remove" in request.POST else (form.cleaned_data["npi"] or None)
        try:
            profile_set_npi(actor=request.user, profile=profile, npi=npi)
        except ApplicationError as exc:
            apply_service_errors(form, exc)
        else:
            return _saved(request, profile, "npi")
    return _invalid(request, profile, "npi", form)


def _save_avatar(request: HttpRequest, profile: Profile) -> HttpResponse:
    form = AvatarForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            profile_set_avatar(
                actor=request.user, profile=profile, upload=form.cleaned_data["avatar"]
            )
        except ApplicationError as exc:
            apply_service_errors(form, exc)
        else:
            return _saved(request, profile, "avatar")
    return _invalid(request, profile, "avatar", form)


@require_POST
@login_required
@map_errors
def avatar_remove(request: HttpRequest) -> HttpResponse:
    """Remove the member's photo; their initials show instead."""
    profile = profile_ensure(user=request.user)
    profile_remove_avatar(actor=request.user, profile=profile)
    return _saved(request, profile, "avatar")


# --- positions (affiliations) ---------------------------------------------------------------


def _org_options(query: str, selected: Organization | None) -> list[Organization]:
    options = list(organization_search(q=query)[:ORG_PICKER_LIMIT]) if query else []
    if selected is not None and selected not in options:
        options.insert(0, selected)
    return options


def _organization_or_none(viewer: Any, slug: str) -> Organization | None:
    if not slug:
        return None
    try:
        return access_organization_by_slug(viewer, slug)
    except NotFound:
        return None


def _add_mode(
    request: HttpRequest,
    profile: Profile,
    *,
    form: AffiliationForm,
    query: str,
    selected: Organization | None,
    status: int = 200,
) -> HttpResponse:
    search_form = OrganizationSearchForm({"org_q": query})
    search_form.is_valid()
    return _section(
        request,
        profile,
        "affiliations",
        status=status,
        editing="affiliations",
        mode="add",
        form=form,
        search_form=search_form,
        org_query=query,
        org_options=_org_options(query, selected),
        selected_org=selected,
    )


@require_http_methods(["GET", "POST"])
@login_required
@map_errors
def affiliation_add_view(request: HttpRequest) -> HttpResponse:
    """Add a position: pick the organization (search), then title, department and dates."""
    profile = profile_ensure(user=request.user)
    source = request.POST if request.method == "POST" else request.GET
    search = OrganizationSearchForm({"org_q": source.get("org_q", "")})
    query = search.cleaned_data["org_q"] if search.is_valid() else ""
    selected = _organization_or_none(request.user, source.get("organization", "")[:220])
    if request.method == "GET":
        form = AffiliationForm(
            initial={"organization": selected.slug if selected else "", "is_current": True}
        )
        return _add_mode(request, profile, form=form, query=query, selected=selected)
    form = AffiliationForm(request.POST)
    if form.is_valid():
        if selected is None:
            form.add_error(
                "organization", "Choose an organization from the list, or add it if it is missing."
            )
        else:
            try:
                affiliation_add(actor=request.user, organization=selected, **form.values())
            except ApplicationError as exc:
                apply_service_errors(form, exc)
            else:
                return _saved(request, profile, "affiliations")
    return _add_mode(request, profile, form=form, query=query, selected=selected, status=422)


@require_GET
@login_required
def affiliation_org_options(request: HttpRequest) -> HttpResponse:
    """The organization picker's results (htmx); without htmx, the add form with results."""
    search = OrganizationSearchForm(request.GET)
    query = search.cleaned_data["org_q"] if search.is_valid() else ""
    if not is_htmx(request):
        return redirect(f"{reverse('profiles:affiliation_add')}?{request.GET.urlencode()}")
    selected = _organization_or_none(request.user, request.GET.get("organization", "")[:220])
    return render(
        request,
        f"{EDIT_TEMPLATE}#org-options",
        {
            "org_options": _org_options(query, selected),
            "org_query": query,
            "selected_org": selected,
            "form": AffiliationForm(),
        },
    )


def _own_affiliation(request: HttpRequest, affiliation_id: int) -> Any:
    require_valid_id(affiliation_id)
    affiliation = affiliation_list_for(user=request.user).filter(pk=affiliation_id).first()
    if affiliation is None:
        raise NotFound("No such position.")
    return affiliation


@require_http_methods(["GET", "POST"])
@login_required
@map_errors
def affiliation_edit(request: HttpRequest, affiliation_id: int) -> HttpResponse:
    """Edit one of the member's own positions (another member's is a 404)."""
    profile = profile_ensure(user=request.user)
    affiliation = _own_affiliation(request, affiliation_id)
    status = 200
    if request.method == "GET":
        form = AffiliationForm(
            editing=True,
            initial={
                "title": affiliation.title,
                "department": affiliation.department,
                "start_date": affiliation.start_date,
                "end_date": affiliation.end_date,
                "is_current": affiliation.is_current,
            },
        )
    else:
        form = AffiliationForm(request.POST, editing=True)
        if form.is_valid():
            try:
                affiliation_update(
                    actor=request.user, affiliation_id=affiliation.pk, changes=form.values()
                )
            except ApplicationError as exc:
                apply_service_errors(form, exc)
            else:
                return _saved(request, profile, "affiliations")
        status = 422
    return _section(
        request,
        profile,
        "affiliations",
        status=status,
        editing="affiliations",
        mode="edit",
        form=form,
        editing_affiliation=affiliation,
    )


@require_POST
@login_required
@map_errors
def affiliation_remove_view(request: HttpRequest, affiliation_id: int) -> HttpResponse:
    """Remove one of the member's own positions."""
    profile = profile_ensure(user=request.user)
    affiliation_remove(actor=request.user, affiliation_id=require_valid_id(affiliation_id))
    return _saved(request, profile, "affiliations")


@require_http_methods(["GET", "POST"])
@login_required
@map_errors
def organization_new(request: HttpRequest) -> HttpResponse:
    """Add an organization missing from the directory, then continue adding the position."""
    profile = profile_ensure(user=request.user)
    if request.method == "GET":
        form = OrganizationForm(initial={"name": request.GET.get("name", "")[:200]})
        return _section(
            request, profile, "affiliations", editing="affiliations", mode="org", form=form
        )
    form = OrganizationForm(request.POST)
    if form.is_valid():
        try:
            organization = organization_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_service_errors(form, exc)
        else:
            if is_htmx(request):
                return _add_mode(
                    request,
                    profile,
                    form=AffiliationForm(
                        initial={"organization": organization.slug, "is_current": True}
                    ),
                    query="",
                    selected=organization,
                )
            messages.success(request, f"{organization.name} added. Now add your position there.")
            return redirect(
                f"{reverse('profiles:affiliation_add')}?organization={organization.slug}"
                "#section-affiliations"
            )
    return _section(
        request, profile, "affiliations", status=422, editing="affiliations", mode="org", form=form
    )


# --- directory and organizations ------------------------------------------------------------


def _filters(form: DirectoryFilterForm) -> MemberFilters:
    data = form.cleaned_data
    return MemberFilters(
        q=data["q"].strip(),
        specialty=data["specialty"].strip(),
        organization=data["organization"].strip(),
        location=data["location"].strip(),
        role=data["role"],
        goal=data["goal"].strip(),
        interest=data["interest"].strip(),
        open_to=tuple(data["open_to"]),
    )


def member_card_html(rows: list[tuple[int, Any]]) -> list[SafeString]:
    """Rendered member cards for ``(pk, updated_at)`` rows, from the fragment cache.

    A card shows only what every viewer allowed to see the member may see (no contact or
    location fields), so one cached copy serves everyone; ``rows`` come from a visibility-
    filtered selector. Missing cards cost a constant number of queries for the whole page.
    """

    def build(pks: list[int]) -> dict[int, str]:
        return {
            pk: render_to_string("includes/member_card.html", {"profile": profile})
            for pk, profile in member_cards_by_id(pks).items()
        }

    return [mark_safe(html) for html in cached_fragments("member-card", rows, build)]  # noqa: S308


def _filter_form_key(request: HttpRequest, organization: Organization | None) -> str:
    """What the directory's (valid) filter form shows depends on: the query string without the
    page number (values and the "remove organization" link), the named organization's name,
    and the code. The vocabularies are data shipped with the code."""
    params = sorted((k, v) for k, values in request.GET.lists() if k != "page" for v in values)
    raw = repr((fragment_version(), params, organization.name if organization else None))
    return hashlib.sha256(raw.encode()).hexdigest()


@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    """The member directory: filters in the query string, paginated, htmx-updated results."""
    form = DirectoryFilterForm(request.GET)
    template = "profiles/directory.html"
    if not form.is_valid():
        return render_page_or_fragment(
            request,
            template,
            fragment="results-response",
            context={"form": form, "page": None, "filters": MemberFilters(), "organization": None},
            status=400,
        )
    filters = _filters(form)
    rows = member_search_page(
        viewer=request.user,
        filters=filters,
        page=_page_number(request),
        size=settings.DIRECTORY_PAGE_SIZE,
    )
    organization = _organization_or_none(request.user, filters.organization)

    def context() -> dict[str, Any]:
        page = Page(
            items=member_card_html(rows.items),
            number=rows.number,
            size=rows.size,
            has_next=rows.has_next,
        )
        return {
            "form": form,
            "filters": filters,
            "page": page,
            "organization": organization,
            "filter_form_key": _filter_form_key(request, organization),
        }

    return render_page(
        request,
        template,
        context,
        key_parts=(
            tuple((pk, stamp.timestamp()) for pk, stamp in rows.items),
            rows.number,
            rows.has_next,
            (organization.pk, organization.name, organization.updated_at.timestamp())
            if organization is not None
            else None,
        ),
        fragment="results-response",
    )


@require_GET
def organization_list(request: HttpRequest) -> HttpResponse:
    """Organizations: search by name, filter by kind, paginated."""
    form = OrganizationFilterForm(request.GET)
    template = "profiles/organizations.html"
    if not form.is_valid():
        return render_page_or_fragment(
            request,
            template,
            fragment="results-response",
            context={"form": form, "page": None},
            status=400,
        )
    page = paginate(
        organization_search(q=form.cleaned_data["q"], kind=form.cleaned_data["kind"]),
        page=_page_number(request),
        size=settings.DIRECTORY_PAGE_SIZE,
    )
    return render_page_or_fragment(
        request,
        template,
        fragment="results-response",
        context={"form": form, "page": page, "has_filters": any(form.cleaned_data.values())},
    )


@require_GET
@map_errors
def organization_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """An organization and the members currently there whom the viewer may see."""
    organization = access_organization_by_slug(request.user, slug)
    page = paginate(
        organization_members(viewer=request.user, organization=organization),
        page=_page_number(request),
        size=settings.DIRECTORY_PAGE_SIZE,
    )
    return render_page_or_fragment(
        request,
        "profiles/organization.html",
        fragment="members",
        context={"organization": organization, "page": page},
    )
