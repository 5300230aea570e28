"""Event pages. Thin: parse, resolve through ``access``, call one service or selector, render.
Every page works without JavaScript. Times are shown in the viewer's zone (the middleware
activates it), with the event's own zone noted."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rounds.core.cache import LocalCopies
from rounds.core.errors import ApplicationError, Forbidden, RateLimited
from rounds.core.fragments import FRAGMENT_TIMEOUT, fragment_version, render_page
from rounds.core.http import apply_service_errors, map_errors, require_valid_id
from rounds.core.pagination import paginate, parse_positive_int
from rounds.core.publishing import ACKNOWLEDGE_FIELD, is_acknowledged

from . import page as page_reads
from . import policies, rosters, selectors, services
from .access import access_event, read_event, read_event_prefetch
from .forms import (
    CancelForm,
    CoOrganizerForm,
    DiscoveryForm,
    EventForm,
    ShiftForm,
    VisibilityForm,
)
from .models import Event, Kind, Phase, RegistrationState
from .rows import discover_page

PAGE_SIZE = 20
ROSTER_PAGE_SIZE = 50
ROSTER_PREVIEW = 12
MY_SECTIONS = {
    "organizing": "Organizing",
    "going": "Going",
    "interested": "Interested or waitlisted",
    "past": "Past",
}


def _page_number(request: HttpRequest) -> int:
    return parse_positive_int(request.GET.get("page"), default=1, maximum=500)


def _ack(request: HttpRequest) -> bool:
    return is_acknowledged(request.POST.get(ACKNOWLEDGE_FIELD))


def _form_error(form: Any, exc: ApplicationError) -> int:
    if isinstance(exc, RateLimited):
        raise exc
    apply_service_errors(form, exc)
    return exc.status_code


def _require(allowed: bool, message: str = services.ORGANIZERS_ONLY) -> None:
    if not allowed:
        raise Forbidden(message)


def _back(event: Event) -> HttpResponse:
    return redirect("events:detail", event.pk)


# --- lists -------------------------------------------------------------------------------------


def filters_from(data: dict[str, Any]) -> selectors.DiscoveryFilters:
    where = data.get("where") or ""
    return selectors.DiscoveryFilters(
        kind=data.get("kind") or "",
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        city=data.get("city") or "",
        online=True if where == "online" else False if where == "in_person" else None,
        specialty=data.get("specialty") or "",
        topic=data.get("topic") or "",
        cme=bool(data.get("cme")),
        skill=data.get("skill") or "",
        q=data.get("q") or "",
    )


def _template_digest(name: str = "_event_card_body.html") -> str:
    folders: Any = settings.TEMPLATES[0]["DIRS"]
    folder = Path(folders[0]) / "events"
    return hashlib.sha256((folder / name).read_bytes()).hexdigest()[:10]


#: Digest of the card body template, so a deploy that changes it never reads old cards.
CARD_VERSION = _template_digest()
#: The same for the list's filters (``includes/field.html`` is in ``fragment_version()``).
FILTERS_VERSION = _template_digest("_filters.html")
CARD_ITEM_VERSION = _template_digest("_event_card.html")
#: Longest query (all filter values together) whose filters' HTML is cached.
MAX_CACHED_FILTERS = 300


def filters_html(request: HttpRequest, form: DiscoveryForm) -> str:
    """The list's filter form rendered (~4 ms for its ten fields), cached under the values it
    was bound to: the HTML is a function of them alone (a GET form, no token; labels,
    choices and errors come from the code and those values). Long free text is rendered
    every time (no cache entry per arbitrary search)."""
    values = tuple((name, tuple(request.GET.getlist(name))) for name in form.fields)
    size = sum(len(value) for _name, given in values for value in given)

    def render() -> str:
        return render_to_string("events/_filters.html", {"form": form})

    if size > MAX_CACHED_FILTERS:
        return mark_safe(render())  # noqa: S308  rendered by our template (autoescaped)
    raw = repr((FILTERS_VERSION, translation.get_language() or "", values)).encode()
    key = f"evfilters:{fragment_version()}:{hashlib.sha256(raw).hexdigest()}"
    html = cache.get(key)
    if html is None:
        html = render()
        cache.set(key, html, timeout=FRAGMENT_TIMEOUT)
    return mark_safe(html)  # noqa: S308  rendered by our template (autoescaped)


def _card_key(event: Any, zone: str, language: str) -> str:
    """The key names the event (pk, ``updated_at``) **and** a digest of every value the card
    body shows, so nothing written around the services (``going_count`` is kept with
    ``.update()``; a group or organization renamed) can serve an old card; plus the viewer's
    zone and language, which the body is rendered in."""
    group = event.group
    organization = event.organization
    shown = "\x1f".join(
        str(value)
        for value in (
            event.starts_at.timestamp(),
            event.time_zone,
            event.kind,
            event.title,
            event.is_online,
            event.venue,
            event.city,
            event.cme_credits,
            event.going_count,
            event.capacity,
            event.state,
            f"{group.slug}\x1e{group.name}" if group else "",
            organization.name if organization else "",
        )
    )
    digest = hashlib.sha256(shown.encode()).hexdigest()[:16]
    return (
        f"evcard:{fragment_version()}:{CARD_VERSION}:{zone}:{language}:{event.pk}:"
        f"{event.updated_at.timestamp():.6f}:{digest}"
    )


def with_card_html(events: Iterable[Any]) -> None:
    """Set ``card_body`` on each event: the viewer-independent part of its card
    (``events/_event_card_body.html``), cached (one round trip to read, one to write the missing).
    The viewer's own bits ("You are going") stay in ``_event_card.html``. Only events the
    selector let the viewer see reach here, and the body shows nothing viewer-specific."""
    rows = list(events)
    if not rows:
        return
    zone = timezone.get_current_timezone_name()
    language = translation.get_language() or ""
    keys = {event.pk: _card_key(event, zone, language) for event in rows}
    found: dict[str, Any] = cache.get_many(list(keys.values()))
    fresh: dict[str, str] = {}
    for event in rows:
        key = keys[event.pk]
        html = found.get(key)
        if html is None:
            html = render_to_string("events/_event_card_body.html", {"event": event})
            fresh[key] = html
        event.card_body = mark_safe(html)  # type: ignore[attr-defined]  # noqa: S308
    if fresh:
        cache.set_many(fresh, timeout=FRAGMENT_TIMEOUT)


#: Stands for a card's body while its wrapper (``_event_card.html``) is rendered.
_BODY_MARK = "\x00event-card-body\x00"
_CARD_WRAPPERS: dict[tuple[str, str, str | None], tuple[str, str]] = {}


@dataclass
class _CardStub:
    card_body: str
    viewer_state: str | None


def with_card_items(events: Iterable[Any]) -> None:
    """Set ``card_item`` on each event: its whole ``<li>`` (``_event_card.html``) from the
    cached body and the viewer's state. The wrapper depends on that state alone (one of
    five), so it is rendered once per process and state (and card template version) rather
    than included per card (~0.15 ms each)."""
    for event in events:
        state = getattr(event, "viewer_state", None) or None
        key = (CARD_VERSION, CARD_ITEM_VERSION, state)
        parts = _CARD_WRAPPERS.get(key)
        if parts is None:
            html = render_to_string(
                "events/_event_card.html",
                {"event": _CardStub(mark_safe(_BODY_MARK), state)},  # noqa: S308  a constant
            )
            head, tail = html.split(_BODY_MARK)
            parts = _CARD_WRAPPERS[key] = (head, tail)
        event.card_item = mark_safe(f"{parts[0]}{event.card_body}{parts[1]}")  # noqa: S308


#: The filter form's cleaned values per query string, kept per process: binding and cleaning
#: the ten fields cost ~0.15 ms a request, for values that are a function of the query string
#: (and the language, which date formats follow) alone.
_CLEANED_FILTERS = LocalCopies(max_chars=2_000, measure=lambda value: 1)


def _discovery_data(request: HttpRequest) -> dict[str, Any]:
    """The list's filters as ``DiscoveryForm`` cleans them (junk dropped, never an error). The
    returned dict is shared: read it, never change it."""
    values = tuple(
        (name, tuple(request.GET.getlist(name)))
        for name in DiscoveryForm.base_fields
        if name in request.GET
    )
    if sum(len(value) for _name, given in values for value in given) > MAX_CACHED_FILTERS:
        key = None
    else:
        key = repr((translation.get_language() or "", values))
        found = _CLEANED_FILTERS.get(key)
        if found is not None:
            return found  # type: ignore[no-any-return]
    form = DiscoveryForm(request.GET)
    form.is_valid()
    data: dict[str, Any] = dict(getattr(form, "cleaned_data", {}))
    if key is not None:
        _CLEANED_FILTERS.put(key, data)
    return data


@require_GET
@map_errors
def discover(request: HttpRequest) -> HttpResponse:
    """Upcoming published events the viewer may see, filtered; soonest first."""
    data = _discovery_data(request)
    page = discover_page(
        viewer=request.user, filters=filters_from(data), page=_page_number(request), size=PAGE_SIZE
    )
    query = request.GET.copy()
    query.pop("page", None)

    def context() -> dict[str, Any]:
        with_card_html(page.items)
        with_card_items(page.items)
        form = DiscoveryForm(request.GET)
        form.is_valid()
        return {
            "filters_html": filters_html(request, form),
            "page": page,
            "filtered": any(data.get(name) for name in DiscoveryForm.base_fields),
            "query": query.urlencode(),
        }

    # The whole page per viewer (or for visitors) under every card's key and the viewer's
    # state on it; the filters are in the URL (``render_page``).
    zone = timezone.get_current_timezone_name()
    language = translation.get_language() or ""
    cards = tuple(
        (_card_key(event, zone, language), getattr(event, "viewer_state", None) or None)
        for event in page.items
    )
    return render_page(
        request,
        "events/list.html",
        context,
        key_parts=(cards, page.number, page.has_next, CARD_ITEM_VERSION),
    )


@login_required
@require_GET
@map_errors
def mine(request: HttpRequest) -> HttpResponse:
    """The member's events: organizing (drafts too), going, interested/waitlisted, past."""
    section = request.GET.get("section", "going")
    if section not in MY_SECTIONS:
        section = "going"
    qs = selectors.my_events(viewer=request.user, section=section)
    page = paginate(qs, page=_page_number(request), size=PAGE_SIZE)
    cancelled = list(selectors.cancelled_registrations(viewer=request.user)[:10])
    with_card_html([*page.items, *cancelled])
    context = {
        "page": page,
        "section": section,
        "sections": MY_SECTIONS,
        "cancelled": cancelled,
        "query": f"section={section}",
        "now": timezone.now(),
    }
    return render(request, "events/mine.html", context)


