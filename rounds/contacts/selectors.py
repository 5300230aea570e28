"""Reads of the notebook. Every selector takes ``viewer`` and returns only the viewer's own rows,
with what the page or endpoint shows already joined or prefetched (constant query counts)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from rounds.core.errors import ValidationFailed

from .models import Contact, ContactImport, ContactNote, ContactTag, NotebookSettings
from .services import (
    DUE_HORIZON,
    effective_cadence,
    hidden_member_ids,
    settings_for,
    tag_cadences_for,
)

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MAX_CURSOR = 60
_CURSOR = re.compile(r"(-?[0-9]{1,19})_([0-9]{1,19})")


def show_member_profiles(contacts: Sequence[Contact]) -> list[Contact]:
    """Set ``contact.shown_profile`` on each contact: the member's profile (photo, handle,
    name) when its owner may see it, else None. A contact stays in the notebook after a block
    (either way), a deactivation or while the member deletes their account, with what its
    owner wrote, but the member's live profile is then absent for the owner as everywhere
    else (``profiles.selectors.profile_visible_to``). One query per owner (a page has one),
    none without member contacts. Needs ``member__profile`` loaded."""
    by_owner: dict[int, set[int]] = {}
    for contact in contacts:
        if contact.member_id:
            by_owner.setdefault(contact.owner_id, set()).add(contact.member_id)
    hidden = {
        owner_id: hidden_member_ids(owner_id, member_ids)
        for owner_id, member_ids in by_owner.items()
    }
    for contact in contacts:
        profile = None
        if contact.member_id and contact.member_id not in hidden.get(contact.owner_id, ()):
            profile = getattr(contact.member, "profile", None)
        contact.shown_profile = profile  # type: ignore[attr-defined]
    return list(contacts)


def _tags_prefetch() -> Prefetch[Any]:
    return Prefetch("tags", queryset=ContactTag.objects.order_by("name", "id"))


def contact_list_for(
    *,
    viewer: Any,
    q: str = "",
    tag_id: int | None = None,
    network_type: str = "",
    kind: str = "",
    archived: bool = False,
) -> QuerySet[Contact]:
    """The viewer's contacts by name: ``q`` matches name, organization, title or email;
    ``kind`` "member" or "other"; archived ones only when ``archived``."""
    qs = Contact.objects.filter(owner_id=viewer.pk, archived=archived)
    if q:
        q = q.strip()
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(organization__icontains=q)
            | Q(title__icontains=q)
            | Q(email__icontains=q)
        )
    if tag_id:
        qs = qs.filter(tags__id=tag_id)
    if network_type:
        qs = qs.filter(network_type=network_type)
    if kind == "member":
        qs = qs.filter(member__isnull=False)
    elif kind == "other":
        qs = qs.filter(member__isnull=True)
    return (
        qs.select_related("member__profile")
        .prefetch_related(_tags_prefetch())
        .order_by("name", "id")
    )


def contact_counts_for(*, viewer: Any) -> dict[str, int]:
    """How many active contacts the viewer has: all, members, archived (one query)."""
    row = Contact.objects.filter(owner_id=viewer.pk).aggregate(
        total=Count("id", filter=Q(archived=False)),
        members=Count("id", filter=Q(archived=False, member__isnull=False)),
        archived=Count("id", filter=Q(archived=True)),
    )
    return {key: int(value or 0) for key, value in row.items()}


# --- due to reconnect ---------------------------------------------------------------------------


def days_overdue(due_at: dt.datetime, now: dt.datetime | None = None) -> int:
    """Calendar days since ``due_at`` in the current time zone (the member's on pages, UTC in
    the API): 0 when it falls due today, 1 when it fell due yesterday, -1 when it falls due
    tomorrow. Counting whole 24-hour periods instead would call a contact that fell due late
    yesterday evening "due today", and one due tomorrow morning "due in 2 days"."""
    now = now or timezone.now()
    return (timezone.localdate(now) - timezone.localdate(due_at)).days


@dataclass(frozen=True, slots=True)
class DueItem:
    """A contact due to reconnect. ``days_overdue``: calendar days since it fell due in the
    current time zone (0: today; negative: due in that many days, within the week ahead)."""

    contact: Contact
    days_overdue: int

    @property
    def due_in(self) -> int:
        return -self.days_overdue


@dataclass(frozen=True, slots=True)
class DuePage:
    items: list[DueItem]
    next_cursor: str | None


def encode_cursor(contact: Contact) -> str:
    delta = contact.due_at - EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return f"{micros}_{contact.pk}"


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    """``(due_at, id)`` of the last item of the previous page; ValidationFailed if malformed."""
    try:
        match = _CURSOR.fullmatch(cursor) if len(cursor) <= MAX_CURSOR else None
        if match is None:
            raise ValueError(cursor)
        micros, pk = int(match[1]), int(match[2])
        if not (0 < pk <= 2**63 - 1 and -(2**62) < micros < 2**62):
            raise ValueError(cursor)
        return EPOCH + dt.timedelta(microseconds=micros), pk
    except (ValueError, OverflowError) as exc:
        raise ValidationFailed(
            "This cursor is not valid; start from the first page.", field="cursor"
        ) from exc


#: What a row of the due list shows (its page and the home page): name, position, network,
#: last conversation, due date, and the member's name, handle and photo. Loading only these
#: (not the notes-like texts, nor the member's whole profile) keeps a 20-row page cheap.
DUE_ROW_FIELDS = (
    "id",
    "owner",
    "member",
    "name",
    "title",
    "organization",
    "network_type",
    "last_interaction_at",
    "due_at",
    "member__is_active",
    "member__profile__user",
    "member__profile__handle",
    "member__profile__display_name",
    "member__profile__avatar",
)


def due_queryset(
    *, viewer: Any, now: dt.datetime | None = None, whole: bool = True
) -> QuerySet[Contact]:
    """Contacts due by a week from now, most overdue first (the index ``(owner, due_at, id)``
    where not archived serves both the filter and the order). ``whole``: every field and the
    tags (the API); otherwise only ``DUE_ROW_FIELDS`` (the pages)."""
    now = now or timezone.now()
    qs = Contact.objects.filter(
        owner_id=viewer.pk, archived=False, due_at__lte=now + DUE_HORIZON
    ).select_related("member__profile")
    qs = qs.prefetch_related(_tags_prefetch()) if whole else qs.only(*DUE_ROW_FIELDS)
    return qs.order_by("due_at", "id")


def due_list_for(
    *,
    viewer: Any,
    cursor: str = "",
    limit: int = 20,
    now: dt.datetime | None = None,
    whole: bool = True,
) -> DuePage:
    """One page of "due to reconnect" after ``cursor`` (keyset on ``(due_at, id)``);
    ``whole`` as for ``due_queryset``."""
    now = now or timezone.now()
    qs = due_queryset(viewer=viewer, now=now, whole=whole)
    if cursor:
        due_at, pk = decode_cursor(cursor)
        qs = qs.filter(Q(due_at__gt=due_at) | Q(due_at=due_at, pk__gt=pk))
    rows = show_member_profiles(list(qs[: limit + 1]))
    items = [DueItem(contact=c, days_overdue=days_overdue(c.due_at, now)) for c in rows[:limit]]
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return DuePage(items=items, next_cursor=next_cursor)


# --- one contact ---------------------------------------------------------------------------------


def note_list_for(*, contact: Contact) -> QuerySet[ContactNote]:
    """The contact's notes, newest first (the contact was resolved through access)."""
    return ContactNote.objects.filter(contact_id=contact.pk).order_by("-occurred_on", "-id")


