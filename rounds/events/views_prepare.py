"""Pages for preparing an event (goal, who to meet), following up (people I met, connection
requests, the follow-up reminder) and the events recommended to a member.

Thin: resolve the event through ``access.access_event`` (404 when the viewer may not see it),
check the registrant policy (403: the event is visible, the action is not), call one service
or selector, render. Every page works without JavaScript; htmx only previews the guard.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rounds.core.errors import ApplicationError, Forbidden, RateLimited
from rounds.core.fragments import render_page
from rounds.core.http import apply_service_errors, map_errors
from rounds.core.pagination import parse_positive_int
from rounds.core.publishing import ACKNOWLEDGE_FIELD, is_acknowledged

from . import preparation, recommend, selectors_prepare
from .access import access_event, read_event, read_event_prefetch
from .forms_prepare import CandidateSearchForm, ConnectForm, FollowUpForm, GoalForm, MetNoteForm
from .models import Event, State

PAGE_SIZE = 20


def _ack(request: HttpRequest) -> bool:
    return is_acknowledged(request.POST.get(ACKNOWLEDGE_FIELD))


def _page_number(request: HttpRequest) -> int:
    return parse_positive_int(request.GET.get("page"), default=1, maximum=500)


def _form_error(form: Any, exc: ApplicationError) -> int:
    """Copy a service error onto ``form``; a rate limit is not a form error (re-raised)."""
    if isinstance(exc, RateLimited):
        raise exc
    apply_service_errors(form, exc)
    return exc.status_code


def _next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _goal_choices() -> list[tuple[str, str]]:
    return selectors_prepare.goal_choices()


def _require_preparing(user: Any, event: Event) -> None:
    if not preparation.can_prepare(user, event):
        raise Forbidden(preparation.NOT_REGISTERED)


def _require_attending(user: Any, event: Event) -> None:
    if not preparation.can_record_meetings(user, event):
        raise Forbidden(preparation.NOT_ATTENDING)


# --- prepare: goal and who to meet -------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@map_errors
def prepare(request: HttpRequest, event_id: int) -> HttpResponse:
    """GET: the member's goal form and who to meet, best fit first. POST: save the goal."""
    load = read_event if request.method == "GET" else access_event
    event = load(request.user, event_id)
    _require_preparing(request.user, event)
    from .policies import registration_of

    registration = registration_of(request.user, event)
    status = 200
    if request.method == "POST":
        form = GoalForm(request.POST, goal_choices=_goal_choices())
        status = 422
        if form.is_valid():
            try:
                preparation.goal_set(
                    actor=request.user,
                    event=event,
                    goal=form.cleaned_data["goal"],
                    goal_tags=form.cleaned_data["goal_tags"],
                    acknowledge_warnings=_ack(request),
                )
            except ApplicationError as exc:
                status = _form_error(form, exc)
            else:
                messages.success(request, "Your goal is saved. Here is who to meet.")
                return redirect(reverse("events:prepare", args=[event.pk]) + "#who-to-meet")
        return _prepare_page(request, event, registration, form, status=status)
    return _prepare_page(request, event, registration, None, status=status)


# A GET's first query is read with the viewer's account (``core.navigation``).
prepare.navigation_prefetch = read_event_prefetch  # type: ignore[attr-defined]


