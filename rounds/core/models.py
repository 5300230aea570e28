from __future__ import annotations

from django.conf import settings
from django.db import models


class BaseModel(models.Model):
    """Every domain model records when it was created and last updated."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """An append-only record of a sensitive action (verification, roles, tokens, exports...).

    ``data`` never holds secrets or member-authored text; only identifiers and field names.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=80)
    target_type = models.CharField(max_length=80, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"]),
            models.Index(fields=["action"]),
        ]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_type}:{self.target_id}"


class GuardTally(models.Model):
    """How often the professionalism guard stopped, warned, or was overridden: counts only.

    One row per (day, kind of text, category, rule, outcome). Never the text, never who wrote
    it: the counts are not member data, so export and deletion have nothing to cover here.
    Written by ``rounds.core.publishing``; staff read override rates in the admin.
    """

    class Outcome(models.TextChoices):
        BLOCKED = "blocked", "Blocked (had to edit)"
        WARNED = "warned", "Warned (asked to confirm)"
        OVERRIDDEN = "overridden", "Published despite warnings"

    day = models.DateField()
    kind = models.CharField(max_length=30)
    category = models.CharField(max_length=30)
    rule = models.CharField(max_length=60)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day", "kind", "category", "rule", "outcome"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "kind", "category", "rule", "outcome"], name="guard_tally_unique"
            ),
        ]
        verbose_name = "guard tally"
        verbose_name_plural = "guard tallies"

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.rule} {self.outcome}: {self.count}"