# --- one event ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@map_errors
def event_create(request: HttpRequest) -> HttpResponse:
    """Create a draft event (published from its page)."""
    status = 200
    if request.method == "POST":
        form = EventForm(request.POST, actor=request.user)
        status = 422
        if form.is_valid():
            try:
                event = services.event_create(
                    actor=request.user, acknowledge_warnings=_ack(request), **form.service_kwargs()
                )
            except ApplicationError as exc:
                status = _form_error(form, exc)
            else:
                messages.success(request, "Draft saved. Check it, then publish it.")
                return _back(event)
    else:
        initial = {}
        group = request.GET.get("group", "")
        if isinstance(group, str) and len(group) <= 80:
            initial["group"] = group
        form = EventForm(actor=request.user, initial=initial)
    return render(request, "events/form.html", {"form": form}, status=status)


SHARED_VERSION = "".join(
    _template_digest(name)
    for name in ("_detail_head.html", "_detail_when.html", "_detail_about.html", "_when.html")
)
_SHARED_PARTS = ("head", "when", "about")


def _shown_digest(values: Any) -> str:
    return hashlib.sha256(repr(values).encode()).hexdigest()


def event_shared_key(event: Event, details: Any, *, phase: str, can_see_join_link: bool) -> str:
    """The cache key of ``event_shared_html`` (a digest of every value the parts show)."""
    organizer = event.organizer
    profile = getattr(organizer, "profile", None) if organizer is not None else None
    group = event.group if event.group_id else None
    organization = event.organization if event.organization_id else None
    shown = (
        event.pk,
        event.updated_at.timestamp(),
        event.title,
        event.kind,
        event.state,
        phase,
        event.moderation_state,
        event.moderation_reason,
        event.cancel_reason,
        event.starts_at.timestamp(),
        event.ends_at.timestamp(),
        event.time_zone,
        event.is_online,
        event.venue,
        event.address,
        event.city,
        event.country,
        event.join_url if can_see_join_link else bool(event.join_url),
        can_see_join_link,
        event.registration_deadline.timestamp() if event.registration_deadline else None,
        event.description_html,
        str(event.cme_credits),
        (profile.handle, profile.display_name) if profile else None,
        (group.slug, group.name) if group else None,
        (organization.slug, organization.name) if organization else None,
        [(t.slug, t.name) for t in details.specialties],
        [(t.slug, t.name) for t in details.topics],
        [(t.slug, t.name) for t in details.skills],
        [(r.handle, r.display_name) for r in details.co_organizers],
        [
            (
                s.pk,
                s.title,
                s.starts_at.timestamp(),
                s.ends_at.timestamp(),
                s.capacity,
                s.going_count,
            )
            for s in details.shifts
        ],
        timezone.get_current_timezone_name(),
        translation.get_language() or "",
    )
    return f"evpage:{fragment_version()}:{SHARED_VERSION}:{event.pk}:{_shown_digest(shown)}"


