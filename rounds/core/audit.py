"""Write audit entries. Call inside the service's transaction so the entry commits with it."""

from __future__ import annotations

from typing import Any

from django.db import models

from .models import AuditEntry


def audit(
    *, actor: Any, action: str, target: models.Model | None = None, **data: Any
) -> AuditEntry:
    """Record that ``actor`` did ``action`` to ``target``; ``data`` holds ids and field names only."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        data=data,
    )
