"""HTML pages of moderation: the "Report" flow for members, and for moderators the queue, a
report with its target and the decision form, the guard's override rates; for site staff the
moderation log and suspensions; for an author, the notice explaining a decision about them.

Thin: parse (forms) → resolve through ``access_*`` (404 for anyone who may not see it, the
queue included) → one service or selector → render. Plain forms post and redirect.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rounds.core.errors import ApplicationError, Forbidden, NotFound, RateLimited
from rounds.core.http import apply_service_errors, map_errors
from rounds.core.pagination import MAX_PAGE_NUMBER, parse_positive_int
from rounds.core.publishing import CATEGORY_LABELS, override_rates
from rounds.guard.context import KINDS
from rounds.profiles.access import access_profile_by_handle

from . import services
from .access import (
    MAX_ID,
    access_moderation,
    access_notice_by_id,
    access_report_by_id,
    access_reportable,
    access_staff,
    access_suspension_by_id,
)
from .forms import ActionForm, QueueFilterForm, ReportForm, SuspendForm
from .models import ModerationAction, Reason
from .policies import is_site_staff, is_suspended
from .selectors import (
    action_log,
    guard_period_start,
    queue_for,
    reports_on,
    suspension_list,
    target_of,
)

#: Periods the guard page offers (days; 0: since counting began).
GUARD_PERIODS = {"7": 7, "30": 30, "90": 90, "all": 0}


def _page(request: HttpRequest) -> int:
    return parse_positive_int(request.GET.get("page"), default=1, maximum=MAX_PAGE_NUMBER)


def _with_status(response: HttpResponse, exc: ApplicationError) -> HttpResponse:
    response.status_code = exc.status_code
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


# --- members: reporting -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@map_errors
def report(request: HttpRequest, kind: str, target_id: int) -> HttpResponse:
    """GET: what is being reported and the form. POST: file the report."""
    if target_id > MAX_ID:
        raise NotFound()
    target, obj = access_reportable(request.user, kind[:20], target_id)
    form = ReportForm(request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {
        "form": form,
        "kind": target.kind,
        "target_id": obj.pk,
        "excerpt": target.excerpt(obj),
        "back_url": target.url(obj),
        "suspended": is_suspended(request.user),
        "reasons_help": [(Reason(key).label, text) for key, text in REASON_HELP.items()],
    }
    if request.method == "GET":
        return render(request, "moderation/report.html", context)
    status = 422
    if form.is_valid():
        try:
            services.report_create(
                actor=request.user,
                kind=target.kind,
                target_id=obj.pk,
                reason=form.cleaned_data["reason"],
                details=form.cleaned_data["details"],
            )
        except Forbidden as exc:
            form.add_error(None, exc.message)
            status = 403
        except ApplicationError as exc:
            apply_service_errors(form, exc)
            return _with_status(render(request, "moderation/report.html", context), exc)
        else:
            flash.success(
                request,
                "Thank you. Moderators will review your report; the author is not told who "
                "reported it.",
            )
            return redirect(target.url(obj) or reverse("profiles:home"))
    return render(request, "moderation/report.html", context, status=status)


REASON_HELP = {
    Reason.PATIENT_PRIVACY: "It could identify a patient (name, dates, record numbers, photos).",
    Reason.HARASSMENT: "It attacks, threatens or demeans someone.",
    Reason.SPAM: "Advertising, scams or the same thing over and over.",
    Reason.MISINFORMATION: "Health claims that are false or dangerous.",
    Reason.OTHER: "Something else moderators should look at: say what in the details.",
}


# --- moderators ---------------------------------------------------------------------------------


@login_required
@require_GET
@map_errors
def queue(request: HttpRequest) -> HttpResponse:
    """Reported targets the viewer moderates, oldest first, filtered by state and reason."""
    access_moderation(request.user)
    filters = QueueFilterForm(request.GET or None)
    state, reason = "open", ""
    if filters.is_valid():
        state = filters.cleaned_data["state"] or "open"
        reason = filters.cleaned_data["reason"] or ""
    page = queue_for(viewer=request.user, state=state, reason=reason, page=_page(request))
    context = {
        "filters": filters,
        "page": page,
        "state": state,
        "reason": reason,
        "is_staff": is_site_staff(request.user),
        "reason_labels": dict(Reason.choices),
    }
    return render(request, "moderation/queue.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@map_errors
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    """GET: the target, every report on it, and the decision form. POST: decide."""
    staff = is_site_staff(request.user)
    report_obj = access_report_by_id(request.user, report_id)
    form = ActionForm(request.POST if request.method == "POST" else None, staff=staff)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                record = services.report_act(
                    actor=request.user,
                    report=report_obj,
                    action=form.cleaned_data["action"],
                    reason=form.cleaned_data["reason"],
                    days=form.cleaned_data.get("days"),
                )
            except Forbidden as exc:
                form.add_error(None, exc.message)
                status = 403
            except ApplicationError as exc:
                apply_service_errors(form, exc)
                status = exc.status_code
            else:
                label = ModerationAction.Action(record.action).label
                flash.success(request, f"{label}. The queue is up to date.")
                return redirect("moderation:queue")
    context = {
        "report": report_obj,
        "target": target_of(report_obj),
        "reports": reports_on(report_obj),
        "form": form,
        "is_staff": staff,
        "reason_labels": dict(Reason.choices),
    }
    return render(request, "moderation/report_detail.html", context, status=status)


@login_required
@require_GET
@map_errors
def guard_overrides(request: HttpRequest) -> HttpResponse:
    """How often authors publish anyway after each guard rule warned them (counts only)."""
    access_moderation(request.user)
    period = request.GET.get("period", "30")
    period = period if period in GUARD_PERIODS else "30"
    kind = request.GET.get("kind", "")
    kind = kind if kind in KINDS else ""
    days = GUARD_PERIODS[period]
    since = guard_period_start(days)
    context = {
        "rows": [
            {"rate": rate, "category": CATEGORY_LABELS.get(rate.category, rate.category)}
            for rate in override_rates(since=since, kind=kind or None)
        ],
        "period": period,
        "periods": GUARD_PERIODS,
        "kind": kind,
        "kinds": sorted(KINDS),
    }
    return render(request, "moderation/guard.html", context)


# --- site staff ---------------------------------------------------------------------------------


@login_required
@require_GET
@map_errors
def log(request: HttpRequest) -> HttpResponse:
    """Every moderation decision, newest first (site staff)."""
    access_staff(request.user)
    action = request.GET.get("action", "")
    page = action_log(action=action, page=_page(request))
    context = {"page": page, "action": action, "actions": ModerationAction.Action.choices}
    return render(request, "moderation/log.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@map_errors
def suspensions(request: HttpRequest) -> HttpResponse:
    """GET: active suspensions and the form. POST: suspend a member (site staff)."""
    access_staff(request.user)
    form = SuspendForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                profile = access_profile_by_handle(request.user, form.cleaned_data["handle"])
                services.suspension_create(
                    actor=request.user,
                    user=profile.user,
                    reason=form.cleaned_data["reason"],
                    days=form.cleaned_data["days"],
                )
            except NotFound as exc:
                form.add_error("handle", exc.message)
            except ApplicationError as exc:
                apply_service_errors(form, exc)
                status = exc.status_code
            else:
                flash.success(request, f"{profile.display_name} is suspended.")
                return redirect("moderation:suspensions")
    page = suspension_list(page=_page(request))
    return render(
        request, "moderation/suspensions.html", {"form": form, "page": page}, status=status
    )


@login_required
@require_POST
@map_errors
def suspension_lift(request: HttpRequest, suspension_id: int) -> HttpResponse:
    suspension = access_suspension_by_id(request.user, suspension_id)
    services.suspension_lift(actor=request.user, suspension=suspension)
    flash.success(request, "The suspension is lifted.")
    return redirect("moderation:suspensions")


# --- authors ------------------------------------------------------------------------------------


@login_required
@require_GET
@map_errors
def notice(request: HttpRequest, action_id: int) -> HttpResponse:
    """What moderators decided about the viewer's content or account, and why. Only for the
    member it concerns (and site staff); the moderator is not named."""
    record = access_notice_by_id(request.user, action_id)
    return render(
        request,
        "moderation/notice.html",
        {"record": record, "suspended": is_suspended(request.user)},
    )