def event_shared_html(
    event: Event, details: Any, *, phase: str, can_see_join_link: bool, key: str | None = None
) -> dict[str, Any]:
    """The parts of the event page that are the same for every viewer who may see it (its
    head, when and where, about and details), rendered from ``_detail_*.html`` and cached
    under a digest of **every value they show** (``event_shared_key``: so an edit, a renamed
    organizer or co-organizer, a new shift or a shift's count, a tag change or the phase
    moving on all read new HTML), the viewer's zone and language, and whether the viewer may
    see the join link (the only viewer-dependent thing in them). Who may see the event at all
    was decided by ``read_event`` before this is called."""
    key = key or event_shared_key(event, details, phase=phase, can_see_join_link=can_see_join_link)
    parts = cache.get(key)
    if parts is None:
        context = {
            "event": event,
            "phase": phase,
            "details": details,
            "co_organizers": details.co_organizers,
            "shifts": details.shifts,
            "can_see_join_link": can_see_join_link,
        }
        parts = {
            name: str(render_to_string(f"events/_detail_{name}.html", context))
            for name in _SHARED_PARTS
        }
        cache.set(key, parts, timeout=FRAGMENT_TIMEOUT)
    return {name: mark_safe(parts[name]) for name in _SHARED_PARTS}  # noqa: S308


