"""Reads for moderators: the queue (reports grouped by target, oldest first), the reports on
one target, the moderation log and suspensions. Every read is scoped by
``policies.moderation_scope`` (staff: all; group moderators: their groups) and costs a fixed
number of queries whatever the page holds: one for the grouped page, one for its reasons, one
per kind of target on the page, one for the authors."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone

from rounds.core.pagination import Page, paginate
from rounds.profiles.models import Profile

from .models import ModerationAction, Reason, Report, Suspension
from .policies import moderation_scope
from .registry import ModerationState, targets

QUEUE_PAGE_SIZE = 20
STATES = {state.value for state in Report.State}
REASONS = {reason.value for reason in Reason}


@dataclass
class TargetView:
    """What a moderator sees of one reported thing (None fields once it is gone)."""

    kind: str
    target_id: int
    exists: bool = False
    excerpt: str = ""
    url: str = ""
    state: str = ModerationState.VISIBLE
    author: Profile | None = None
    obj: Any = None


@dataclass
class QueueItem:
    """One target in the queue: its reports' count, first report and reasons."""

    target: TargetView
    report_count: int
    first_report_id: int
    first_reported_at: datetime
    group_id: int | None
    #: ``{"reason", "label", "count"}`` per reason, most frequent first.
    reasons: list[dict[str, Any]] = field(default_factory=list)


def _reason_label(value: str) -> str:
    return Reason(value).label if value in REASONS else value


def _scoped(viewer: Any) -> QuerySet[Report]:
    scope = moderation_scope(viewer)
    if scope is None:
        return Report.objects.none()
    return Report.objects.filter(scope)


def load_targets(
    keys: list[tuple[str, int]], author_ids: dict[tuple[str, int], int | None]
) -> dict[tuple[str, int], TargetView]:
    """The current state of each ``(kind, id)``: one query per kind, one for the authors."""
    declared = targets()
    by_kind: dict[str, list[int]] = defaultdict(list)
    for kind, target_id in keys:
        by_kind[kind].append(target_id)
    views = {key: TargetView(kind=key[0], target_id=key[1]) for key in keys}
    for kind, ids in by_kind.items():
        target = declared.get(kind)
        if target is None:
            continue
        for obj in target.model._default_manager.filter(pk__in=ids):
            view = views[(kind, obj.pk)]
            view.exists = True
            view.obj = obj
            view.excerpt = target.excerpt(obj)
            view.url = target.url(obj)
            if target.moderated:
                view.state = getattr(obj, "moderation_state", ModerationState.VISIBLE)
            author = target.author_id(obj)
            if author is not None:
                author_ids[(kind, obj.pk)] = author
    profiles = {
        p.user_id: p
        for p in Profile.objects.filter(user_id__in={a for a in author_ids.values() if a})
    }
    for key, author_id in author_ids.items():
        if key in views and author_id:
            views[key].author = profiles.get(author_id)
    return views


def queue_for(
    *,
    viewer: Any,
    state: str = "open",
    reason: str = "",
    page: int = 1,
    size: int = QUEUE_PAGE_SIZE,
) -> Page[QueueItem]:
    """Reported targets ``viewer`` moderates, oldest first report first, with how many reports
    (in ``state``; every state for ``"all"``) and why. ``reason`` narrows to one reason."""
    qs = _scoped(viewer)
    if state != "all":
        qs = qs.filter(state=state if state in STATES else Report.State.OPEN)
    if reason in REASONS:
        qs = qs.filter(reason=reason)
    grouped = (
        qs.order_by()
        .values("target_kind", "target_id")
        .annotate(
            count=Count("id"),
            first_id=Min("id"),
            first_at=Min("created_at"),
            group=Max("group_id"),
            author=Max("target_author_id"),
        )
        .order_by("first_at", "first_id")
    )
    rows = paginate(grouped, page=page, size=size)
    keys = [(row["target_kind"], row["target_id"]) for row in rows.items]
    reasons: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    if keys:
        condition = Q(pk__in=[])
        for kind, target_id in keys:
            condition |= Q(target_kind=kind, target_id=target_id)
        for row in (
            qs.filter(condition)
            .order_by()
            .values("target_kind", "target_id", "reason")
            .annotate(n=Count("id"))
            .order_by("target_kind", "target_id", "-n", "reason")
        ):
            reasons[(row["target_kind"], row["target_id"])].append(
                {"reason": row["reason"], "label": _reason_label(row["reason"]), "count": row["n"]}
            )
    authors = {(row["target_kind"], row["target_id"]): row["author"] for row in rows.items}
    views = load_targets(keys, authors)
    items = [
        QueueItem(
            target=views[(row["target_kind"], row["target_id"])],
            report_count=row["count"],
            first_report_id=row["first_id"],
            first_reported_at=row["first_at"],
            group_id=row["group"],
            reasons=reasons[(row["target_kind"], row["target_id"])],
        )
        for row in rows.items
    ]
    return Page(items=items, number=rows.number, size=rows.size, has_next=rows.has_next)


#: Reports shown on one target's page (the oldest; a decision resolves them all anyway).
MAX_REPORTS_SHOWN = 100


def reports_on(report: Report) -> list[Report]:
    """The reports on ``report``'s target (any state), oldest first, with the reporters; at
    most ``MAX_REPORTS_SHOWN``."""
    return list(
        Report.objects.filter(target_kind=report.target_kind, target_id=report.target_id)
        .select_related("reporter__profile", "resolved_by__profile")
        .order_by("created_at", "id")[:MAX_REPORTS_SHOWN]
    )


def target_of(report: Report) -> TargetView:
    """The current state of ``report``'s target."""
    key = (report.target_kind, report.target_id)
    return load_targets([key], {key: report.target_author_id})[key]


def open_report_count(*, viewer: Any) -> int:
    """How many open reports ``viewer`` moderates (one query)."""
    return _scoped(viewer).filter(state=Report.State.OPEN).count()


def action_log(*, action: str = "", page: int = 1, size: int = 50) -> Page[ModerationAction]:
    """The moderation log, newest first (site staff only: the caller checks)."""
    qs = ModerationAction.objects.select_related("actor__profile", "target_author__profile")
    if action in ModerationAction.Action.values:
        qs = qs.filter(action=action)
    return paginate(qs.order_by("-id"), page=page, size=size)


def suspension_list(*, active_only: bool = True, page: int = 1, size: int = 50) -> Page[Suspension]:
    """Suspensions, newest first (active ones only unless ``active_only`` is False)."""
    qs = Suspension.objects.select_related("user__profile", "created_by__profile")
    if active_only:
        qs = qs.active()
    return paginate(qs.order_by("-id"), page=page, size=size)


def reports_filed_by(user: Any) -> QuerySet[Report]:
    """The reports ``user`` filed (their data: export)."""
    return Report.objects.filter(reporter_id=user.pk).order_by("id")


def guard_period_start(days: int) -> date | None:
    """The first day of the guard page's "last ``days`` days" (None: since counting began).
    ``GuardTally.day`` is the UTC date (``core.publishing``), so the window counts UTC days
    whatever zone the moderator's pages are shown in: the member's local date is a day ahead
    of (or behind) the tallies' for part of every day."""
    return timezone.now().date() - timedelta(days=days - 1) if days else None
