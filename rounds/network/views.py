"""HTML pages of the network: My Network (three networks, balance, health), connections with
private labels and types, requests, the connect form, follows, blocks and recommendations.

Thin: parse (forms) → resolve through ``access_*`` or the viewer's own lists → one service or
selector → render. Every page is about ``request.user``: another member's labels, types, health
and recommendations are never read. Domain errors map once (``rounds.core.http.map_errors``);
errors a member can fix are shown on the page or form they came from, with the service's status.
htmx requests get fragments (the item they acted on); plain POSTs redirect back with a message.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rounds.core.charts import Datum, describe_parts
from rounds.core.errors import ApplicationError, NotFound
from rounds.core.fragments import (
    CSRF_PLACEHOLDER,
    cached_html,
    cached_html_many,
    fragment_version,
    render_for_cache,
    render_page,
)
from rounds.core.guidance import NETWORK_TYPES
from rounds.core.htmx import is_htmx, render_page_or_fragment
from rounds.core.http import apply_service_errors, map_errors, require_valid_id
from rounds.core.pagination import (
    MAX_PAGE_NUMBER,
    MAX_PAGE_SIZE,
    Page,
    paginate,
    parse_positive_int,
)
from rounds.core.publishing import ACKNOWLEDGE_FIELD, is_acknowledged
from rounds.profiles.access import access_profile_by_handle
from rounds.profiles.models import Profile
from rounds.profiles.selectors import affiliation_list_for, current_affiliations_prefetch

from . import services
from .forms import (
    DORMANT_CHOICES,
    LABEL_CHOICES,
    MANUAL_INTERACTION_KINDS,
    OLDEST_INTERACTION,
    TYPE_CHOICES,
    ConnectForm,
    ConnectionFilterForm,
    HealthPeriodForm,
    InteractionForm,
    LabelForm,
    NetworkTypeForm,
)
from .models import Block, Connection, ConnectionRequest
from .selectors import (
    ConnectionRow,
    Recommendation,
    blocked_list_for,
    connection_counts_for,
    connection_counts_prefetch,
    connection_list_for,
    connection_rows_for,
    connection_rows_plain_page,
    followers_of,
    following_of,
    incoming_requests_for,
    network_health_for,
    network_snapshot,
    network_snapshot_prefetch,
    outgoing_requests_for,
    relationship_between,
    with_profiles,
)

DEFAULT_PAGE_SIZE = 20
PREVIEW = 3
#: Suggestions shown per list before "Show more" (the selectors return up to 30).
RECOMMENDATIONS_SHOWN = 10
#: The recommendation lists My Network and the recommendations page show.
RECOMMENDATION_KINDS = ("pymk", "strategic")
#: Where each health metric's next step can be taken.
METRIC_ACTIONS = {
    "size": ("network:recommendations", "See suggestions"),
    "active": ("network:connections", "Open your connections"),
    "diversity": ("network:recommendations", "See suggestions"),
    "ei_index": ("network:recommendations", "Grow your strategic network"),
    "effective_size": ("network:recommendations", "Grow your strategic network"),
    "constraint": ("network:recommendations", "Grow your strategic network"),
    "dormant": ("network:connections", "Open your connections"),
}


# --- helpers --------------------------------------------------------------------------------


def _page_size() -> int:
    return int(getattr(settings, "NETWORK_PAGE_SIZE", DEFAULT_PAGE_SIZE))


def _page_number(request: HttpRequest, name: str = "page") -> int:
    return parse_positive_int(request.GET.get(name), default=1, maximum=MAX_PAGE_NUMBER)


def _safe_next(request: HttpRequest, default: str) -> str:
    """The ``next`` address of the form when it points into this site, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _htmx_target(request: HttpRequest) -> str:
    details = getattr(request, "htmx", None)
    return str(details.target or "") if details else ""


def _profile_of(user: Any) -> Profile | None:
    """The member's profile, or None for an account without one (never shown as a card)."""
    return getattr(user, "profile", None)


def _with_card_details(profiles: Iterable[Profile | None]) -> None:
    """Prefetch what a person card shows (specialties, current positions) in two queries."""
    found = [p for p in profiles if p is not None]
    if found:
        prefetch_related_objects(found, "specialties", current_affiliations_prefetch())