@dataclass(frozen=True, slots=True)
class Cadence:
    days: int
    source: str  # "contact", "tag" or "default"


def cadence_of(contact: Contact) -> Cadence:
    """The contact's effective cadence and where it comes from (two queries)."""
    settings = settings_for(contact.owner_id)
    tag_cadence = tag_cadences_for(contact.owner_id, [contact.pk]).get(contact.pk)
    days = effective_cadence(contact, settings, tag_cadence)
    if contact.cadence_days:
        source = "contact"
    elif tag_cadence:
        source = "tag"
    else:
        source = "default"
    return Cadence(days=days, source=source)


# --- tags, settings, imports -----------------------------------------------------------------------


def tag_list_for(*, viewer: Any) -> QuerySet[ContactTag]:
    """The viewer's tags by name, each with how many contacts carry it."""
    return (
        ContactTag.objects.filter(owner_id=viewer.pk)
        .annotate(contact_count=Count("contacts"))
        .order_by("name", "id")
    )


def notebook_settings_for(*, viewer: Any) -> NotebookSettings:
    return settings_for(viewer.pk)


def import_list_for(*, viewer: Any) -> QuerySet[ContactImport]:
    """The viewer's imports, newest first, without their (large) rows."""
    return (
        ContactImport.objects.filter(owner_id=viewer.pk)
        .defer("rows", "warnings")
        .order_by("-created_at", "-id")
    )