_VISIBILITY_FIELDS: dict[tuple[str, str], str] = {}


def visibility_field_html(value: str) -> str:
    """The roster-visibility field of the event page, rendered once per process and value
    (it shows nothing else; ``includes/`` templates are in ``fragment_version()``)."""
    key = (fragment_version(), value)
    html = _VISIBILITY_FIELDS.get(key)
    if html is None:
        form = VisibilityForm(initial={"roster_visibility": value})
        html = str(render_to_string("includes/field.html", {"field": form["roster_visibility"]}))
        if len(_VISIBILITY_FIELDS) > 16:
            _VISIBILITY_FIELDS.clear()
        _VISIBILITY_FIELDS[key] = html
    return mark_safe(html)  # noqa: S308  rendered by our template (autoescaped)


def _row_values(row: Any) -> tuple[Any, ...] | None:
    """Every stored value of a model row (for page keys), or None."""
    if row is None:
        return None
    return tuple(getattr(row, f.attname) for f in row._meta.concrete_fields)


@require_GET
@map_errors
def event_detail(request: HttpRequest, event_id: int) -> HttpResponse:
    """The event page: what, when (viewer's zone + event zone), where, who organizes, register,
    and the attendee list for those who may see it.

    Cached whole per viewer (``render_page``) under everything it shows: the shared parts' key
    (a digest of every event value, tag, shift and co-organizer they show, the phase, the
    zone), the counters, the viewer's registration row (every column) and rights, the phase
    and deadline against now, the waitlist position and the attendee faces (read live, with
    the roster's rules applied in the query)."""
    viewer = request.user
    event = read_event(viewer, require_valid_id(event_id))
    details = page_reads.details(event)
    registration = policies.registration_of(viewer, event)
    can_manage = policies.can_edit(viewer, event)
    can_see_roster = policies.can_see_roster(viewer, event)
    roster_preview: list[Any] = []
    if can_see_roster:
        # From the event's cached roster (``rosters``), with the viewer's rules applied here.
        snapshot = rosters.roster_snapshot(event)
        roster_preview = [
            page_reads.PersonRef(
                entry.handle or "",
                entry.display_name or "",
                entry.headline or "",
                entry.roster_visibility,
            )
            for entry in rosters.preview_entries(
                snapshot, viewer=viewer, event=event, limit=ROSTER_PREVIEW + 1
            )
        ]
    now = timezone.now()
    phase = event.phase_at(now)
    deadline_passed = event.registration_deadline is not None and event.registration_deadline <= now
    can_see_join_link = policies.can_see_join_link(viewer, event)
    shared_key = event_shared_key(event, details, phase=phase, can_see_join_link=can_see_join_link)
    waitlist_position = selectors.waitlist_position(registration)
    rights = {
        "is_registrant": policies.is_registrant(viewer, event),
        "can_manage": can_manage,
        "can_manage_registrations": policies.can_manage_registrations(viewer, event),
        "can_cancel": policies.can_cancel(viewer, event),
        "is_organizer": policies.is_organizer(viewer, event),
        "can_see_join_link": can_see_join_link,
        "can_see_roster": can_see_roster,
    }
    registration_open = phase == Phase.UPCOMING and not deadline_passed
    started = event.starts_at <= now

    def context() -> dict[str, Any]:
        return {
            "event": event,
            "shared": event_shared_html(
                event,
                details,
                phase=phase,
                can_see_join_link=can_see_join_link,
                key=shared_key,
            ),
            "phase": phase,
            "registration": registration,
            "waitlist_position": waitlist_position,
            **rights,
            "registration_open": registration_open,
            "deadline_passed": deadline_passed,
            "roster_preview": roster_preview[:ROSTER_PREVIEW],
            "roster_more": len(roster_preview) > ROSTER_PREVIEW,
            "details": details,
            "co_organizers": details.co_organizers,
            "shifts": details.shifts,
            "visibility_form": registration is not None,
            "visibility_field": visibility_field_html(registration.roster_visibility)
            if registration is not None
            else "",
            "is_volunteering": event.kind == Kind.VOLUNTEERING,
            "same_zone": event.time_zone == timezone.get_current_timezone_name(),
            "now": now,
        }

    shifts_by_id = {shift.pk: shift.title for shift in details.shifts}
    return render_page(
        request,
        "events/detail.html",
        context,
        key_parts=(
            shared_key,
            _row_values(event),
            _row_values(registration),
            shifts_by_id.get(registration.shift_id or 0) if registration is not None else None,
            waitlist_position,
            tuple(sorted(rights.items())),
            registration_open,
            deadline_passed,
            started,
            tuple(roster_preview),
        ),
    )