def _fragment(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _done(
    request: HttpRequest, *, item_id: str, message: str, next_url: str, link: Any = None
) -> HttpResponse:
    """After an action on a list item: htmx replaces the item by a short status, plain POSTs
    redirect back with the message."""
    if is_htmx(request):
        return _fragment(
            request,
            "network/_item_done.html",
            {"item_id": item_id, "message": message, "link": link},
        )
    messages.success(request, message)
    return redirect(next_url)


# --- My Network -----------------------------------------------------------------------------


def _network_cards(counts: dict[str, int], shares: dict[str, float], weakest: str | None) -> Any:
    return [
        {
            "key": network.key,
            "name": network.name,
            "purpose": network.purpose,
            "examples": network.examples,
            "count": counts.get(network.key, 0),
            "share": round(100 * shares.get(network.key, 0.0)),
            "is_weakest": network.key == weakest,
            "url": f"{reverse('network:connections')}?type={network.key}",
        }
        for network in NETWORK_TYPES
    ]


def _metric_cards(report: Any) -> list[dict[str, Any]]:
    cards = []
    for metric in report.metrics:
        action = METRIC_ACTIONS.get(metric.key)
        cards.append(
            {
                "metric": metric,
                "action_url": reverse(action[0]) if action else "",
                "action_label": action[1] if action else "",
            }
        )
    return cards


def _current_positions(user: Any) -> list[Any]:
    return [a for a in affiliation_list_for(user=user) if a.is_current]


def _has_goals(user: Any) -> bool:
    profile = _profile_of(user)
    return bool(profile and (profile.goals.exists() or profile.interests.exists()))


def _card_keys(recs: list[Recommendation]) -> tuple[Any, ...]:
    """What the cards of ``recs`` were rendered from (for the per-viewer HTML key)."""
    return tuple(
        (rec.user_id, rec.card.profile_id, rec.card.updated_at.timestamp())
        for rec in recs
        if rec.card is not None
    )


def _health_context(report: Any, period: HealthPeriodForm, dormant_days: int) -> dict[str, Any]:
    chart_data = [
        Datum(network.name, report.counts.get(network.key, 0), network.key)
        for network in NETWORK_TYPES
    ]
    return {
        "report": report,
        "period": period,
        "dormant_days": dormant_days,
        "dormant_choices": DORMANT_CHOICES,
        "networks": _network_cards(report.counts, report.shares, report.weakest),
        "chart_data": chart_data,
        "chart_description": "Your connections by network: " + describe_parts(chart_data),
        "metric_cards": _metric_cards(report),
    }


@require_GET
@login_required
def my_network(request: HttpRequest) -> HttpResponse:
    """The member's three networks, their balance, health metrics and a few suggestions.

    Always about ``request.user``: health is private to its member, so no URL names anyone else.
    Health and suggestions are computed once per network stamp (``selectors.network_snapshot``)
    and the rendered body is cached under that stamp, so a warm page costs one query beyond
    signing in (docs/benchmarks.md).
    """
    viewer = request.user
    period = HealthPeriodForm(request.GET)
    status = 200 if period.is_valid() else 400
    dormant_days = period.dormant_days()
    snapshot = network_snapshot(viewer=viewer, kinds=RECOMMENDATION_KINDS)

    def health() -> dict[str, Any]:
        report = network_health_for(viewer=viewer, dormant_days=dormant_days, stamp=snapshot.stamp)
        return _health_context(report, period, dormant_days)

    if is_htmx(request) and request.GET.get("dormant") is not None:
        return render_page_or_fragment(
            request,
            "network/_my_network_main.html",
            fragment="health",
            context=health(),
            status=status,
        )
    strategic = snapshot.recommendations["strategic"][:PREVIEW]
    pymk = snapshot.recommendations["pymk"][:PREVIEW]
    return_to = request.get_full_path()

    def build() -> str:
        context = health()
        context.update(
            {
                "strategic": with_profiles(strategic),
                "pymk": with_profiles(pymk),
                "positions": _current_positions(viewer) if context["report"].size == 0 else [],
                "has_goals": _has_goals(viewer),
                "return_to": return_to,
            }
        )
        return render_for_cache("network/_my_network_main.html", context)

    if status != 200:  # the form shows the rejected value: not worth caching
        main = mark_safe(build().replace(CSRF_PLACEHOLDER, get_token(request)))  # noqa: S308
    else:
        key = (
            "my-network",
            viewer.pk,
            snapshot.stamp,
            dormant_days,
            return_to,
            _card_keys(strategic),
            _card_keys(pymk),
        )
        # The whole page per viewer under the same stamps (``render_page``): a warm request
        # renders no template.
        return render_page(
            request,
            "network/my_network.html",
            lambda: {"main": cached_html(request, key, build)},
            key_parts=key,
        )
    return render(request, "network/my_network.html", {"main": main}, status=status)


# --- connections ----------------------------------------------------------------------------


def _item_context(
    request: HttpRequest,
    connection: Connection,
    *,
    return_to: str,
    saved: str = "",
    errors: dict[str, list[str]] | None = None,
    values: dict[str, str] | None = None,
) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "connection": connection,
        "profile": connection.other.profile,
        "return_to": return_to,
        "saved": saved,
        "errors": errors or {},
        "values": values or {},
        "label_choices": LABEL_CHOICES,
        "type_choices": TYPE_CHOICES,
        "interaction_kinds": MANUAL_INTERACTION_KINDS,
        "today": today,
        "oldest_day": today - OLDEST_INTERACTION,
    }


