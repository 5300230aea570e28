"""Helpers to build reports in tests through the real services."""

from __future__ import annotations

from typing import Any

from rounds.messaging.models import Message
from rounds.messaging.tests.factories import start
from rounds.moderation.models import Report
from rounds.moderation.services import report_create
from rounds.network.tests.factories import connect
from rounds.profiles.models import Profile
from rounds.profiles.tests.factories import ProfileFactory


def staff_member(**kwargs: Any) -> Profile:
    """A site staff member (moderates everything)."""
    profile = ProfileFactory(**kwargs)
    profile.user.is_staff = True
    profile.user.save(update_fields=["is_staff"])
    return profile


def message_between(sender: Any, recipient: Any, body: str = "Hello there") -> Message:
    """``sender`` (a user) writes ``body`` to ``recipient``, connected first."""
    connect(sender, recipient)
    return start(sender, recipient, body=body)


def report(
    reporter: Any, kind: str, target_id: int, reason: str = "spam", details: str = ""
) -> Report:
    return report_create(
        actor=reporter, kind=kind, target_id=target_id, reason=reason, details=details
    )