# Their first query is read with the viewer's account (``core.navigation``).
event_detail.navigation_prefetch = read_event_prefetch  # type: ignore[attr-defined]


@login_required
@require_http_methods(["GET", "POST"])
@map_errors
def event_edit(request: HttpRequest, event_id: int) -> HttpResponse:
    event = access_event(request.user, require_valid_id(event_id))
    _require(policies.can_edit(request.user, event))
    status = 200
    if request.method == "POST":
        form = EventForm(request.POST, actor=request.user, event=event)
        status = 422
        if form.is_valid():
            try:
                services.event_update(
                    actor=request.user,
                    event=event,
                    changes=form.service_kwargs(),
                    acknowledge_warnings=_ack(request),
                )
            except ApplicationError as exc:
                status = _form_error(form, exc)
            else:
                messages.success(request, "Saved.")
                return _back(event)
    else:
        form = EventForm(actor=request.user, event=event)
    return render(request, "events/form.html", {"form": form, "event": event}, status=status)


@login_required
@require_POST
@map_errors
def event_publish(request: HttpRequest, event_id: int) -> HttpResponse:
    event = access_event(request.user, require_valid_id(event_id))
    services.event_publish(actor=request.user, event=event)
    messages.success(request, "Published: members can find the event and register.")
    return _back(event)