def _row_key(row: ConnectionRow, return_to: str) -> tuple[Any, ...]:
    """Everything a list row shows: the member's side of the tie and the contact's card stamp."""
    return (
        "connection-row",
        row.owner_id,
        row.pk,
        row.label,
        row.proposed_type,
        row.override_type,
        row.created_at.timestamp(),
        row.last_interaction_at.timestamp() if row.last_interaction_at else None,
        row.profile_id,
        row.profile_updated_at.timestamp(),
        return_to,
    )


def _connection_rows(request: HttpRequest, rows: list[ConnectionRow]) -> list[Any]:
    """The rendered list rows, from the per-viewer HTML cache; the missing ones are rendered
    together (the connections with their contacts' cards: three queries)."""
    return_to = request.get_full_path()

    def build(pks: list[Any]) -> dict[Any, str]:
        missing = list(connection_list_for(viewer=request.user).filter(pk__in=pks))
        _with_card_details(c.other.profile for c in missing)
        return {
            c.pk: render_for_cache(
                "network/_connection_row.html",
                {"connection": c, "profile": c.other.profile, "return_to": return_to},
            )
            for c in missing
            if _profile_of(c.other) is not None
        }

    return cached_html_many(request, [(r.pk, _row_key(r, return_to)) for r in rows], build)


def _filter_form_key(request: HttpRequest) -> str:
    """The connections filter form shows only the query string's values (page aside)."""
    params = sorted((k, v) for k, values in request.GET.lists() if k != "page" for v in values)
    return hashlib.sha256(repr((fragment_version(), params)).encode()).hexdigest()


my_network.navigation_prefetch = network_snapshot_prefetch(RECOMMENDATION_KINDS)  # type: ignore[attr-defined]


