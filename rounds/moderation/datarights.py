"""A member's moderation data (see rounds/accounts/datarights.py for the contract).

Export: the reports the member filed (what, why, their details, and where each stands). Not
exported: who reported *them* and moderators' notes — those belong to other members and to
the moderation record; the decisions about them reached them as notifications (exported by
the notifications app) and stay readable on their notice pages while the account exists.

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
}


def export_member_data(user: Any) -> dict[str, Any]:
    return {
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
        ]
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
