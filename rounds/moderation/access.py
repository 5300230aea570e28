"""Gatekeepers: the one path from a URL key to a reportable object, a report or a suspension.
Missing and forbidden look the same (NotFound, 404): a member who is not a moderator learns
nothing about reports, not even that the queue exists."""

from __future__ import annotations

from typing import Any

from rounds.core.errors import NotFound

from .models import ModerationAction, Report, Suspension
from .policies import can_moderate, can_moderate_report, is_member, is_site_staff
from .registry import ModerationTarget, target_for

MAX_ID = 2**63 - 1
NO_TARGET = "Nothing to report there."
NO_REPORT = "No such report."


def _valid_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def access_reportable(viewer: Any, kind: str, target_id: int) -> tuple[ModerationTarget, Any]:
    """The target kind and the object ``viewer`` wants to report: only what they can see
    (the owning app's ``visible_to``). Raises NotFound otherwise."""
    if not is_member(viewer) or not isinstance(kind, str) or not _valid_id(target_id):
        raise NotFound(NO_TARGET)
    target = target_for(kind)
    if target is None:
        raise NotFound(NO_TARGET)
    obj = target.visible_to(viewer).filter(pk=target_id).first()
    if obj is None:
        raise NotFound(NO_TARGET)
    return target, obj


def access_moderation(viewer: Any) -> None:
    """Raises NotFound unless ``viewer`` moderates something (staff or a group moderator)."""
    if not can_moderate(viewer):
        raise NotFound()


def access_staff(viewer: Any) -> None:
    """Raises NotFound unless ``viewer`` is site staff (the log, suspensions)."""
    if not is_site_staff(viewer):
        raise NotFound()


def access_report_by_id(viewer: Any, report_id: int, *, for_update: bool = False) -> Report:
    """Report ``report_id`` if ``viewer`` moderates it; NotFound otherwise (its reporter
    included: reporters do not see the queue)."""
    if not is_member(viewer) or not _valid_id(report_id):
        raise NotFound(NO_REPORT)
    qs = Report.objects.select_related("reporter__profile", "target_author__profile")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    report = qs.filter(pk=report_id).first()
    if report is None or not can_moderate_report(viewer, report):
        raise NotFound(NO_REPORT)
    return report


def access_suspension_by_id(viewer: Any, suspension_id: int) -> Suspension:
    """A suspension, for site staff only; NotFound otherwise."""
    access_staff(viewer)
    if not _valid_id(suspension_id):
        raise NotFound("No such suspension.")
    suspension = Suspension.objects.select_related("user__profile").filter(pk=suspension_id).first()
    if suspension is None:
        raise NotFound("No such suspension.")
    return suspension


def access_notice_by_id(viewer: Any, action_id: int) -> ModerationAction:
    """A moderation decision, for the member it concerns (and site staff); NotFound
    otherwise."""
    if not is_member(viewer) or not _valid_id(action_id):
        raise NotFound()
    record = ModerationAction.objects.filter(pk=action_id).first()
    if record is None or (record.target_author_id != viewer.pk and not is_site_staff(viewer)):
        raise NotFound()
    return record