@require_GET
@login_required
def connection_list(request: HttpRequest) -> HttpResponse:
    """The member's connections (their own private side): filter by network, label, name.

    Each row shows the label and network; "Edit" opens the controls for that one connection
    (in place with htmx), so the list renders no form per row. Rows are cached under
    everything they show (``_row_key``).
    """
    viewer = request.user
    form = ConnectionFilterForm(request.GET)
    counts = connection_counts_for(viewer=viewer)
    context: dict[str, Any] = {
        "form": form,
        "tabs": [
            {"key": n.key, "name": n.name, "count": counts.get(n.key, 0)} for n in NETWORK_TYPES
        ],
        "total": sum(counts.values()),
    }
    template = "network/connections.html"
    if not form.is_valid():
        context.update({"page": None, "items": []})
        return render_page_or_fragment(
            request, template, fragment="results-response", context=context, status=400
        )
    data = form.cleaned_data
    if not any(data.values()):  # the plain list (most visits): one compiled query
        number, size = _page_number(request), min(_page_size(), MAX_PAGE_SIZE)
        rows, has_next = connection_rows_plain_page(viewer=viewer, page=number, size=size)
        page: Page[Any] = Page(items=rows, number=number, size=size, has_next=has_next)
    else:
        page = paginate(
            connection_rows_for(
                viewer=viewer, network_type=data["type"], label=data["label"], q=data["q"].strip()
            ),
            page=_page_number(request),
            size=_page_size(),
        )
        rows = [ConnectionRow(*values) for values in page.items]

    def full_context() -> dict[str, Any]:
        context.update(
            {
                "page": page,
                "items": _connection_rows(request, rows),
                "active_type": data["type"],
                "has_filters": any(data.values()),
                "filter_form_key": _filter_form_key(request),
            }
        )
        return context

    return render_page(
        request,
        template,
        full_context,
        key_parts=(
            tuple(sorted(counts.items())),
            page.number,
            page.has_next,
            tuple(_row_key(row, request.get_full_path()) for row in rows),
        ),
        fragment="results-response",
    )


# The counts are read with the viewer's account (``core.navigation``).
connection_list.navigation_prefetch = connection_counts_prefetch  # type: ignore[attr-defined]


def _my_connection(viewer: Any, handle: str) -> Connection:
    """The viewer's own side of their connection to the member at ``handle``, ready for a card.

    NotFound when the member is not visible to the viewer or they are not connected.
    """
    profile = access_profile_by_handle(viewer, handle)
    connection = connection_list_for(viewer=viewer).filter(other_id=profile.user_id).first()
    if connection is None:
        raise NotFound("You are not connected to this member.")
    _with_card_details([connection.other.profile])
    return connection


def _from_list(request: HttpRequest) -> bool:
    """True for htmx requests made from the connections list (the item can close back to its
    row there)."""
    details = getattr(request, "htmx", None)
    if not is_htmx(request) or not details or not details.current_url:
        return False
    return urlsplit(str(details.current_url)).path == reverse("network:connections")


def _connection_response(
    request: HttpRequest,
    connection: Connection,
    *,
    status: int = 200,
    return_to: str = "",
    **extra: Any,
) -> HttpResponse:
    """The connection's card: alone for htmx, or on its own page (also the no-JS error page)."""
    return_to = return_to or _safe_next(request, reverse("network:connections"))
    context = _item_context(request, connection, return_to=return_to, **extra)
    context["in_list"] = _from_list(request)
    if is_htmx(request):
        return _fragment(request, "network/_connection_item.html", context, status=status)
    return render(request, "network/connection.html", context, status=status)


@require_GET
@login_required
@map_errors
def connection_detail(request: HttpRequest, handle: str) -> HttpResponse:
    """One connection with its label, network type and interaction log form. For htmx,
    ``?view=row`` answers the connection's list row instead (closing the controls)."""
    connection = _my_connection(request.user, handle)
    return_to = _safe_next(request, request.get_full_path())
    if is_htmx(request) and request.GET.get("view") == "row":
        context = {"connection": connection, "profile": connection.other.profile}
        return _fragment(
            request, "network/_connection_row.html", {**context, "return_to": return_to}
        )
    return _connection_response(request, connection, return_to=return_to)


def _connection_update(
    request: HttpRequest,
    handle: str,
    *,
    form: Any,
    field: str,
    apply: Callable[[Connection], str],
) -> HttpResponse:
    """Validate ``form``, call ``apply`` (one service; returns the success message) and answer
    with the connection's card (htmx), a redirect (plain POST) or the card with errors (4xx)."""
    connection = _my_connection(request.user, handle)
    status = 422
    if form.is_valid():
        try:
            message = apply(connection)
        except ApplicationError as exc:
            apply_service_errors(form, exc)
            status = exc.status_code
        else:
            if not is_htmx(request):
                messages.success(request, message)
                return redirect(_safe_next(request, reverse("network:connections")))
            connection = _my_connection(request.user, handle)
            return _connection_response(request, connection, saved=field)
    errors = {name: list(errs) for name, errs in form.errors.items()}
    if "__all__" in errors:
        errors.setdefault(field, []).extend(errors.pop("__all__"))
    values = {name: str(request.POST.get(name, ""))[:100] for name in form.fields}
    return _connection_response(request, connection, status=status, errors=errors, values=values)