def contacts_for_export(*, viewer: Any, contact_id: int | None = None) -> QuerySet[Contact]:
    """Contacts for a vCard export (all, archived too, or one), with their tags and member."""
    qs = Contact.objects.filter(owner_id=viewer.pk)
    if contact_id is not None:
        qs = qs.filter(pk=contact_id)
    return (
        qs.select_related("member__profile")
        .prefetch_related(_tags_prefetch())
        .order_by("name", "id")
    )


# --- due to reconnect as values (compiled) -------------------------------------------------------
#
# The due list is the notebook's daily read (its page, the home page, the app). Built with the
# ORM a page cost three querysets (contacts with their members' profiles, the hidden members,
# the tags) and ~70 model instances; here it is two queries compiled once per process
# (``rounds.core.compiled``): the page of contacts with, for member contacts, the member's
# name and photo and whether the owner may see them (``hidden_member_ids`` as annotations),
# then the tags of the page's contacts. The rows are ``DueRow``s that the API and the page read
# like contacts (tests compare both paths).


@dataclass(slots=True)
class ShownProfile:
    """The member's profile as a due row shows it (name, handle, photo)."""

    handle: str
    display_name: str
    avatar: Any  # a FieldFile of no instance: only its URL and truthiness are used


@dataclass(slots=True)
class DueRow:
    """A contact as the due list shows it (``contact_out`` and ``_due_item.html`` read it)."""

    pk: int
    name: str
    organization: str
    title: str
    email: str
    phone: str
    url: str
    how_met: str
    member_id: int | None
    connected: bool
    network_type: str
    cadence_days: int | None
    last_interaction_at: dt.datetime | None
    due_at: dt.datetime
    snoozed_until: dt.datetime | None
    archived: bool
    source: str
    linkedin_connected_on: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime
    shown_profile: ShownProfile | None
    tag_refs: list[tuple[int, str]]


_DUE_COLUMNS = (
    "id",
    "name",
    "organization",
    "title",
    "email",
    "phone",
    "url",
    "how_met",
    "member_id",
    "connected",
    "network_type",
    "cadence_days",
    "last_interaction_at",
    "due_at",
    "snoozed_until",
    "archived",
    "source",
    "linkedin_connected_on",
    "created_at",
    "updated_at",
    "member__is_active",
    "member__deletion_scheduled",
    "member_blocks_owner",
    "owner_blocks_member",
    "member__profile__handle",
    "member__profile__display_name",
    "member__profile__avatar",
)

#: Stand-ins for the horizon and the cursor's due date (two different instants).
_HORIZON = dt.datetime(2001, 2, 3, 4, 5, 6, 789012, tzinfo=dt.UTC)
_AFTER_AT = dt.datetime(2001, 2, 3, 4, 5, 7, 789012, tzinfo=dt.UTC)


def _due_rows(
    shape: tuple[int, bool],
    *,
    viewer_id: int,
    horizon: dt.datetime,
    after_at: dt.datetime | None = None,
    after_id: int | None = None,
) -> QuerySet[Contact]:
    """``due_queryset``'s contacts as ``_DUE_COLUMNS`` values, after a cursor when paged."""
    from django.db.models import Exists, OuterRef

    from rounds.network.models import Block

    limit, paged = shape
    qs = Contact.objects.filter(owner_id=viewer_id, archived=False, due_at__lte=horizon)
    if paged:
        qs = qs.filter(Q(due_at__gt=after_at) | Q(due_at=after_at, pk__gt=after_id))
    return (
        qs.annotate(
            member_blocks_owner=Exists(
                Block.objects.filter(blocker_id=OuterRef("member_id"), blocked_id=viewer_id)
            ),
            owner_blocks_member=Exists(
                Block.objects.filter(blocker_id=viewer_id, blocked_id=OuterRef("member_id"))
            ),
        )
        .order_by("due_at", "id")
        .values_list(*_DUE_COLUMNS)[:limit]
    )