def _prepare_page(
    request: HttpRequest, event: Event, registration: Any, form: Any, *, status: int
) -> HttpResponse:
    """The prepare page: the goal form (``form`` bound after a refused POST, else built from
    the registration) and a page of who to meet. A GET is cached whole per viewer
    (``render_page``) under everything it shows: the event's shown values, the viewer's
    registration row (goal, tags: ``goal_set`` saves it), the goal vocabulary, and the page
    of the ranking with each member's card stamp (who may be shown is decided per request,
    uncached, by ``who_to_meet_page``)."""
    choices = _goal_choices()
    page = selectors_prepare.who_to_meet_page(
        viewer=request.user, event=event, page=_page_number(request), size=PAGE_SIZE
    )
    cancelled = event.state == State.CANCELLED
    can_record_meetings = (
        preparation.can_record_meetings(request.user, event) and event.starts_at <= timezone.now()
    )

    def context() -> dict[str, Any]:
        goal_form = form
        if goal_form is None:
            goal_form = GoalForm(
                initial={
                    "goal": registration.goal if registration else "",
                    "goal_tags": [g.slug for g in selectors_prepare.goal_tags_of(registration)],
                },
                goal_choices=choices,
            )
        if goal_form.is_bound:
            selected_tags = set(request.POST.getlist("goal_tags"))
        else:
            selected_tags = set(goal_form.initial.get("goal_tags", []))
        cards = selectors_prepare.person_cards_html([match.card_row for match in page.items])
        return {
            "event": event,
            "registration": registration,
            "form": goal_form,
            "goal_choices": goal_form.fields["goal_tags"].choices,  # type: ignore[attr-defined]
            "selected_tags": selected_tags,
            "page": page,
            "matches": [
                {"suggestion": match.suggestion, "card": cards[match.profile_id]}
                for match in page.items
                if match.profile_id in cards
            ],
            "cancelled": cancelled,
            "can_record_meetings": can_record_meetings,
        }

    if form is not None:  # a refused POST: its errors and values, never cached
        return render(request, "events/prepare_page.html", context(), status=status)
    shown_event = tuple(
        getattr(event, name)
        for name in (
            "pk",
            "title",
            "state",
            "starts_at",
            "ends_at",
            "time_zone",
            "is_online",
            "venue",
            "city",
        )
    )
    registration_values = (
        tuple(getattr(registration, f.attname) for f in registration._meta.concrete_fields)
        if registration is not None
        else None
    )
    return render_page(
        request,
        "events/prepare_page.html",
        context,
        key_parts=(
            shown_event,
            registration_values,
            tuple(choices),
            tuple(
                (match.suggestion, match.profile_id, match.updated_at.timestamp())
                for match in page.items
            ),
            page.number,
            page.has_next,
            cancelled,
            can_record_meetings,
        ),
    )


# --- people I met -----------------------------------------------------------------------------


def _met_context(request: HttpRequest, event: Event) -> dict[str, Any]:
    started = event.starts_at <= timezone.now()
    search = CandidateSearchForm(request.GET)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    rows = selectors_prepare.met_marks_for(viewer=request.user, event=event) if started else []
    candidates = (
        selectors_prepare.met_candidates_for(
            viewer=request.user,
            event=event,
            query=query,
            page=_page_number(request),
            size=PAGE_SIZE,
        )
        if started and event.state == State.PUBLISHED
        else None
    )
    from .policies import registration_of

    return {
        "event": event,
        "registration": registration_of(request.user, event),
        "started": started,
        "cancelled": event.state == State.CANCELLED,
        "rows": [
            replace(
                row,
                prefill=preparation.connection_note_prefill(
                    event=event, other_name=row.profile.display_name
                ),
            )
            for row in rows
        ],
        "candidates": candidates,
        "page": candidates,
        "search": search,
        "query": query,
    }


@login_required
@require_GET
@map_errors
def met(request: HttpRequest, event_id: int) -> HttpResponse:
    """People I met: the attendees the member marked (notes, connection requests), the ones
    they can still mark, and the follow-up state."""
    event = access_event(request.user, event_id)
    _require_attending(request.user, event)
    return render(request, "events/met_page.html", _met_context(request, event))


