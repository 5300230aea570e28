"""Moderation targets for apps that predate moderation: profiles and direct messages.

Neither model carries ``ModeratedFields``, so "hide" and "remove" both call the target's
``remove`` (there is no hidden-but-kept state for them):

- **profile**: the headline and bio (the member's own words on their page and in the directory
  and search) are cleared; name, handle and professional details stay, so colleagues still
  find the person. The member is told why (a MODERATION notification with the reason) and may
  write a new headline and bio, which pass the professionalism guard again.
- **message**: the text is erased exactly as when its sender deletes it (``deleted_at`` set,
  ``body`` empty): every participant sees "This message was deleted" at once, and it leaves
  message search. The sender is told why. Messages are private: only site staff moderate them
  (``group_id`` is None), and a member can report only a message they can read.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from rounds.messaging.models import Message, MessageHide, Participant
from rounds.profiles.models import Profile
from rounds.profiles.selectors import profile_visible_to

from .registry import ModerationTarget

EXCERPT_LENGTH = 280


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_LENGTH else text[: EXCERPT_LENGTH - 1] + "…"


# --- profiles -------------------------------------------------------------------------------


def _profile_excerpt(profile: Profile) -> str:
    parts = [profile.display_name, profile.headline, profile.bio]
    return _clip(" — ".join(part for part in parts if part))


def _profile_remove(profile: Profile, reason: str) -> None:
    """Clear what the member wrote about themselves (headline and bio)."""
    profile.headline = ""
    profile.bio = ""
    profile.save(update_fields=["headline", "bio", "updated_at"])


PROFILE = ModerationTarget(
    kind="profile",
    model=Profile,
    author_id=lambda profile: profile.user_id,
    group_id=lambda profile: None,
    visible_to=lambda viewer: profile_visible_to(viewer=viewer),
    excerpt=_profile_excerpt,
    url=lambda profile: reverse("profiles:detail", args=[profile.handle]),
    moderated=False,
    remove=_profile_remove,
)


# --- messages -------------------------------------------------------------------------------


def messages_visible_to(viewer: Any) -> QuerySet[Message]:
    """Messages ``viewer`` can read (as a participant, or a request's recipient), not deleted,
    not hidden from them, nothing after they left or before they were added; members' messages
    only (a system line such as "… added …" has no text to report)."""
    if viewer is None or not viewer.is_authenticated:
        return Message.objects.none()
    seat = Participant.objects.filter(
        Q(history_end_id__isnull=True) | Q(history_end_id__gte=OuterRef("id")),
        Q(history_start_id__isnull=True) | Q(history_start_id__lt=OuterRef("id")),
        conversation_id=OuterRef("conversation_id"),
        user_id=viewer.pk,
    )
    hidden = MessageHide.objects.filter(message_id=OuterRef("pk"), user_id=viewer.pk)
    return Message.objects.filter(
        Exists(seat), deleted_at__isnull=True, kind=Message.Kind.TEXT
    ).exclude(Exists(hidden))


def _message_remove(message: Message, reason: str) -> None:
    """Erase the text, as ``messaging.services.message_delete`` does for its sender."""
    if message.deleted_at is None:
        message.body = message.body_html = ""
        message.deleted_at = timezone.now()
        message.save(update_fields=["body", "body_html", "deleted_at"])


MESSAGE = ModerationTarget(
    kind="message",
    model=Message,
    author_id=lambda message: message.sender_id,
    group_id=lambda message: None,
    visible_to=messages_visible_to,
    excerpt=lambda message: _clip(message.body) if message.body else "(deleted)",
    # Moderators are not participants: the excerpt is the context they get.
    url=lambda message: "",
    moderated=False,
    remove=_message_remove,
)

TARGETS = [PROFILE, MESSAGE]


# --- who moderates which group --------------------------------------------------------------


def moderated_group_ids(user: Any) -> QuerySet[Any]:
    """Ids of the groups ``user`` owns or moderates (active membership), as a subquery: the
    set form of the community contract's ``is_group_moderator``."""
    from rounds.community.models import GroupMembership, MembershipState, Role

    return GroupMembership.objects.filter(
        user_id=user.pk,
        state=MembershipState.ACTIVE,
        role__in=(Role.OWNER, Role.MODERATOR),
    ).values("group_id")


MODERATED_GROUP_IDS = moderated_group_ids