@require_POST
@login_required
@map_errors
def connection_label(request: HttpRequest, handle: str) -> HttpResponse:
    """Set the member's private label for a connection ("" clears it)."""
    form = LabelForm(request.POST)

    def apply(connection: Connection) -> str:
        side = services.connection_set_label(
            actor=request.user, other_id=connection.other_id, label=form.cleaned_data["label"]
        )
        name = connection.other.profile.display_name
        if side.label:
            return f"{name}: labelled “{side.get_label_display()}”. Only you see it."
        return f"{name}: label removed."

    return _connection_update(request, handle, form=form, field="label", apply=apply)


@require_POST
@login_required
@map_errors
def connection_type(request: HttpRequest, handle: str) -> HttpResponse:
    """Override the proposed network type of a connection, or go back to the proposal ("")."""
    form = NetworkTypeForm(request.POST)

    def apply(connection: Connection) -> str:
        side = services.connection_set_type(
            actor=request.user,
            other_id=connection.other_id,
            network_type=form.cleaned_data["network_type"],
        )
        name = connection.other.profile.display_name
        if side.override_type:
            return f"{name}: counted in your {side.get_override_type_display().lower()} network."
        return (
            f"{name}: back to the proposal, your "
            f"{side.get_proposed_type_display().lower()} network."
        )

    return _connection_update(request, handle, form=form, field="network_type", apply=apply)


@require_POST
@login_required
@map_errors
def connection_interaction(request: HttpRequest, handle: str) -> HttpResponse:
    """Log that the member met or called a connection (today or an earlier day)."""
    form = InteractionForm(request.POST)

    def apply(connection: Connection) -> str:
        entry = services.interaction_record(
            actor=request.user,
            other_id=connection.other_id,
            kind=form.cleaned_data["kind"],
            occurred_at=form.occurred_at(),
        )
        name = connection.other.profile.display_name
        day = timezone.localtime(entry.occurred_at).strftime("%-d %b %Y")
        return f"Logged: {entry.get_kind_display().lower()} with {name} on {day}."

    return _connection_update(request, handle, form=form, field="interaction", apply=apply)


@require_POST
@login_required
@map_errors
def connection_remove(request: HttpRequest, handle: str) -> HttpResponse:
    """Remove a connection (both sides). The other member is not told."""
    connection = _my_connection(request.user, handle)
    services.connection_remove(actor=request.user, other_id=connection.other_id)
    profile = connection.other.profile
    listing = reverse("network:connections")
    next_url = _safe_next(request, listing)
    if next_url.startswith(reverse("network:connection", args=[profile.handle])):
        next_url = listing  # that page is gone with the connection
    return _done(
        request,
        item_id=f"conn-{connection.other_id}",
        message=f"{profile.display_name} was removed from your connections.",
        next_url=next_url,
    )


# --- requests -------------------------------------------------------------------------------


def _requests_page(request: HttpRequest, *, status: int = 200, error: str = "") -> HttpResponse:
    viewer = request.user
    size = _page_size()
    incoming = paginate(incoming_requests_for(viewer=viewer), page=_page_number(request), size=size)
    outgoing = paginate(
        outgoing_requests_for(viewer=viewer), page=_page_number(request, "sent"), size=size
    )
    incoming.items = [r for r in incoming.items if _profile_of(r.sender) is not None]
    outgoing.items = [r for r in outgoing.items if _profile_of(r.recipient) is not None]
    _with_card_details(
        [
            *(r.sender.profile for r in incoming.items),
            *(r.recipient.profile for r in outgoing.items),
        ]
    )
    context = {
        "incoming": incoming,
        "outgoing": outgoing,
        "error": error,
        # after a failed POST the page shows at the action's address: come back to the list
        "return_to": request.get_full_path()
        if request.method == "GET"
        else reverse("network:requests"),
    }
    return render(request, "network/requests.html", context, status=status)


