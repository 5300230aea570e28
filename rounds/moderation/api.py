"""JSON API for reports (``/api/v1/reports``) and moderation (``/api/v1/moderation``).

Thin endpoints: parse (schemas) → ``access_*`` (404 for anyone who may not see it: members
who moderate nothing get a 404 on every moderation endpoint) → one service or selector →
serialise. Lists are page-number paginated.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from rounds.core.api_utils import (
    PageOut,
    PageParams,
    error_responses,
    member_auth,
    page_out,
    viewer_of,
)
from rounds.core.errors import NotFound
from rounds.core.publishing import override_rates
from rounds.profiles.access import access_profile_by_handle

from . import services
from .access import (
    MAX_ID,
    access_moderation,
    access_report_by_id,
    access_staff,
    access_suspension_by_id,
)
from .schemas import (
    ActionIn,
    ActionOut,
    GuardParams,
    LogParams,
    OverrideRateOut,
    QueueItemOut,
    QueueParams,
    ReportCaseOut,
    ReportIn,
    ReportOut,
    SuspensionIn,
    SuspensionOut,
    action_out,
    queue_item_out,
    report_detail_out,
    report_out,
    suspension_out,
    target_out,
)
from .selectors import (
    action_log,
    guard_period_start,
    queue_for,
    reports_on,
    suspension_list,
    target_of,
)

reports_router = Router(tags=["moderation"], auth=member_auth)
router = Router(tags=["moderation"], auth=member_auth)

_REPORT_ID = Path(..., description="A report's id.")
_SUSPENSION_ID = Path(..., description="A suspension's id.")


def _id(value: int) -> int:
    if not 1 <= value <= MAX_ID:
        raise NotFound()
    return value


@reports_router.post(
    "",
    response={201: ReportOut, **error_responses(401, 403, 404, 409, 422, 429)},
    summary="Report something to the moderators",
    description=(
        "Report a post, comment, thread, reply, profile or message you can see (anything "
        "else is a 404), with a reason and optional details only moderators read. One open "
        "report per target per member (409). Your own content is a 422. Rate limited "
        "(429 with `Retry-After`); a suspended member gets a 403."
    ),
)
def report_create(request: HttpRequest, payload: ReportIn) -> Any:
    report = services.report_create(
        actor=viewer_of(request),
        kind=payload.target_kind,
        target_id=payload.target_id,
        reason=payload.reason,
        details=payload.details,
    )
    return Status(201, report_out(report))


@router.get(
    "/queue",
    response={200: PageOut[QueueItemOut], **error_responses(401, 404, 422)},
    summary="The moderation queue",
    description=(
        "Reported targets you moderate (site staff: all; group moderators: their groups' "
        "content), grouped by target with the number of reports, oldest first report first."
    ),
)
def queue(request: HttpRequest, params: Query[QueueParams], paging: Query[PageParams]) -> Any:
    access_moderation(viewer_of(request))
    page = queue_for(
        viewer=viewer_of(request),
        state=params.state,
        reason=params.reason or "",
        page=paging.page,
        size=paging.page_size,
    )
    return page_out(page, queue_item_out)


@router.get(
    "/reports/{report_id}",
    response={200: ReportCaseOut, **error_responses(401, 404)},
    summary="A report, its target and every report on it",
)
def report_detail(request: HttpRequest, report_id: int = _REPORT_ID) -> Any:
    report = access_report_by_id(viewer_of(request), _id(report_id))
    return {
        "report": report_detail_out(report),
        "target": target_out(target_of(report)),
        "reports": [report_detail_out(item) for item in reports_on(report)],
    }


@router.post(
    "/reports/{report_id}/actions",
    response={201: ActionOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Decide on a report",
    description=(
        "Acts on the report's target and resolves every open report on it; logged. "
        "`suspend` is for site staff (403 for group moderators)."
    ),
)
def report_act(request: HttpRequest, payload: ActionIn, report_id: int = _REPORT_ID) -> Any:
    report = access_report_by_id(viewer_of(request), _id(report_id))
    record = services.report_act(
        actor=viewer_of(request),
        report=report,
        action=payload.action,
        reason=payload.reason,
        days=payload.days,
    )
    return Status(201, action_out(record))


@router.get(
    "/log",
    response={200: PageOut[ActionOut], **error_responses(401, 404, 422)},
    summary="The moderation log (site staff)",
)
def log(request: HttpRequest, params: Query[LogParams], paging: Query[PageParams]) -> Any:
    access_staff(viewer_of(request))
    page = action_log(action=params.action or "", page=paging.page, size=paging.page_size)
    return page_out(page, action_out)


@router.get(
    "/suspensions",
    response={200: PageOut[SuspensionOut], **error_responses(401, 404, 422)},
    summary="Active suspensions (site staff)",
)
def suspensions(request: HttpRequest, paging: Query[PageParams]) -> Any:
    access_staff(viewer_of(request))
    page = suspension_list(page=paging.page, size=paging.page_size)
    return page_out(page, suspension_out)


@router.post(
    "/suspensions",
    response={201: SuspensionOut, **error_responses(401, 404, 422)},
    summary="Suspend a member (site staff)",
    description=(
        "They can sign in and read, but not publish, message or report, for `days` or until "
        "lifted. Suspending someone already suspended replaces their suspension."
    ),
)
def suspension_create(request: HttpRequest, payload: SuspensionIn) -> Any:
    access_staff(viewer_of(request))
    profile = access_profile_by_handle(viewer_of(request), payload.handle)
    suspension = services.suspension_create(
        actor=viewer_of(request), user=profile.user, reason=payload.reason, days=payload.days
    )
    suspension = access_suspension_by_id(viewer_of(request), suspension.pk)
    return Status(201, suspension_out(suspension))


@router.post(
    "/suspensions/{suspension_id}/lift",
    response={200: SuspensionOut, **error_responses(401, 404, 409)},
    summary="Lift a suspension (site staff)",
)
def suspension_lift(request: HttpRequest, suspension_id: int = _SUSPENSION_ID) -> Any:
    suspension = access_suspension_by_id(viewer_of(request), _id(suspension_id))
    lifted = services.suspension_lift(actor=viewer_of(request), suspension=suspension)
    return suspension_out(access_suspension_by_id(viewer_of(request), lifted.pk))


@router.get(
    "/guard-overrides",
    response={200: list[OverrideRateOut], **error_responses(401, 404, 422)},
    summary="How often authors override each guard rule",
    description="Warned / published anyway / blocked counts per rule (counts only).",
)
def guard_overrides(request: HttpRequest, params: Query[GuardParams]) -> Any:
    access_moderation(viewer_of(request))
    since = guard_period_start(params.days)
    return [
        {
            "category": rate.category,
            "rule": rate.rule,
            "warned": rate.warned,
            "overridden": rate.overridden,
            "blocked": rate.blocked,
            "rate": rate.rate,
        }
        for rate in override_rates(since=since, kind=params.kind or None)
    ]
