"""Who may moderate what (pure predicates, plus the one query that says whether a member is
suspended or moderates any group)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from .models import Report, Suspension
from .registry import is_group_moderator, moderated_group_ids

SUSPENDED_MESSAGE = (
    "Your account is suspended: you can read, but not publish, message or report until "
    "moderators lift it."
)


def is_member(user: Any) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def is_site_staff(user: Any) -> bool:
    """Site staff moderate everything, suspend members and read the moderation log."""
    return is_member(user) and bool(user.is_staff)


def moderation_scope(user: Any) -> Q | None:
    """The reports ``user`` may handle, as a filter; None when they moderate nothing.
    Staff: every report. Group moderators: reports on their groups' content."""
    if not is_member(user):
        return None
    if is_site_staff(user):
        return Q()
    scopes = moderated_group_ids(user)
    if not scopes:
        return None
    condition = Q(pk__in=[])
    for ids in scopes:
        condition |= Q(group_id__in=ids)
    return condition


def can_moderate(user: Any) -> bool:
    """Whether ``user`` has a moderation queue at all (staff, or moderator of some group)."""
    return is_site_staff(user) or (is_member(user) and _moderates_a_group(user))


def _moderates_a_group(user: Any) -> bool:
    for ids in moderated_group_ids(user):
        if hasattr(ids, "exists"):
            if ids.exists():
                return True
        elif list(ids):
            return True
    return False


def can_moderate_report(user: Any, report: Report) -> bool:
    """Staff moderate every report; a group's moderators the reports on its content."""
    return is_site_staff(user) or is_group_moderator(user, report.group_id)


def is_suspended(user: Any) -> bool:
    """Whether ``user`` is suspended right now (one query)."""
    if not is_member(user):
        return False
    return Suspension.objects.active().filter(user_id=user.pk).exists()