@require_GET
@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    """Requests waiting for the member's answer, and the ones they sent (expired ones hidden)."""
    return _requests_page(request)


def _answer_request(
    request: HttpRequest,
    request_id: int,
    *,
    act: Callable[[], Any],
    describe: Callable[[Any], tuple[str, Any]],
) -> HttpResponse:
    """Run one request transition; NotPending & co. re-render the requests page (or item) with
    the message and the service's status. NotFound (not the member's request) is a 404."""
    require_valid_id(request_id)
    item_id = f"request-{request_id}"
    try:
        result = act()
    except ApplicationError as exc:
        if is_htmx(request):
            return _fragment(
                request,
                "network/_item_done.html",
                {"item_id": item_id, "message": exc.message, "is_error": True},
                status=exc.status_code,
            )
        return _requests_page(request, status=exc.status_code, error=exc.message)
    message, link = describe(result)
    return _done(
        request,
        item_id=item_id,
        message=message,
        link=link,
        next_url=_safe_next(request, reverse("network:requests")),
    )


def _name(user: Any) -> str:
    profile = _profile_of(user)
    return profile.display_name if profile else "this member"


@require_POST
@login_required
@map_errors
def request_accept(request: HttpRequest, request_id: int) -> HttpResponse:
    """Accept a request addressed to the member: they are connected from now on."""

    def describe(connection: Connection) -> tuple[str, Any]:
        profile = _profile_of(connection.other)
        link = None
        if profile is not None:
            link = {
                "url": reverse("network:connection", args=[profile.handle]),
                "text": "Add a private label",
            }
        return f"You are now connected with {_name(connection.other)}.", link

    return _answer_request(
        request,
        request_id,
        act=lambda: services.connection_request_accept(actor=request.user, request_id=request_id),
        describe=describe,
    )


@require_POST
@login_required
@map_errors
def request_decline(request: HttpRequest, request_id: int) -> HttpResponse:
    """Decline a request addressed to the member. The sender is not told."""

    def describe(answered: ConnectionRequest) -> tuple[str, Any]:
        return f"Request from {_name(answered.sender)} declined. They are not told.", None

    return _answer_request(
        request,
        request_id,
        act=lambda: services.connection_request_decline(actor=request.user, request_id=request_id),
        describe=describe,
    )


@require_POST
@login_required
@map_errors
def request_withdraw(request: HttpRequest, request_id: int) -> HttpResponse:
    """Withdraw a request the member sent."""

    def describe(answered: ConnectionRequest) -> tuple[str, Any]:
        return f"Request to {_name(answered.recipient)} withdrawn.", None

    return _answer_request(
        request,
        request_id,
        act=lambda: services.connection_request_withdraw(actor=request.user, request_id=request_id),
        describe=describe,
    )


# --- connect, follow, block -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
@map_errors
def connect(request: HttpRequest, handle: str) -> HttpResponse:
    """GET: the request form with its personal note. POST: send the request."""
    profile = access_profile_by_handle(request.user, handle)
    _with_card_details([profile])
    status = 200
    if request.method == "GET":
        form = ConnectForm(to_handle=profile.handle)
    else:
        form = ConnectForm(request.POST, to_handle=profile.handle)
        status = 422
        if form.is_valid():
            try:
                services.connection_request_send(
                    actor=request.user,
                    recipient=profile.user,
                    note=form.cleaned_data["note"],
                    acknowledge_warnings=is_acknowledged(request.POST.get(ACKNOWLEDGE_FIELD)),
                )
            except ApplicationError as exc:
                apply_service_errors(form, exc)
                status = exc.status_code
            else:
                messages.success(
                    request,
                    f"Request sent to {profile.display_name}. It stays open for 90 days; "
                    "you can withdraw it from your requests.",
                )
                return redirect(_safe_next(request, reverse("profiles:detail", args=[handle])))
    relationship = relationship_between(viewer=request.user, other=profile.user)
    can_request = not (
        relationship.is_self
        or relationship.blocked_by_me
        or relationship.connection
        or relationship.incoming_request
        or relationship.outgoing_request
    )
    context = {
        "profile": profile,
        "form": form,
        "relationship": relationship,
        "can_request": can_request,
    }
    return render(request, "network/connect.html", context, status=status)