@login_required
@require_http_methods(["GET", "POST"])
@map_errors
def met_mark(request: HttpRequest, event_id: int, handle: str) -> HttpResponse:
    """GET: the private note form for one attendee. POST: mark them as met (and save the note
    when one is sent)."""
    event = access_event(request.user, event_id)
    _require_attending(request.user, event)
    other = selectors_prepare.access_met_candidate(request.user, event, handle)
    mark = selectors_prepare.met_mark_between(request.user, event, other)
    status = 200
    if request.method == "POST":
        form = MetNoteForm(request.POST)
        status = 422
        if form.is_valid():
            note = form.cleaned_data["note"] if "note" in request.POST else None
            try:
                _, created = preparation.met_mark(
                    actor=request.user,
                    event=event,
                    other=other,
                    note=note,
                    acknowledge_warnings=_ack(request),
                )
            except ApplicationError as exc:
                status = _form_error(form, exc)
            else:
                name = other.profile.display_name
                messages.success(
                    request,
                    f"Marked {name} as someone you met." if created else "Your note is saved.",
                )
                default = reverse("events:met", args=[event.pk]) + f"#met-{other.profile.handle}"
                return redirect(_next(request, default))
    else:
        form = MetNoteForm(initial={"note": mark.note if mark else ""})
    context = {"event": event, "other": other, "profile": other.profile, "form": form, "mark": mark}
    return render(request, "events/met_note.html", context, status=status)


@login_required
@require_POST
@map_errors
def met_unmark(request: HttpRequest, event_id: int, handle: str) -> HttpResponse:
    """Remove a mark (and the interaction it logged)."""
    event = access_event(request.user, event_id)
    _require_attending(request.user, event)
    other = selectors_prepare.met_mark_of(request.user, event, handle)
    preparation.met_unmark(actor=request.user, event=event, other_id=other.pk)
    messages.success(request, "Mark removed.")
    return redirect(_next(request, reverse("events:met", args=[event.pk])))


@login_required
@require_http_methods(["GET", "POST"])
@map_errors
def met_connect(request: HttpRequest, event_id: int, handle: str) -> HttpResponse:
    """GET: the connection request with its prefilled note. POST: send it (one click from the
    people-I-met list, which posts the prefilled note)."""
    event = access_event(request.user, event_id)
    _require_attending(request.user, event)
    other = selectors_prepare.met_mark_of(request.user, event, handle)
    profile = other.profile
    status = 200
    if request.method == "POST":
        form = ConnectForm(request.POST)
        status = 422
        if form.is_valid():
            try:
                preparation.met_connect(
                    actor=request.user,
                    event=event,
                    other=other,
                    note=form.cleaned_data["note"],
                    acknowledge_warnings=_ack(request),
                )
            except ApplicationError as exc:
                status = _form_error(form, exc)
            else:
                messages.success(request, f"Connection request sent to {profile.display_name}.")
                return redirect(reverse("events:met", args=[event.pk]) + f"#met-{profile.handle}")
    else:
        form = ConnectForm(
            initial={
                "note": preparation.connection_note_prefill(
                    event=event, other_name=profile.display_name
                )
            }
        )
    context = {"event": event, "profile": profile, "form": form}
    return render(request, "events/met_connect.html", context, status=status)


@login_required
@require_POST
@map_errors
def follow_up(request: HttpRequest, event_id: int) -> HttpResponse:
    """Done / dismissed / pending for the follow-up reminder (from the home page or the
    people-I-met page)."""
    event = access_event(request.user, event_id)
    _require_attending(request.user, event)
    form = FollowUpForm(request.POST)
    state = form.cleaned_data["state"] if form.is_valid() else request.POST.get("state")
    preparation.follow_up_set(actor=request.user, event=event, state=state)
    notices = {
        "done": "Follow-up done. Well met!",
        "dismissed": "Reminder dismissed.",
        "pending": "We will remind you on your home page.",
    }
    messages.success(request, notices.get(str(state), "Saved."))
    return redirect(_next(request, reverse("events:met", args=[event.pk])))


# --- recommended for you --------------------------------------------------------------------------


@login_required
@require_GET
@map_errors
def recommended(request: HttpRequest) -> HttpResponse:
    """Upcoming events recommended to the member, with the reasons."""
    recommendations = recommend.recommended_events_for(viewer=request.user)
    return render(request, "events/prepare_recommended.html", {"recommendations": recommendations})
