"""What members can report, declared by the app that owns it.

Each app with reportable content has ``rounds/<app>/moderation.py`` defining
``TARGETS: list[ModerationTarget]``. The moderation app discovers them (like data rights), so
reports, the queue and actions work on any declared kind without knowing its model.

A moderated model carries two fields (use ``ModeratedFields`` below as a mixin):
``moderation_state`` ("visible" | "hidden" | "removed") and ``moderation_reason`` (shown to
the author when hidden/removed). The owning app's selectors show only ``visible`` content to
everyone but the author (who sees that it was hidden/removed and why), so a moderator's action
takes it out of feeds and search at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models


class ModerationState(models.TextChoices):
    VISIBLE = "visible", "Visible"
    HIDDEN = "hidden", "Hidden by moderators"
    REMOVED = "removed", "Removed by moderators"


class ModeratedFields(models.Model):
    """Mixin for reportable content: its moderation state and the reason the author sees."""

    moderation_state = models.CharField(
        max_length=10, choices=ModerationState.choices, default=ModerationState.VISIBLE
    )
    moderation_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        abstract = True


@dataclass(frozen=True)
class ModerationTarget:
    """One kind of reportable thing.

    ``kind``: stable name used in reports and URLs ("post", "comment", "thread", "reply",
    "profile", "message"). ``model``: the Django model. ``author_id``: the member responsible.
    ``group_id``: the group whose moderators may act on it (None: site staff only).
    ``visible_to``: ``(viewer) -> QuerySet`` of the objects ``viewer`` may see — a member can
    only report what they can see (anything else is a 404). ``excerpt``: a short text for the
    queue. ``url``: where a moderator sees it in context. ``moderated``: whether the model has
    ``ModeratedFields`` (hide/remove change them); otherwise hide/remove call ``remove``.
    """

    kind: str
    model: type[models.Model]
    author_id: Callable[[Any], int | None]
    group_id: Callable[[Any], int | None]
    visible_to: Callable[[Any], models.QuerySet[Any]]
    excerpt: Callable[[Any], str]
    url: Callable[[Any], str]
    moderated: bool = True
    remove: Callable[[Any, str], None] | None = field(default=None)


# --- discovery --------------------------------------------------------------------------------

#: Where the moderation app declares targets for apps that do not declare their own.
_OWN_TARGETS = "rounds.moderation.targets"


def _moderation_modules() -> list[Any]:
    """Every installed ``rounds.<app>.moderation`` module, plus ``rounds.moderation.targets``."""
    import importlib
    import importlib.util

    from django.apps import apps

    modules = []
    for config in apps.get_app_configs():
        if not config.name.startswith("rounds."):
            continue
        name = f"{config.name}.moderation"
        if importlib.util.find_spec(name) is None:
            continue
        modules.append(importlib.import_module(name))
    modules.append(importlib.import_module(_OWN_TARGETS))
    return modules


def targets() -> dict[str, ModerationTarget]:
    """Every declared target, by kind. A kind declared twice is a programming error."""
    found: dict[str, ModerationTarget] = {}
    for module in _moderation_modules():
        for target in getattr(module, "TARGETS", []):
            if target.kind in found and found[target.kind] is not target:
                raise ValueError(f"Moderation target {target.kind!r} is declared twice.")
            found[target.kind] = target
    return found


def target_for(kind: str) -> ModerationTarget | None:
    """The target declared for ``kind``, or None."""
    return targets().get(kind)


def moderated_group_ids(user: Any) -> list[Any]:
    """Ids of the groups ``user`` moderates (owner or moderator), from every app that declares
    ``MODERATED_GROUP_IDS: (user) -> QuerySet | Iterable[int]`` in its moderation module. Each
    entry is returned as given (a QuerySet stays a subquery): callers filter with
    ``group_id__in`` on each."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return [
        module.MODERATED_GROUP_IDS(user)
        for module in _moderation_modules()
        if callable(getattr(module, "MODERATED_GROUP_IDS", None))
    ]


def is_group_moderator(user: Any, group_id: int | None) -> bool:
    """Whether ``user`` moderates group ``group_id`` (community contract:
    ``rounds.community.policies.is_group_moderator``); False without groups."""
    if group_id is None or user is None or not getattr(user, "is_authenticated", False):
        return False
    from django.apps import apps

    if not apps.is_installed("rounds.community"):
        return False
    from rounds.community.policies import is_group_moderator as community_check

    return bool(community_check(user, group_id))