def _relationship_panel(
    request: HttpRequest, profile: Profile, *, status: int = 200, error: str = "", notice: str = ""
) -> HttpResponse:
    context = {
        "profile": profile,
        "relationship": relationship_between(viewer=request.user, other=profile.user),
        "panel_error": error,
        "panel_notice": notice,
    }
    return _fragment(request, "network/_relationship.html", context, status=status)


def _member_action(
    request: HttpRequest, profile: Profile, act: Callable[[], str], *, item_id: str = ""
) -> HttpResponse:
    """Run a follow/block action on ``profile`` and answer: the profile's relationship panel
    (htmx from the profile page), the list item (htmx from a list), or a redirect back."""
    from_panel = _htmx_target(request) == "relationship"
    try:
        message = act()
    except ApplicationError as exc:
        if is_htmx(request) and from_panel:
            return _relationship_panel(request, profile, status=exc.status_code, error=exc.message)
        raise
    if is_htmx(request) and from_panel:
        return _relationship_panel(request, profile, notice=message)
    default = reverse("profiles:detail", args=[profile.handle])
    return _done(
        request,
        item_id=item_id or _htmx_target(request),
        message=message,
        next_url=_safe_next(request, default),
    )


@require_POST
@login_required
@map_errors
def follow_view(request: HttpRequest, handle: str) -> HttpResponse:
    """Follow a member (no approval needed; idempotent)."""
    profile = access_profile_by_handle(request.user, handle)

    def act() -> str:
        services.follow(actor=request.user, followee=profile.user)
        return f"You follow {profile.display_name}. You will see their public posts."

    return _member_action(request, profile, act)


@require_POST
@login_required
@map_errors
def unfollow_view(request: HttpRequest, handle: str) -> HttpResponse:
    """Stop following a member (idempotent)."""
    profile = access_profile_by_handle(request.user, handle)

    def act() -> str:
        services.unfollow(actor=request.user, followee_id=profile.user_id)
        return f"You no longer follow {profile.display_name}."

    return _member_action(request, profile, act)


@require_POST
@login_required
@map_errors
def block_view(request: HttpRequest, handle: str) -> HttpResponse:
    """Block a member: removes the connection, follows and pending requests between you."""
    profile = access_profile_by_handle(request.user, handle)

    def act() -> str:
        services.block(actor=request.user, blocked=profile.user)
        return (
            f"You blocked {profile.display_name}. They cannot see your profile, contact you or "
            "follow you; your connection and follows were removed."
        )

    return _member_action(request, profile, act)


def _own_block(viewer: Any, handle: str) -> Block:
    """The viewer's own block of the member at ``handle`` (found in their own block list, so
    a member who also blocked the viewer can still be unblocked). NotFound otherwise."""
    if not handle or len(handle) > 220 or "\x00" in handle:
        raise NotFound("You have not blocked this member.")
    entry = blocked_list_for(viewer=viewer).filter(blocked__profile__handle__iexact=handle).first()
    if entry is None:
        raise NotFound("You have not blocked this member.")
    return entry


@require_POST
@login_required
@map_errors
def unblock_view(request: HttpRequest, handle: str) -> HttpResponse:
    """Lift a block. Nothing the block removed comes back."""
    entry = _own_block(request.user, handle)
    profile = entry.blocked.profile

    def act() -> str:
        services.unblock(actor=request.user, blocked_id=entry.blocked_id)
        return f"You unblocked {profile.display_name}. Your earlier connection does not return."

    return _member_action(request, profile, act, item_id=f"blocked-{entry.blocked_id}")


# --- follows lists and blocked list ---------------------------------------------------------