def _due_sentinels(shape: tuple[int, bool]) -> dict[str, Any]:
    from rounds.core.compiled import SENTINEL_ID

    names: dict[str, Any] = {"viewer_id": SENTINEL_ID, "horizon": _HORIZON}
    if shape[1]:
        names.update(after_at=_AFTER_AT, after_id=SENTINEL_ID - 1)
    return names


def _tag_rows(shape: int, **ids: int) -> QuerySet[Any]:
    through = Contact.tags.through
    wanted = [ids[f"c{i}"] for i in range(shape)]
    return (
        through.objects.filter(contact_id__in=wanted)
        .order_by("contacttag__name", "contacttag__id")
        .values_list("contact_id", "contacttag_id", "contacttag__name")
    )


def _tag_sentinels(shape: int) -> dict[str, Any]:
    from rounds.core.compiled import SENTINEL_ID

    return {f"c{i}": SENTINEL_ID - i for i in range(shape)}


def _compiled() -> tuple[Any, Any]:
    from rounds.core.compiled import CompiledShapes

    return (
        CompiledShapes(_due_rows, sentinels=_due_sentinels),
        CompiledShapes(_tag_rows, sentinels=_tag_sentinels, limit=256),
    )


#: The due list's two queries, compiled once per shape: (page size, paged) and the number of
#: contacts on the page.
DUE_ROWS, TAG_ROWS = _compiled()

_AVATAR: Any = None


def _avatar_file(name: str | None) -> Any:
    global _AVATAR
    if _AVATAR is None:
        from rounds.profiles.models import Profile

        _AVATAR = Profile._meta.get_field("avatar")
    return _AVATAR.attr_class(None, _AVATAR, name or "")


@dataclass(frozen=True, slots=True)
class DueRowPage:
    items: list[tuple[DueRow, int]]  # (row, days overdue)
    next_cursor: str | None


def due_rows_for(
    *,
    viewer: Any,
    cursor: str = "",
    limit: int = 20,
    now: dt.datetime | None = None,
    tags: bool = True,
) -> DueRowPage:
    """``due_list_for`` as ``DueRow``s (compiled queries, no model instances): the same
    contacts, order, cursor and shown profiles; their tags unless ``tags`` is False (the
    pages do not show them)."""
    from django.db import router

    now = now or timezone.now()
    using = router.db_for_read(Contact)
    values: dict[str, Any] = {"viewer_id": viewer.pk, "horizon": now + DUE_HORIZON}
    if cursor:
        after_at, after_id = decode_cursor(cursor)
        values.update(after_at=after_at, after_id=after_id)
    rows = DUE_ROWS.rows((limit + 1, bool(cursor)), using=using, **values)
    page = rows[:limit]
    tag_refs: dict[int, list[tuple[int, str]]] = {row[0]: [] for row in page}
    if tags and page:
        ids = {f"c{i}": row[0] for i, row in enumerate(page)}
        for contact_id, tag_id, name in TAG_ROWS.rows(len(ids), using=using, **ids):
            tag_refs[contact_id].append((tag_id, name))
    items = []
    for row in page:
        active, leaving, blocks_owner, owner_blocks, handle, name, avatar = row[20:27]
        shown = None
        if (
            row[8] is not None
            and handle is not None
            and active
            and not leaving
            and not blocks_owner
            and not owner_blocks
        ):
            shown = ShownProfile(handle, name, _avatar_file(avatar))
        contact = DueRow(*row[:20], shown, tag_refs[row[0]])  # type: ignore[call-arg]
        items.append((contact, days_overdue(contact.due_at, now)))
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        delta = last[13] - EPOCH
        micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        next_cursor = f"{micros}_{last[0]}"
    return DueRowPage(items=items, next_cursor=next_cursor)
