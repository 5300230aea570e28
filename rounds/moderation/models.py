"""Reports, moderators' actions (the moderation audit log) and suspensions.

A **report** names a target by ``(target_kind, target_id)`` (kinds are declared by the apps
that own them: see ``registry.py``), why it is reported and, optionally, details only
moderators read. ``group_id`` is the target's group when it has one (its moderators handle
it), copied at report time so the queue filters reports in one indexed query. One reporter
has at most one open report per target (a partial unique constraint).

Lifecycle of a report (``state``): ``open`` → ``dismissed`` (nothing wrong) | ``actioned``
(the content was hidden or removed, the author warned or suspended). Only services move it.

A **moderation action** is one decision by a moderator, kept for the log even after the
content or the people are gone. A **suspension** stops a member from publishing (every text
passes ``guard_text``, which refuses a suspended member), messaging and reporting, until a
time or indefinitely, until lifted.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from rounds.core.models import BaseModel

User = settings.AUTH_USER_MODEL

#: Longest report details (characters); seen only by moderators.
MAX_DETAILS = 1000
#: Longest reason a moderator gives (shown to the author).
MAX_REASON = 500


class Reason(models.TextChoices):
    PATIENT_PRIVACY = "patient_privacy", "Patient privacy (PHI)"
    HARASSMENT = "harassment", "Harassment"
    SPAM = "spam", "Spam"
    MISINFORMATION = "misinformation", "Misinformation"
    OTHER = "other", "Something else"


class Report(BaseModel):
    class State(models.TextChoices):
        OPEN = "open", "Open"
        DISMISSED = "dismissed", "Dismissed"
        ACTIONED = "actioned", "Action taken"

    reporter = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_kind = models.CharField(max_length=20)
    target_id = models.BigIntegerField()
    #: The member responsible for the target (null once their account is gone).
    target_author = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    group_id = models.BigIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    details = models.TextField(max_length=MAX_DETAILS, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    resolved_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The queue: open reports, oldest first (site staff) …
            models.Index(fields=["state", "created_at"], name="report_queue_idx"),
            # … and by group (group moderators).
            models.Index(fields=["group_id", "state", "created_at"], name="report_group_queue_idx"),
            # All reports on one target (detail page, resolving them together).
            models.Index(fields=["target_kind", "target_id", "state"], name="report_target_idx"),
            models.Index(fields=["reporter", "-id"], name="report_reporter_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "target_kind", "target_id"],
                condition=Q(state="open"),
                name="report_one_open_per_reporter_target",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["open", "dismissed", "actioned"]), name="report_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(
                    reason__in=["patient_privacy", "harassment", "spam", "misinformation", "other"]
                ),
                name="report_reason_valid",
            ),
            models.CheckConstraint(
                condition=Q(state="open") | Q(resolved_at__isnull=False),
                name="report_resolved_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"report {self.pk} on {self.target_kind} {self.target_id} ({self.state})"


class ModerationAction(models.Model):
    """One moderator's decision: the moderation audit log (append-only)."""

    class Action(models.TextChoices):
        DISMISS = "dismiss", "Dismissed the reports"
        HIDE = "hide", "Hid the content"
        REMOVE = "remove", "Removed the content"
        WARN = "warn", "Warned the author"
        SUSPEND = "suspend", "Suspended the author"
        LIFT = "lift", "Lifted a suspension"

    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    target_kind = models.CharField(max_length=20, blank=True)
    target_id = models.BigIntegerField(null=True, blank=True)
    target_author = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    group_id = models.BigIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=MAX_REASON, blank=True)
    reports_resolved = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["-id"], name="moderation_action_log_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=["dismiss", "hide", "remove", "warn", "suspend", "lift"]),
                name="moderation_action_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} on {self.target_kind} {self.target_id}"


class SuspensionQuerySet(models.QuerySet["Suspension"]):
    def active(self, now: Any = None) -> SuspensionQuerySet:
        now = now or timezone.now()
        return self.filter(Q(until__isnull=True) | Q(until__gt=now), lifted_at__isnull=True)


class Suspension(BaseModel):
    """``user`` may not publish, message or report until ``until`` (null: indefinitely) or
    until lifted. At most one unlifted suspension per member (suspending again replaces it)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    until = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=MAX_REASON)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = SuspensionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(lifted_at__isnull=True),
                name="suspension_one_unlifted_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"suspension of {self.user_id}"

    @property
    def is_active(self) -> bool:
        if self.lifted_at is not None:
            return False
        return self.until is None or self.until > timezone.now()