def _follow_list(request: HttpRequest, handle: str, *, kind: str) -> HttpResponse:
    profile = access_profile_by_handle(request.user, handle)
    select = followers_of if kind == "followers" else following_of
    page = paginate(
        select(viewer=request.user, user=profile.user),
        page=_page_number(request),
        size=_page_size(),
    )
    context = {
        "profile": profile,
        "kind": kind,
        "page": page,
        "relationship": relationship_between(viewer=request.user, other=profile.user),
        "is_self": profile.user_id == request.user.pk,
    }
    return render_page_or_fragment(
        request, "network/follows.html", fragment="results", context=context
    )


@require_GET
@login_required
@map_errors
def followers(request: HttpRequest, handle: str) -> HttpResponse:
    """Members following ``handle`` whom the viewer may see."""
    return _follow_list(request, handle, kind="followers")


@require_GET
@login_required
@map_errors
def following(request: HttpRequest, handle: str) -> HttpResponse:
    """Members ``handle`` follows whom the viewer may see."""
    return _follow_list(request, handle, kind="following")


@require_GET
@login_required
def blocked_list(request: HttpRequest) -> HttpResponse:
    """The members the viewer blocked, each with Unblock."""
    page = paginate(
        blocked_list_for(viewer=request.user), page=_page_number(request), size=_page_size()
    )
    page.items = [b for b in page.items if _profile_of(b.blocked) is not None]
    return render(
        request,
        "network/blocked.html",
        {"page": page, "return_to": request.get_full_path()},
    )


# --- recommendations ------------------------------------------------------------------------


@require_GET
@login_required
def recommendations(request: HttpRequest) -> HttpResponse:
    """People you may know (mutual connections) and strategic suggestions (shared goals,
    outside your organizations), each with its reasons, Connect and Dismiss.

    Both lists come from ``selectors.network_snapshot`` (computed once per network stamp) and
    their rendered HTML is cached under that stamp and the shown members' card stamps.
    """
    viewer = request.user
    snapshot = network_snapshot(viewer=viewer, kinds=RECOMMENDATION_KINDS)
    pymk: list[Recommendation] = snapshot.recommendations["pymk"]
    strategic: list[Recommendation] = snapshot.recommendations["strategic"]
    show_all = request.GET.get("more") == "1"
    pymk_shown = pymk if show_all else pymk[:RECOMMENDATIONS_SHOWN]
    strategic_shown = strategic if show_all else strategic[:RECOMMENDATIONS_SHOWN]
    has_more = not show_all and (
        len(pymk) > RECOMMENDATIONS_SHOWN or len(strategic) > RECOMMENDATIONS_SHOWN
    )
    return_to = request.get_full_path()

    def build() -> str:
        has_connections = True
        positions: list[Any] = []
        if not pymk:  # the empty state says what to do, which depends on these
            has_connections = bool(sum(connection_counts_for(viewer=viewer).values()))
            positions = _current_positions(viewer)
        context = {
            "pymk": with_profiles(pymk_shown),
            "strategic": with_profiles(strategic_shown),
            "has_more": has_more,
            "has_goals": _has_goals(viewer),
            "has_connections": has_connections,
            "positions": positions,
            "return_to": return_to,
        }
        return render_for_cache("network/_recommendation_lists.html", context)

    key = (
        "recommendations",
        viewer.pk,
        snapshot.stamp,
        show_all,
        has_more,
        return_to,
        _card_keys(pymk_shown),
        _card_keys(strategic_shown),
    )
    return render_page(
        request,
        "network/recommendations.html",
        lambda: {"lists": cached_html(request, key, build)},
        key_parts=key,
    )


# The stamps of the kept recommendation lists are read with the account (``core.navigation``).
recommendations.navigation_prefetch = network_snapshot_prefetch(RECOMMENDATION_KINDS)  # type: ignore[attr-defined]


@require_POST
@login_required
@map_errors
def recommendation_dismiss(request: HttpRequest, handle: str) -> HttpResponse:
    """Hide a suggested member for 90 days."""
    profile = access_profile_by_handle(request.user, handle)
    services.recommendation_dismiss(actor=request.user, candidate_id=profile.user_id)
    return _done(
        request,
        item_id=_htmx_target(request) or f"rec-{profile.user_id}",
        message=f"We will not suggest {profile.display_name} again for 90 days.",
        next_url=_safe_next(request, reverse("network:recommendations")),
    )