@login_required
@require_http_methods(["GET", "POST"])
@map_errors
def event_cancel(request: HttpRequest, event_id: int) -> HttpResponse:
    event = access_event(request.user, require_valid_id(event_id))
    _require(policies.can_cancel(request.user, event), services.CANCEL_OWNER_ONLY)
    status = 200
    if request.method == "POST":
        form = CancelForm(request.POST)
        status = 422
        if form.is_valid():
            try:
                services.event_cancel(
                    actor=request.user,
                    event=event,
                    reason=form.cleaned_data["reason"],
                    acknowledge_warnings=_ack(request),
                )
            except ApplicationError as exc:
                status = _form_error(form, exc)
            else:
                messages.success(request, "The event is cancelled; everyone registered was told.")
                return _back(event)
    else:
        form = CancelForm()
    return render(request, "events/cancel.html", {"form": form, "event": event}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@map_errors
def organizers(request: HttpRequest, event_id: int) -> HttpResponse:
    event = access_event(request.user, require_valid_id(event_id))
    _require(policies.can_add_co_organizers(request.user, event))
    status = 200
    form = CoOrganizerForm(request.POST or None)
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.co_organizer_add(
                    actor=request.user, event=event, handle=form.cleaned_data["handle"]
                )
            except ApplicationError as exc:
                status = _form_error(form, exc)
            else:
                messages.success(request, "Co-organizer added.")
                return redirect("events:organizers", event.pk)
    context = {
        "event": event,
        "form": form,
        "co_organizers": selectors.co_organizers(event=event),
        "can_remove": policies.can_remove_co_organizers(request.user, event),
    }
    return render(request, "events/organizers.html", context, status=status)


@login_required
@require_POST
@map_errors
def organizer_remove(request: HttpRequest, event_id: int, handle: str) -> HttpResponse:
    from rounds.core.errors import NotFound
    from rounds.profiles.models import Profile

    event = access_event(request.user, require_valid_id(event_id))
    user_id = Profile.objects.filter(handle=handle).values_list("user_id", flat=True).first()
    if user_id is None:
        raise NotFound("They do not co-organize this event.")
    services.co_organizer_remove(actor=request.user, event=event, user_id=user_id)
    messages.success(
        request, "You stepped down." if user_id == request.user.pk else "Co-organizer removed."
    )
    # A co-organizer who stepped down no longer manages the event: back to its page.
    if policies.can_edit(request.user, Event.objects.get(pk=event.pk)):
        return redirect("events:organizers", event.pk)
    return _back(event)


@login_required
@require_http_methods(["GET", "POST"])
@map_errors
def shifts(request: HttpRequest, event_id: int) -> HttpResponse:
    event = access_event(request.user, require_valid_id(event_id))
    _require(policies.can_edit(request.user, event))
    status = 200
    form = ShiftForm(request.POST or None)
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.shift_add(
                    actor=request.user,
                    event=event,
                    title=form.cleaned_data["title"],
                    starts_at=form.cleaned_data["starts_at"],
                    ends_at=form.cleaned_data["ends_at"],
                    capacity=form.cleaned_data["capacity"],
                    acknowledge_warnings=_ack(request),
                )
            except ApplicationError as exc:
                status = _form_error(form, exc)
            else:
                messages.success(request, "Shift added.")
                return redirect("events:shifts", event.pk)
    context = {"event": event, "form": form, "shifts": list(event.shifts.all())}
    return render(request, "events/shifts.html", context, status=status)


@login_required
@require_POST
@map_errors
def shift_delete(request: HttpRequest, event_id: int, shift_id: int) -> HttpResponse:
    event = access_event(request.user, require_valid_id(event_id))
    services.shift_delete(actor=request.user, event=event, shift_id=require_valid_id(shift_id))
    messages.success(request, "Shift deleted.")
    return redirect("events:shifts", event.pk)


# --- registration ------------------------------------------------------------------------------


@login_required
@require_POST
@map_errors
def register(request: HttpRequest, event_id: int) -> HttpResponse:
    """Going (waitlisted when full) or interested."""
    event = access_event(request.user, require_valid_id(event_id))
    state = request.POST.get("state", RegistrationState.GOING)
    row = services.register(
        actor=request.user,
        event=event,
        state=state,
        shift=request.POST.get("shift") or None,
        roster_visibility=request.POST.get("roster_visibility") or None,
        waitlist=request.POST.get("waitlist", "1") != "0",
    )
    texts: dict[str, str] = {
        RegistrationState.GOING: "You are going. See you there.",
        RegistrationState.WAITLISTED: "The event is full: you are on the waitlist. You will be "
        "told when a place opens up.",
        RegistrationState.INTERESTED: "Marked as interested.",
    }
    messages.success(request, texts.get(row.state, "Saved."))
    return _back(event)


@login_required
@require_POST
@map_errors
def register_cancel(request: HttpRequest, event_id: int) -> HttpResponse:
    event = access_event(request.user, require_valid_id(event_id))
    services.registration_cancel(actor=request.user, event=event)
    messages.success(request, "Your registration is cancelled.")
    return _back(event)


@login_required
@require_POST
@map_errors
def register_visibility(request: HttpRequest, event_id: int) -> HttpResponse:
    event = access_event(request.user, require_valid_id(event_id))
    services.registration_set_visibility(
        actor=request.user,
        event=event,
        roster_visibility=request.POST.get("roster_visibility", ""),
    )
    messages.success(request, "Saved who can see you on the attendee list.")
    return _back(event)


# --- roster and attendance -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RosterRow:
    """One card of the roster page."""

    display_name: str
    headline: str
    profile_url: str
    state_label: str
    shift_title: str
    roster_visibility: str


_STATE_LABELS = dict(RegistrationState.choices)


def _shift_titles(event: Event) -> dict[int, str]:
    """The event's shift titles by id (read live; only volunteering events have shifts)."""
    if not getattr(event, "_has_shifts", True):
        return {}
    return {shift.pk: shift.title for shift in page_reads.details_shifts(event)}


@login_required
@require_GET
@map_errors
def roster(request: HttpRequest, event_id: int) -> HttpResponse:
    """Organizers: everyone registered (hidden ones marked). Registrants: the registrants who
    chose to be listed. Anyone else: 403 (the event itself is visible to them).

    The rows come from the event's cached roster (``rosters``: every active registration in
    name order, keyed by the roster and directory versions), filtered here for the viewer; the
    whole page is cached per viewer under that key, the viewer's rights and blocks, the shift
    titles and the event's title."""
    viewer = request.user
    event = read_event(viewer, require_valid_id(event_id))
    if not policies.can_see_roster(viewer, event):
        raise Forbidden("The attendee list is for the organizers and the registrants.")
    state = request.GET.get("state", "")
    if state not in ("going", "interested", "waitlisted"):
        state = ""
    number = _page_number(request)
    stamp = rosters.roster_stamp(event)
    can_manage = policies.can_manage_registrations(viewer, event)
    shifts = _shift_titles(event)

    def context() -> dict[str, Any]:
        snapshot = rosters.roster_snapshot(event, stamp)
        entries = rosters.visible_entries(snapshot, viewer=viewer, event=event, state=state)
        page = rosters.page_of(entries, page=number, size=ROSTER_PAGE_SIZE)
        page.items = [
            RosterRow(
                display_name=entry.display_name or "",
                headline=entry.headline or "",
                profile_url=page_reads.member_path(entry.handle) if entry.handle else "",
                state_label=str(_STATE_LABELS.get(entry.state, entry.state)),
                shift_title=shifts.get(entry.shift_id, "") if entry.shift_id else "",
                roster_visibility=entry.roster_visibility,
            )
            for entry in page.items
        ]
        return {
            "event": event,
            "page": page,
            "state": state,
            "can_manage": can_manage,
            "query": f"state={state}" if state else "",
        }

    return render_page(
        request,
        "events/roster.html",
        context,
        key_parts=(
            stamp,
            rosters.viewer_key(viewer, event),
            tuple(sorted(shifts.items())),
            event.title,
            state,
            number,
        ),
    )


roster.navigation_prefetch = read_event_prefetch  # type: ignore[attr-defined]


#: A cell starting with one of these is a formula to a spreadsheet: prefixed with "'".
CSV_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> str:
    text = "" if value is None else str(value)
    if text.startswith(CSV_FORMULA_PREFIXES):
        return "'" + text
    return text


@login_required
@require_GET
@map_errors
def roster_csv(request: HttpRequest, event_id: int) -> HttpResponse:
    """Organizers' CSV of every registration (cells that look like formulas are neutralised)."""
    event = access_event(request.user, require_valid_id(event_id))
    _require(policies.can_manage_registrations(request.user, event))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}-roster.csv"'
    response["Cache-Control"] = "private, no-store"
    writer = csv.writer(response)
    writer.writerow(
        ["name", "handle", "headline", "state", "shift", "listed", "registered", "waitlisted"]
    )
    for row in selectors.roster_for_export(event=event).iterator(chunk_size=500):
        profile = getattr(row.user, "profile", None)
        writer.writerow(
            [
                csv_safe(profile.display_name if profile else ""),
                csv_safe(profile.handle if profile else ""),
                csv_safe(profile.headline if profile else ""),
                row.state,
                csv_safe(row.shift.title if row.shift else ""),
                "yes" if row.roster_visibility == "registrants" else "no",
                row.created_at.isoformat(),
                row.waitlisted_at.isoformat() if row.waitlisted_at else "",
            ]
        )
    return response


@login_required
@require_http_methods(["GET", "POST"])
@map_errors
def attendance(request: HttpRequest, event_id: int) -> HttpResponse:
    """Organizers mark who attended (members going), once the event has started."""
    event = access_event(request.user, require_valid_id(event_id))
    _require(policies.can_manage_registrations(request.user, event))
    if request.method == "POST":
        ids = []
        for raw in request.POST.getlist("attended"):
            try:
                ids.append(int(raw))
            except ValueError:
                continue
        marked, unmarked = services.attendance_mark_many(
            actor=request.user, event=event, attended_ids=ids
        )
        messages.success(request, f"Attendance saved ({marked} marked, {unmarked} unmarked).")
        return redirect("events:attendance", event.pk)
    rows = list(selectors.going_list(event=event)[:2000])
    context = {
        "event": event,
        "rows": rows,
        "started": event.starts_at <= timezone.now(),
    }
    return render(request, "events/attendance.html", context)
