"""What a member whose account deletion is scheduled may still do (pure, no query).

During the 14-day grace period (``User.deletion_scheduled``) everyone else treats the member
as absent (``profiles.selectors.profile_visible_to``). So that nothing they do comes from an
invisible member, every write that publishes or reaches other members refuses them with
``Forbidden`` (403) and a link to where they can cancel: ``guard_texts`` (every publishing
path) and the services that reach others without text (connection requests, follows, likes,
reposts, joining and inviting to groups, event registration and publication, adding people to
conversations, reports) call ``ensure_not_leaving``. Reading, private housekeeping, exporting
their data and cancelling the deletion keep working.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from rounds.core.errors import Forbidden

DELETION_SCHEDULED_MESSAGE = (
    "Your account is scheduled for deletion. Cancel the deletion in Settings to use Rounds again."
)
#: The label of the link pages show under the message (to Settings → Your data).
CANCEL_LINK_LABEL = "Cancel the deletion in Settings"


def deletion_scheduled(user: Any) -> bool:
    """Whether ``user`` is in the grace period of a scheduled account deletion."""
    return bool(getattr(user, "deletion_scheduled", False))


def ensure_not_leaving(actor: Any) -> None:
    """Raise ``Forbidden`` (403, with the cancel link) when ``actor``'s deletion is scheduled."""
    if deletion_scheduled(actor):
        raise Forbidden(
            DELETION_SCHEDULED_MESSAGE,
            link_url=reverse("accounts:data"),
            link_label=CANCEL_LINK_LABEL,
        )
