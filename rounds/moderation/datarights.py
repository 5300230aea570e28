"""A member's moderation data (see rounds/accounts/datarights.py for the contract).

Export: the reports the member filed (what, why, their details, and where each stands); the
decisions moderators took about the member's content or account (hide, remove, warn, suspend,
lift: what, when and the reason they were given — exactly what their notice pages show, without
the moderator) and their suspensions. Notifications of those decisions are pruned after 180
days, so the export cannot rely on them. Not exported: who reported *them*, reports about them
and dismissals (which would reveal that someone reported them), and who decided.

Erase: reports the member filed stay for moderators (a report about real harm must not vanish
because its reporter left), with the reporter set to null and their details scrubbed. The
moderation log keeps every decision with the people set to null (foreign keys SET_NULL), but
the reasons moderators wrote about the departed member are erased (the decision, its kind and
time stay). Suspensions of the member go with the account (CASCADE).
"""

from __future__ import annotations

from typing import Any

from .models import ModerationAction, Report, Suspension
from .selectors import reports_filed_by

EXPORT_DESCRIPTIONS = {
    "reports_filed": "Reports you sent to the moderators: what, why, your details, and "
    "where each stands.",
    "moderation_decisions": "What moderators decided about your content or account (hidden, "
    "removed, warned, suspended, suspension lifted), when, and the reason you were given.",
    "suspensions": "Suspensions of your account: from when, until when, why, and when they "
    "were lifted.",
}

#: Decisions the member was told about (a dismissal would reveal that someone reported them).
TOLD_ACTIONS = (
    ModerationAction.Action.HIDE,
    ModerationAction.Action.REMOVE,
    ModerationAction.Action.WARN,
    ModerationAction.Action.SUSPEND,
    ModerationAction.Action.LIFT,
)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def export_member_data(user: Any) -> dict[str, Any]:
    decisions = ModerationAction.objects.filter(
        target_author_id=user.pk, action__in=TOLD_ACTIONS
    ).order_by("id")
    suspensions = Suspension.objects.filter(user_id=user.pk).order_by("id")
    return {
        "moderation_decisions": [
            {
                "action": record.action,
                "target_kind": record.target_kind,
                "target_id": record.target_id,
                "reason": record.reason,
                "decided_at": _iso(record.created_at),
            }
            for record in decisions
        ],
        "suspensions": [
            {
                "since": _iso(suspension.created_at),
                "until": _iso(suspension.until),
                "reason": suspension.reason,
                "lifted_at": _iso(suspension.lifted_at),
            }
            for suspension in suspensions
        ],
        "reports_filed": [
            {
                "target_kind": report.target_kind,
                "target_id": report.target_id,
                "reason": report.reason,
                "details": report.details,
                "state": report.state,
                "created_at": report.created_at.isoformat(),
                "resolved_at": report.resolved_at.isoformat() if report.resolved_at else None,
            }
            for report in reports_filed_by(user)
        ],
    }


def erase_member_data(user: Any, *, anonymise: bool = False) -> None:
    """Keep the reports for moderators, without the reporter or their words; erase what
    moderators wrote about the member."""
    Report.objects.filter(reporter_id=user.pk).update(reporter=None, details="")
    ModerationAction.objects.filter(target_author_id=user.pk).update(reason="")


def seed_canary_data(user: Any, *, canary: str, other: Any) -> None:
    """Tests only: a report ``user`` filed about ``other`` (details), a warning and a
    suspension about ``user`` (reasons), each holding ``canary``."""
    from .services import report_create

    other_profile = getattr(other, "profile", None)
    if other_profile is not None:
        report_create(
            actor=user, kind="profile", target_id=other_profile.pk, reason="other", details=canary
        )
    else:
        Report.objects.create(
            reporter=user, target_kind="profile", target_id=1, reason="other", details=canary
        )
    ModerationAction.objects.create(
        action=ModerationAction.Action.WARN,
        target_kind="profile",
        target_author=user,
        reason=canary,
    )
    Suspension.objects.create(user=user, reason=canary)
