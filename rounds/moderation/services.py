"""Writes for moderation: file a report; act on a reported target (dismiss, hide, remove,
warn, suspend its author); suspend a member directly and lift a suspension.

Each service validates, writes in one transaction, records a ``ModerationAction`` (the
moderation log moderators and staff read) and a core ``audit()`` entry (ids only, never text),
and notifies the author inside the transaction (``notify`` queues any email after commit).

Report details are free text only moderators read. They are not a publishing path: a report
of a patient-privacy breach must be able to quote what it reports, and nothing in them is
shown to other members (declared in rounds/core/tests/test_publishing_paths.py).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from rounds.accounts.policies import ensure_not_leaving
from rounds.core.audit import audit
from rounds.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from rounds.core.ratelimit import rate_limit
from rounds.notifications.models import Kind
from rounds.notifications.services import notify

from .access import access_reportable
from .models import MAX_DETAILS, MAX_REASON, ModerationAction, Reason, Report, Suspension
from .policies import SUSPENDED_MESSAGE, is_site_staff, is_suspended
from .registry import ModerationState, target_for

Action = ModerationAction.Action

#: Longest suspension with an end date (days); longer ones are indefinite.
MAX_SUSPENSION_DAYS = 3650
#: Actions a moderator takes on a reported target from a report.
REPORT_ACTIONS = (Action.DISMISS, Action.HIDE, Action.REMOVE, Action.WARN, Action.SUSPEND)
#: What the author is told, by action.
_TOLD = {
    Action.HIDE: "Moderators hid your {kind}",
    Action.REMOVE: "Moderators removed your {kind}",
    Action.WARN: "Moderators warned you about your {kind}",
    Action.SUSPEND: "Moderators suspended your account after reports about your {kind}",
}


def _clean_text(value: Any, *, field: str, limit: int, required: bool, what: str) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(f"{what} must be text.", field=field)
    if "\x00" in value:
        raise ValidationFailed(f"{what} contains a character that is not allowed.", field=field)
    value = value.strip()
    if required and not value:
        raise ValidationFailed(f"{what} is required: the author will read it.", field=field)
    if len(value) > limit:
        raise ValidationFailed(f"{what} can be at most {limit:,} characters.", field=field)
    return value


def _clean_days(days: Any) -> int | None:
    if days is None or days == "":
        return None
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_SUSPENSION_DAYS:
        raise ValidationFailed(
            f"Suspend for 1 to {MAX_SUSPENSION_DAYS} days, or leave empty for indefinitely.",
            field="days",
        )
    return days


def notice_url(action: ModerationAction) -> str:
    return reverse("moderation:notice", args=[action.pk])


# --- reporting ----------------------------------------------------------------------------------


def report_create(
    *, actor: Any, kind: str, target_id: int, reason: str, details: str = ""
) -> Report:
    """``actor`` reports something they can see. Rate limited ("report"); a suspended member
    cannot report (Forbidden). Raises NotFound (nothing visible there), ValidationFailed (bad
    reason or details, or their own content), Conflict (they already have an open report on
    it). Only moderators see the report; the author is not told who reported."""
    ensure_not_leaving(actor)
    rate_limit(actor_id=actor.pk, action="report")
    target, obj = access_reportable(actor, kind, target_id)
    if is_suspended(actor):
        raise Forbidden(SUSPENDED_MESSAGE)
    if reason not in Reason.values:
        raise ValidationFailed("Choose why you are reporting this.", field="reason")
    details = _clean_text(
        details, field="details", limit=MAX_DETAILS, required=False, what="Details"
    )
    author_id = target.author_id(obj)
    if author_id == actor.pk:
        raise ValidationFailed(
            f"This is your own {kind}: edit or delete it instead.", field="target_id"
        )
    conflict = Conflict(
        f"You already reported this {kind}; moderators will look at it.", field="target_id"
    )
    try:
        with transaction.atomic():
            open_report = Report.objects.filter(
                reporter=actor, target_kind=kind, target_id=obj.pk, state=Report.State.OPEN
            )
            if open_report.exists():
                raise conflict
            report = Report.objects.create(
                reporter=actor,
                target_kind=kind,
                target_id=obj.pk,
                target_author_id=author_id,
                group_id=target.group_id(obj),
                reason=reason,
                details=details,
            )
            audit(actor=actor, action="moderation.report", target=report, kind=kind, reason=reason)
    except IntegrityError as exc:  # a concurrent duplicate
        raise conflict from exc
    return report


# --- acting on a report -------------------------------------------------------------------------


@transaction.atomic
def report_act(
    *, actor: Any, report: Report, action: str, reason: str = "", days: Any = None
) -> ModerationAction:
    """Act on ``report``'s target and resolve every open report on it.

    ``dismiss`` (nothing wrong; reason optional), ``hide`` / ``remove`` (the content leaves
    feeds and search at once; its author sees why), ``warn`` (the author is told why),
    ``suspend`` (site staff only: the author is suspended for ``days`` or indefinitely).
    ``actor`` must moderate the report (the caller resolved it through
    ``access_report_by_id``). Raises ValidationFailed (unknown action, missing reason),
    Forbidden (suspend by a group moderator), Conflict (the content is gone or its author's
    account is).
    """
    if action not in REPORT_ACTIONS:
        raise ValidationFailed("Choose an action.", field="action")
    reason = _clean_text(
        reason,
        field="reason",
        limit=MAX_REASON,
        required=action != Action.DISMISS,
        what="The reason",
    )
    days = _clean_days(days) if action == Action.SUSPEND else None
    if action == Action.SUSPEND and not is_site_staff(actor):
        raise Forbidden("Only site staff can suspend members.")
    _refuse_repeat(report=report, action=action, reason=reason)
    target = target_for(report.target_kind)
    obj: Any = None
    if target is not None:
        obj = target.model._default_manager.select_for_update().filter(pk=report.target_id).first()
    author_id = target.author_id(obj) if (target is not None and obj is not None) else None
    author_id = author_id or report.target_author_id
    if action in (Action.HIDE, Action.REMOVE) and obj is None:
        raise Conflict("This content is already gone; dismiss the reports instead.")
    if action in (Action.WARN, Action.SUSPEND) and author_id is None:
        raise Conflict("The author's account is gone; dismiss the reports instead.")
    if action == Action.SUSPEND and author_id == actor.pk:
        raise ValidationFailed("You cannot suspend yourself.", field="action")

    if action in (Action.HIDE, Action.REMOVE):
        assert target is not None and obj is not None
        if target.moderated:
            obj.moderation_state = (
                ModerationState.HIDDEN if action == Action.HIDE else ModerationState.REMOVED
            )
            obj.moderation_reason = reason
            obj.save(update_fields=["moderation_state", "moderation_reason"])
        elif target.remove is not None:
            target.remove(obj, reason)
    if action == Action.SUSPEND:
        assert author_id is not None
        _suspend(actor=actor, user_id=author_id, reason=reason, days=days)

    now = timezone.now()
    resolved = Report.objects.filter(
        target_kind=report.target_kind, target_id=report.target_id, state=Report.State.OPEN
    ).update(
        state=Report.State.DISMISSED if action == Action.DISMISS else Report.State.ACTIONED,
        resolved_by=actor,
        resolved_at=now,
        updated_at=now,
    )
    record = ModerationAction.objects.create(
        actor=actor,
        action=action,
        target_kind=report.target_kind,
        target_id=report.target_id,
        target_author_id=author_id,
        group_id=report.group_id,
        reason=reason,
        reports_resolved=resolved,
    )
    audit(
        actor=actor,
        action=f"moderation.{action}",
        target=report,
        kind=report.target_kind,
        target_id=report.target_id,
        reports_resolved=resolved,
    )
    if action != Action.DISMISS and author_id is not None:
        told = _TOLD[Action(action)].format(kind=report.target_kind)
        notify(
            recipient_id=author_id,
            kind=Kind.MODERATION,
            text=f"{told}: {reason}",
            url=notice_url(record),
        )
    return record


def _refuse_repeat(*, report: Report, action: str, reason: str) -> None:
    """Serialise decisions on one target (its report rows are locked until commit) and refuse
    taking again the decision just taken: a double submit, or two moderators deciding the same
    reports at once, would otherwise log the action twice and notify the author twice."""
    Report.objects.select_for_update().filter(pk=report.pk).first()
    still_open = list(
        Report.objects.select_for_update()
        .filter(target_kind=report.target_kind, target_id=report.target_id, state=Report.State.OPEN)
        .values_list("pk", flat=True)
    )
    if still_open:
        return
    latest = (
        ModerationAction.objects.filter(target_kind=report.target_kind, target_id=report.target_id)
        .order_by("-id")
        .values_list("action", "reason")
        .first()
    )
    if latest == (action, reason):
        raise Conflict("Moderators already took this decision on it; the queue is up to date.")


# --- suspensions --------------------------------------------------------------------------------


def _suspend(*, actor: Any, user_id: int, reason: str, days: int | None) -> Suspension:
    """Suspend ``user_id`` (replacing any suspension not yet lifted)."""
    until = timezone.now() + timedelta(days=days) if days else None
    existing = (
        Suspension.objects.select_for_update().filter(user_id=user_id, lifted_at=None).first()
    )
    if existing is not None:
        existing.until = until
        existing.reason = reason
        existing.created_by = actor
        existing.save(update_fields=["until", "reason", "created_by", "updated_at"])
        return existing
    try:
        with transaction.atomic():
            return Suspension.objects.create(
                user_id=user_id, until=until, reason=reason, created_by=actor
            )
    except IntegrityError as exc:  # suspended at the same moment (a double submit)
        raise Conflict(
            "This member was suspended a moment ago; the suspensions list shows it.",
            field="__all__",
        ) from exc


@transaction.atomic
def suspension_create(*, actor: Any, user: Any, reason: str, days: Any = None) -> Suspension:
    """Site staff suspend ``user`` for ``days`` (None: indefinitely). They can read but not
    publish, message or report. Raises Forbidden (not staff), ValidationFailed."""
    if not is_site_staff(actor):
        raise Forbidden("Only site staff can suspend members.")
    reason = _clean_text(reason, field="reason", limit=MAX_REASON, required=True, what="The reason")
    days = _clean_days(days)
    if user.pk == actor.pk:
        raise ValidationFailed("You cannot suspend yourself.", field="handle")
    suspension = _suspend(actor=actor, user_id=user.pk, reason=reason, days=days)
    record = ModerationAction.objects.create(
        actor=actor,
        action=Action.SUSPEND,
        target_kind="profile",
        target_author_id=user.pk,
        reason=reason,
    )
    audit(actor=actor, action="moderation.suspend", target=suspension, user_id=user.pk)
    notify(
        recipient_id=user.pk,
        kind=Kind.MODERATION,
        text=f"Moderators suspended your account: {reason}",
        url=notice_url(record),
    )
    return suspension


@transaction.atomic
def suspension_lift(*, actor: Any, suspension: Suspension) -> Suspension:
    """Lift ``suspension`` now (site staff). Lifting one already lifted is a Conflict."""
    if not is_site_staff(actor):
        raise NotFound()
    locked = Suspension.objects.select_for_update().get(pk=suspension.pk)
    if locked.lifted_at is not None:
        raise Conflict("This suspension was already lifted.")
    locked.lifted_at = timezone.now()
    locked.lifted_by = actor
    locked.save(update_fields=["lifted_at", "lifted_by", "updated_at"])
    record = ModerationAction.objects.create(
        actor=actor, action=Action.LIFT, target_kind="profile", target_author_id=locked.user_id
    )
    audit(actor=actor, action="moderation.lift", target=locked, user_id=locked.user_id)
    notify(
        recipient_id=locked.user_id,
        kind=Kind.MODERATION,
        text="Moderators lifted the suspension of your account: you can publish again.",
        url=notice_url(record),
    )
    return locked
