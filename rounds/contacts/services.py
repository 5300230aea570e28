"""Writes of the contacts notebook: contacts, notes, tags, cadences, the keep-in-touch clock,
the hooks the network calls (connection created or removed, interaction logged) and the
keep-in-touch nudges. Imports (LinkedIn, vCard) live in ``imports.py``.

Every service takes ``actor`` (the notebook's owner) and objects already resolved through
``access.py`` (so another member's contact is a 404 before a service runs), validates, writes in
one transaction and recomputes ``Contact.due_at`` for every contact whose inputs changed.

Texts a member writes here are private, but they still pass the professionalism guard
(``contacts.note`` and ``contacts.how_met``) so that patient identifiers are never stored.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, F, Min, OuterRef, Q, Subquery, When
from django.utils import timezone

from rounds.core.audit import audit
from rounds.core.errors import Conflict, ValidationFailed
from rounds.core.publishing import Draft, guard_texts, publishing_path
from rounds.network.models import NetworkType
from rounds.profiles.models import Affiliation, Profile

from .models import (
    MAX_CADENCE,
    MIN_CADENCE,
    Contact,
    ContactNote,
    ContactTag,
    NotebookSettings,
)

MAX_NAME = 200
MAX_TEXT = 200
MAX_EMAIL = 254
MAX_PHONE = 40
MAX_URL = 300
MAX_HOW_MET = 1000
MAX_NOTE = 5000
MAX_TAG_NAME = 80
MAX_TAGS = 200
MAX_TAGS_PER_CONTACT = 20
MAX_CONTACTS = 50_000
MAX_ID = 2**63 - 1
SNOOZE_DAYS = 30
OLDEST_NOTE = dt.timedelta(days=3650)
#: How far ahead "due to reconnect" looks.
DUE_HORIZON = dt.timedelta(days=7)
NUDGE_BATCH = 500

#: Notes are private, yet patient identifiers must never be stored: they pass the guard.
NOTE_PATH = publishing_path(
    "contacts.note", kind="other", field="body", model_field="contacts.ContactNote.body"
)
HOW_MET_PATH = publishing_path(
    "contacts.how_met", kind="other", field="how_met", model_field="contacts.Contact.how_met"
)

#: The network's interaction kind that a conversation logged in the notebook records.
INTERACTION_KIND_FOR_NOTE = {
    ContactNote.Kind.CALL: "call",
    ContactNote.Kind.COFFEE: "met",
    ContactNote.Kind.MEETING: "met",
    ContactNote.Kind.EMAIL: "message",
    ContactNote.Kind.OTHER: "met",
}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PHONE = re.compile(r"^[0-9+().\-/ x#*,;extEXT]*$")


# --- validation -----------------------------------------------------------------------------


def _text(
    value: Any, field: str, limit: int, *, required: bool = False, multiline: bool = False
) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed("This must be text.", field=field)
    if "\x00" in value:
        raise ValidationFailed("This contains a character that is not allowed.", field=field)
    if multiline:
        value = _CONTROL.sub("", value.replace("\r\n", "\n")).strip()
    else:
        value = " ".join(_CONTROL.sub(" ", value).split())
    if required and not value:
        raise ValidationFailed("This is required.", field=field)
    if len(value) > limit:
        raise ValidationFailed(
            f"Keep this to {limit:,} characters (this one has {len(value):,}).", field=field
        )
    return value


def clean_email(value: Any) -> str:
    email = _text(value, "email", MAX_EMAIL).lower()
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ValidationFailed("Enter a valid email address.", field="email") from exc
    return email


def clean_url(value: Any) -> str:
    url = _text(value, "url", MAX_URL)
    if url and (not url.lower().startswith(("https://", "http://")) or " " in url):
        raise ValidationFailed("Enter a web address starting with https://.", field="url")
    return url


def clean_phone(value: Any) -> str:
    phone = _text(value, "phone", MAX_PHONE)
    if phone and not _PHONE.match(phone):
        raise ValidationFailed(
            "Use digits, spaces and + ( ) - . only for a phone number.", field="phone"
        )
    return phone


def clean_cadence(value: Any, field: str = "cadence_days") -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise ValidationFailed("Enter a number of days.", field=field)
    try:
        days = int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("Enter a number of days.", field=field) from exc
    if not MIN_CADENCE <= days <= MAX_CADENCE:
        raise ValidationFailed(
            f"Choose between {MIN_CADENCE} days and {MAX_CADENCE // 365} years.", field=field
        )
    return days


def clean_network_type(value: Any) -> str:
    if value in (None, ""):
        return ""
    if value not in NetworkType.values:
        raise ValidationFailed("Choose operational, personal or strategic.", field="network_type")
    return str(value)


def clean_contact_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the contact fields present in ``data``; returns them cleaned."""
    cleaners: dict[str, Callable[[Any], Any]] = {
        "name": lambda v: _text(v, "name", MAX_NAME, required=True),
        "organization": lambda v: _text(v, "organization", MAX_TEXT),
        "title": lambda v: _text(v, "title", MAX_TEXT),
        "email": clean_email,
        "phone": clean_phone,
        "url": clean_url,
        "how_met": lambda v: _text(v, "how_met", MAX_HOW_MET, multiline=True),
        "network_type": clean_network_type,
        "cadence_days": clean_cadence,
        "archived": bool,
    }
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, value in data.items():
        if name not in cleaners:
            continue
        try:
            cleaned[name] = cleaners[name](value)
        except ValidationFailed as exc:
            for field, messages in exc.errors.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, errors=errors)
    return cleaned


# --- the keep-in-touch clock ------------------------------------------------------------------


def settings_for(owner_id: int) -> NotebookSettings:
    """The member's notebook settings (defaults, unsaved, when they never changed them)."""
    found = NotebookSettings.objects.filter(owner_id=owner_id).first()
    return found or NotebookSettings(owner_id=owner_id)


def tag_cadences_for(owner_id: int, contact_ids: Iterable[int] | None = None) -> dict[int, int]:
    """The shortest tag cadence of each of the owner's contacts that has one."""
    through = Contact.tags.through.objects.filter(
        contact__owner_id=owner_id, contacttag__cadence_days__isnull=False
    )
    if contact_ids is not None:
        through = through.filter(contact_id__in=list(contact_ids))
    rows = through.values("contact_id").annotate(shortest=Min("contacttag__cadence_days"))
    return {int(row["contact_id"]): int(row["shortest"]) for row in rows}


def effective_cadence(contact: Contact, settings: NotebookSettings, tag_cadence: int | None) -> int:
    """The contact's own cadence, else the shortest of its tags', else the owner's default
    for its network type."""
    if contact.cadence_days:
        return int(contact.cadence_days)
    if tag_cadence:
        return int(tag_cadence)
    return settings.default_for(contact.network_type)


def compute_due(contact: Contact, cadence: int, *, now: dt.datetime | None = None) -> dt.datetime:
    """(last interaction, else when the contact was added) + cadence, or the snooze if later."""
    base = contact.last_interaction_at or contact.created_at or now or timezone.now()
    due = base + dt.timedelta(days=cadence)
    if contact.snoozed_until and contact.snoozed_until > due:
        due = contact.snoozed_until
    return due


def _refresh_due(contacts: Sequence[Contact], owner_id: int) -> int:
    """Recompute ``due_at`` of ``contacts`` (all the owner's) and save those that changed."""
    if not contacts:
        return 0
    settings = settings_for(owner_id)
    ids = [c.pk for c in contacts] if len(contacts) <= 500 else None
    tag_cadence = tag_cadences_for(owner_id, ids)
    changed = []
    for contact in contacts:
        due = compute_due(
            contact, effective_cadence(contact, settings, tag_cadence.get(contact.pk))
        )
        if due != contact.due_at:
            contact.due_at = due
            changed.append(contact)
    if changed:
        Contact.objects.bulk_update(changed, ["due_at"], batch_size=1000)
    return len(changed)


_CLOCK_FIELDS = (
    "id",
    "owner_id",
    "network_type",
    "cadence_days",
    "last_interaction_at",
    "snoozed_until",
    "created_at",
    "due_at",
)


def refresh_due_for_owner(owner_id: int, contact_filter: Q | None = None) -> int:
    """Recompute ``due_at`` of the owner's contacts (those matching ``contact_filter``)."""
    qs = Contact.objects.filter(owner_id=owner_id)
    if contact_filter is not None:
        qs = qs.filter(contact_filter)
    return _refresh_due(list(qs.only(*_CLOCK_FIELDS)), owner_id)


def new_contact_due(
    contact: Contact, settings: NotebookSettings, tag_cadence: int | None = None
) -> dt.datetime:
    """``due_at`` for a contact about to be created (``created_at`` is not set yet: now)."""
    return compute_due(
        contact, effective_cadence(contact, settings, tag_cadence), now=timezone.now()
    )


def _touch(contacts: Iterable[Contact], occurred_at: dt.datetime) -> None:
    """Move the clock of ``contacts`` forward to ``occurred_at`` (never back)."""
    by_owner: dict[int, list[Contact]] = defaultdict(list)
    for contact in contacts:
        if contact.last_interaction_at is None or contact.last_interaction_at < occurred_at:
            contact.last_interaction_at = occurred_at
            by_owner[contact.owner_id].append(contact)
    for owner_id, touched in by_owner.items():
        Contact.objects.bulk_update(touched, ["last_interaction_at"])
        _refresh_due(touched, owner_id)


# --- hooks called by the network ---------------------------------------------------------------


def contacts_touch(*, actor_id: int, other_id: int, occurred_at: dt.datetime) -> None:
    """An interaction between two members happened at ``occurred_at`` (messages, events,
    mentorship check-ins, "we met", calls): move the keep-in-touch clock of both members'
    contacts of each other forward. Called by ``network.services.interaction_record`` inside
    its transaction; an older interaction never moves a clock back."""
    contacts = list(
        Contact.objects.filter(
            Q(owner_id=actor_id, member_id=other_id) | Q(owner_id=other_id, member_id=actor_id)
        )
        .filter(Q(last_interaction_at__isnull=True) | Q(last_interaction_at__lt=occurred_at))
        .only(*_CLOCK_FIELDS)
    )
    _touch(contacts, occurred_at)


def _member_facts(user_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """Display name, current organization and title of members (two queries)."""
    ids = list(set(user_ids))
    facts: dict[int, dict[str, str]] = {
        uid: {"name": name, "organization": "", "title": ""}
        for uid, name in Profile.objects.filter(user_id__in=ids).values_list(
            "user_id", "display_name"
        )
    }
    for uid, org, title in (
        Affiliation.objects.filter(user_id__in=ids, is_current=True)
        .order_by("start_date", "id")
        .values_list("user_id", "organization__name", "title")
    ):
        entry = facts.setdefault(uid, {"name": "", "organization": "", "title": ""})
        if not entry["organization"]:
            entry["organization"], entry["title"] = org or "", title or ""
    return facts


def contacts_ensure_for_connections(sides: Sequence[Any]) -> int:
    """Every connection is a contact: for each ``Connection`` side (owner → other), make sure
    the owner's notebook has the other member, marked connected, with the connection's network
    type. Existing contacts (also from an earlier, removed connection) are reconnected and keep
    their notes; new ones start their clock at the connection's last interaction. Batched (a
    few queries whatever the number of sides). Returns how many contacts were created."""
    if not sides:
        return 0
    owners = {s.owner_id for s in sides}
    existing: dict[tuple[int, int | None], Contact] = {
        (c.owner_id, c.member_id): c
        for c in Contact.objects.filter(
            owner_id__in=owners, member_id__in={s.other_id for s in sides}
        ).only(*_CLOCK_FIELDS, "member_id", "connected")
    }
    facts = _member_facts({s.other_id for s in sides})
    settings = {s.owner_id: s for s in NotebookSettings.objects.filter(owner_id__in=owners)}
    now = timezone.now()
    created: list[Contact] = []
    reconnected: list[Contact] = []
    for side in sides:
        network_type = side.override_type or side.proposed_type
        found = existing.get((side.owner_id, side.other_id))
        if found is not None:
            found.connected = True
            found.network_type = network_type
            reconnected.append(found)
            continue
        fact = facts.get(side.other_id, {"name": "", "organization": "", "title": ""})
        contact = Contact(
            owner_id=side.owner_id,
            member_id=side.other_id,
            connected=True,
            name=fact["name"][:MAX_NAME] or "A member",
            organization=fact["organization"][:MAX_TEXT],
            title=fact["title"][:MAX_TEXT],
            network_type=network_type,
            last_interaction_at=side.last_interaction_at or now,
            source=Contact.Source.CONNECTION,
        )
        owner_settings = settings.get(side.owner_id) or NotebookSettings(owner_id=side.owner_id)
        contact.due_at = new_contact_due(contact, owner_settings)
        created.append(contact)
    if created:
        Contact.objects.bulk_create(created, batch_size=1000, ignore_conflicts=True)
    if reconnected:
        Contact.objects.bulk_update(reconnected, ["connected", "network_type"], batch_size=1000)
        by_owner: dict[int, list[Contact]] = defaultdict(list)
        for contact in reconnected:
            by_owner[contact.owner_id].append(contact)
        for owner_id, contacts in by_owner.items():
            _refresh_due(contacts, owner_id)
    return len(created)


def contacts_mark_disconnected(*, a_id: int, b_id: int) -> None:
    """The connection between two members was removed (or a block removed it): each keeps the
    other in their notebook, with notes, marked not connected."""
    Contact.objects.filter(
        Q(owner_id=a_id, member_id=b_id) | Q(owner_id=b_id, member_id=a_id)
    ).update(connected=False, updated_at=timezone.now())


def contacts_sync_network_types(*, owner_ids: Iterable[int] | None = None) -> int:
    """Mirror each connected member contact's network type from the owner's ``Connection``
    (override, else proposal) and recompute the clocks that changed. The notebook changes a
    member contact's type through ``connection_set_type`` itself; this catches changes made on
    the network pages (labels, overrides, re-proposals) — run by the nudge command for every
    member, and callable after any network type change. Returns the number of contacts changed."""
    from rounds.network.models import Connection

    in_effect = Case(When(override_type="", then=F("proposed_type")), default=F("override_type"))
    connection_type = Subquery(
        Connection.objects.filter(owner_id=OuterRef("owner_id"), other_id=OuterRef("member_id"))
        .annotate(in_effect=in_effect)
        .values("in_effect")[:1]
    )
    contacts = Contact.objects.filter(connected=True, member__isnull=False)
    if owner_ids is not None:
        contacts = contacts.filter(owner_id__in=list(owner_ids))
    stale = (
        contacts.annotate(connection_type=connection_type)
        .filter(connection_type__isnull=False)
        .exclude(connection_type=F("network_type"))
        .only(*_CLOCK_FIELDS, "member_id")
    )
    changed: dict[int, list[Contact]] = defaultdict(list)
    for contact in stale.iterator(chunk_size=2000):
        contact.network_type = contact.connection_type  # type: ignore[attr-defined]
        changed[contact.owner_id].append(contact)
    total = 0
    for owner_id, contacts_changed in changed.items():
        Contact.objects.bulk_update(contacts_changed, ["network_type"], batch_size=1000)
        _refresh_due(contacts_changed, owner_id)
        total += len(contacts_changed)
    return total


# --- contacts -----------------------------------------------------------------------------------


def hidden_member_ids(owner_id: int, member_ids: Iterable[int]) -> set[int]:
    """Those of ``member_ids`` whose profile ``owner_id`` may not see: a block either way,
    deactivated, or deleting their account (``profiles.selectors.profile_visible_to``). One
    query; none for no ids."""
    from django.db.models import Exists, OuterRef

    from rounds.accounts.models import User
    from rounds.network.models import Block

    ids = set(member_ids)
    if not ids:
        return set()
    blocked = Exists(Block.objects.filter(blocker_id=owner_id, blocked_id=OuterRef("pk"))) | Exists(
        Block.objects.filter(blocker_id=OuterRef("pk"), blocked_id=owner_id)
    )
    return set(
        User.objects.filter(pk__in=ids)
        .filter(Q(is_active=False) | Q(deletion_scheduled=True) | blocked)
        .values_list("pk", flat=True)
    )


def owner_organization_names(owner_id: int) -> set[str]:
    """The owner's current organizations, case-folded (for the network-type proposal)."""
    return {
        name.casefold().strip()
        for name in Affiliation.objects.filter(user_id=owner_id, is_current=True).values_list(
            "organization__name", flat=True
        )
        if name
    }


def propose_type_for(organization: str, owner_orgs: set[str]) -> str:
    """Non-member contacts: same organization as one of the owner's current ones →
    operational, otherwise personal (the member changes it when it is strategic)."""
    org = organization.casefold().strip()
    if org and org in owner_orgs:
        return NetworkType.OPERATIONAL
    return NetworkType.PERSONAL


def _guard(
    actor: Any,
    *,
    how_met: str | None = None,
    body: str | None = None,
    name: str = "",
    acknowledge_warnings: bool = False,
) -> None:
    drafts = []
    if how_met:
        drafts.append(Draft(path=HOW_MET_PATH, text=how_met))
    if body:
        drafts.append(Draft(path=NOTE_PATH, text=body))
    if drafts:  # the contact's own name in a note is a colleague's, not a patient's
        guard_texts(
            actor=actor,
            drafts=drafts,
            acknowledge_warnings=acknowledge_warnings,
            colleague_names=[name] if name else [],
        )


def _check_duplicate(owner_id: int, *, email: str, url: str, exclude_id: int | None = None) -> None:
    qs = Contact.objects.filter(owner_id=owner_id)
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    if email and qs.filter(email=email).exists():
        raise Conflict(
            "A contact with this email address is already in your notebook.", field="email"
        )
    if url and qs.filter(url=url).exists():
        raise Conflict("A contact with this web address is already in your notebook.", field="url")


def _owned_tags(owner_id: int, tag_ids: Iterable[Any]) -> list[ContactTag]:
    ids: list[int] = []
    for value in tag_ids:
        try:
            tag_id = int(value)
        except (TypeError, ValueError) as exc:
            raise ValidationFailed("Choose tags from your list.", field="tags") from exc
        if not 0 < tag_id <= MAX_ID:
            raise ValidationFailed("Choose tags from your list.", field="tags")
        ids.append(tag_id)
    ids = sorted(set(ids))
    if len(ids) > MAX_TAGS_PER_CONTACT:
        raise ValidationFailed(
            f"Use at most {MAX_TAGS_PER_CONTACT} tags on a contact.", field="tags"
        )
    tags = list(ContactTag.objects.filter(owner_id=owner_id, pk__in=ids))
    if len(tags) != len(ids):
        raise ValidationFailed("Choose tags from your list.", field="tags")
    return tags


@transaction.atomic
def contact_create(
    *,
    actor: Any,
    data: Mapping[str, Any],
    tag_ids: Iterable[Any] = (),
    acknowledge_warnings: bool = False,
) -> Contact:
    """Add someone who is not (or not yet) a member to the notebook.

    ``data``: name (required), organization, title, email, phone, url, how_met, network_type
    ("" = proposed from the organization), cadence_days (None = inherit). Raises
    ValidationFailed (field errors, unknown tags, notebook full), Conflict (same email or web
    address already in the notebook), ContentRefused (the guard's findings on how_met).
    """
    fields = clean_contact_fields({"name": "", **data})
    fields.pop("archived", None)
    tags = _owned_tags(actor.pk, tag_ids)
    if Contact.objects.filter(owner=actor).count() >= MAX_CONTACTS:
        raise ValidationFailed(
            f"Your notebook holds {MAX_CONTACTS:,} contacts; archive or delete some first.",
            field="__all__",
        )
    _check_duplicate(actor.pk, email=fields.get("email", ""), url=fields.get("url", ""))
    _guard(
        actor,
        how_met=fields.get("how_met"),
        name=fields["name"],
        acknowledge_warnings=acknowledge_warnings,
    )
    chosen = fields.pop("network_type", "")
    contact = Contact(owner=actor, source=Contact.Source.MANUAL, **fields)
    contact.network_type = chosen or propose_type_for(
        contact.organization, owner_organization_names(actor.pk)
    )
    contact.network_type_chosen = bool(chosen)
    tag_cadence = min((t.cadence_days for t in tags if t.cadence_days), default=None)
    contact.due_at = new_contact_due(contact, settings_for(actor.pk), tag_cadence)
    contact.save()
    if tags:
        contact.tags.set(tags)
    return contact


@transaction.atomic
def contact_update(
    *,
    actor: Any,
    contact: Contact,
    data: Mapping[str, Any],
    tag_ids: Iterable[Any] | None = None,
    acknowledge_warnings: bool = False,
) -> Contact:
    """Change any of a contact's fields (only those in ``data``), its tags (``tag_ids`` not
    None replaces them) and archive state; recompute its clock.

    ``network_type`` of a connected member contact changes the owner's private type of the
    connection (``network.services.connection_set_type``; "" returns to the proposal) and is
    mirrored here; for other contacts "" returns to the proposal from the organization.
    """
    assert contact.owner_id == actor.pk
    fields = clean_contact_fields(data)
    tags = _owned_tags(actor.pk, tag_ids) if tag_ids is not None else None
    if "email" in fields or "url" in fields:
        _check_duplicate(
            actor.pk,
            email=fields.get("email", "") if fields.get("email") != contact.email else "",
            url=fields.get("url", "") if fields.get("url") != contact.url else "",
            exclude_id=contact.pk,
        )
    if "how_met" in fields and fields["how_met"] != contact.how_met:
        _guard(
            actor,
            how_met=fields["how_met"],
            name=fields.get("name", contact.name),
            acknowledge_warnings=acknowledge_warnings,
        )
    network_type = fields.pop("network_type", None)
    for name, value in fields.items():
        setattr(contact, name, value)
    connected_member = contact.member_id if contact.connected else None
    if connected_member and network_type == contact.network_type:
        network_type = None  # unchanged: the connection keeps its proposal or override
    if network_type is not None and connected_member:
        from rounds.network.services import connection_set_type

        side = connection_set_type(
            actor=actor, other_id=connected_member, network_type=network_type
        )
        contact.network_type = side.network_type
    elif network_type:
        contact.network_type = network_type
        contact.network_type_chosen = True
    elif network_type == "":
        contact.network_type_chosen = False
        contact.network_type = propose_type_for(
            contact.organization, owner_organization_names(actor.pk)
        )
    elif "organization" in fields and not contact.member_id and not contact.network_type_chosen:
        contact.network_type = propose_type_for(
            contact.organization, owner_organization_names(actor.pk)
        )
    contact.save()
    if tags is not None:
        contact.tags.set(tags)
    _refresh_due([contact], actor.pk)
    return contact


@transaction.atomic
def contact_delete(*, actor: Any, contact: Contact) -> None:
    """Delete a contact and its notes. A contact you are connected to stays (every connection
    is a contact): archive it, or remove the connection first (Conflict)."""
    assert contact.owner_id == actor.pk
    if contact.member_id and contact.connected:
        raise Conflict(
            "You are connected to this member, so they stay in your notebook. Archive them "
            "instead, or remove the connection first.",
            field="__all__",
        )
    contact.delete()


@transaction.atomic
def contact_snooze(*, actor: Any, contact: Contact, days: int = SNOOZE_DAYS) -> Contact:
    """Put off the reminder: the contact is not due before ``days`` from now (an interaction
    later than that takes over as usual)."""
    assert contact.owner_id == actor.pk
    if not 1 <= days <= 365:
        raise ValidationFailed("Snooze for 1 to 365 days.", field="days")
    contact.snoozed_until = timezone.now() + dt.timedelta(days=days)
    contact.save(update_fields=["snoozed_until", "updated_at"])
    _refresh_due([contact], actor.pk)
    return contact


# --- notes and logged interactions ----------------------------------------------------------------


def _clean_note(kind: Any, occurred_on: Any, body: Any) -> tuple[str, dt.date, str]:
    errors: dict[str, list[str]] = {}
    if kind not in ContactNote.Kind.values:
        errors["kind"] = ["Choose note, call, coffee, meeting, email or other conversation."]
    day = occurred_on
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        errors["occurred_on"] = ["Enter a date like 2025-03-14."]
    else:
        today = timezone.localdate()
        if day > today:
            errors["occurred_on"] = ["A note cannot be in the future."]
        elif day < today - OLDEST_NOTE:
            errors["occurred_on"] = ["Choose a date within the last ten years."]
    try:
        text = _text(body, "body", MAX_NOTE, multiline=True)
    except ValidationFailed as exc:
        errors.update(exc.errors)
        text = ""
    if not errors and kind == ContactNote.Kind.NOTE and not text:
        errors["body"] = ["Write the note (what they care about, their needs and concerns)."]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors=errors)
    return str(kind), day, text


def occurred_at_for(day: dt.date) -> dt.datetime:
    """The moment a dated conversation counts from: now for today, local midday before."""
    if day == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))


def _record_interaction(actor: Any, contact: Contact, note: ContactNote) -> None:
    """A conversation resets the clock: through the network's interaction log for a member
    (both members' clocks move), directly for anyone else — and for a member hidden from the
    owner (a block either way, deactivated, deleting their account): nothing the owner logs
    may reach that member's notebook or network."""
    occurred_at = occurred_at_for(note.occurred_on)
    if contact.member_id and not hidden_member_ids(actor.pk, [contact.member_id]):
        from rounds.network.services import interaction_record

        interaction_record(
            actor=actor,
            other_id=contact.member_id,
            kind=INTERACTION_KIND_FOR_NOTE[ContactNote.Kind(note.kind)],
            occurred_at=occurred_at,
            source=f"contacts:note:{note.pk}",
        )
        contact.refresh_from_db(fields=["last_interaction_at", "due_at"])
    else:
        _touch([contact], occurred_at)


@transaction.atomic
def note_create(
    *,
    actor: Any,
    contact: Contact,
    kind: str,
    occurred_on: dt.date,
    body: str = "",
    acknowledge_warnings: bool = False,
) -> ContactNote:
    """Write a dated note, or log a conversation (call, coffee, meeting, email, other) with an
    optional note. A conversation resets the keep-in-touch clock (never backwards).

    Raises ValidationFailed (kind, future or too old date, body over 5,000 characters, a plain
    note without text) and ContentRefused (the guard's findings on the body).
    """
    assert contact.owner_id == actor.pk
    kind, day, text = _clean_note(kind, occurred_on, body)
    _guard(actor, body=text, name=contact.name, acknowledge_warnings=acknowledge_warnings)
    note = ContactNote.objects.create(contact=contact, kind=kind, occurred_on=day, body=text)
    if note.is_interaction:
        _record_interaction(actor, contact, note)
    Contact.objects.filter(pk=contact.pk).update(updated_at=timezone.now())
    return note


@transaction.atomic
def note_update(
    *,
    actor: Any,
    note: ContactNote,
    kind: str,
    occurred_on: dt.date,
    body: str,
    acknowledge_warnings: bool = False,
) -> ContactNote:
    """Edit a note. A conversation moved to a later date moves the clock forward; the clock
    never moves back (an edit to an earlier date changes the note only)."""
    contact = note.contact
    assert contact.owner_id == actor.pk
    kind, day, text = _clean_note(kind, occurred_on, body)
    if text != note.body:
        _guard(actor, body=text, name=contact.name, acknowledge_warnings=acknowledge_warnings)
    note.kind, note.occurred_on, note.body = kind, day, text
    note.save()
    if note.is_interaction:
        _record_interaction(actor, contact, note)
    return note


@transaction.atomic
def note_delete(*, actor: Any, note: ContactNote) -> None:
    """Delete a note. The clock stays where it is (the conversation did happen)."""
    assert note.contact.owner_id == actor.pk
    note.delete()


# --- tags ----------------------------------------------------------------------------------------


def _clean_tag(name: Any, cadence_days: Any) -> tuple[str, int | None]:
    errors: dict[str, list[str]] = {}
    try:
        tag_name = _text(name, "name", MAX_TAG_NAME, required=True)
    except ValidationFailed as exc:
        errors.update(exc.errors)
        tag_name = ""
    try:
        cadence = clean_cadence(cadence_days)
    except ValidationFailed as exc:
        errors.update(exc.errors)
        cadence = None
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors=errors)
    return tag_name, cadence


@transaction.atomic
def tag_create(*, actor: Any, name: str, cadence_days: int | None = None) -> ContactTag:
    """A new tag (names are unique per member, ignoring case)."""
    tag_name, cadence = _clean_tag(name, cadence_days)
    if ContactTag.objects.filter(owner=actor).count() >= MAX_TAGS:
        raise ValidationFailed(f"You have {MAX_TAGS} tags; delete some first.", field="name")
    if ContactTag.objects.filter(owner=actor, name__iexact=tag_name).exists():
        raise Conflict("You already have a tag with this name.", field="name")
    try:
        with transaction.atomic():
            return ContactTag.objects.create(owner=actor, name=tag_name, cadence_days=cadence)
    except IntegrityError as exc:
        raise Conflict("You already have a tag with this name.", field="name") from exc


@transaction.atomic
def tag_update(
    *, actor: Any, tag: ContactTag, name: str | None = None, cadence_days: Any = ...
) -> ContactTag:
    """Rename a tag and/or change its cadence (``None`` removes it); recompute its contacts'
    clocks when the cadence changed."""
    assert tag.owner_id == actor.pk
    new_name, cadence = _clean_tag(
        tag.name if name is None else name,
        tag.cadence_days if cadence_days is ... else cadence_days,
    )
    if (
        new_name.casefold() != tag.name.casefold()
        and ContactTag.objects.filter(owner=actor, name__iexact=new_name)
        .exclude(pk=tag.pk)
        .exists()
    ):
        raise Conflict("You already have a tag with this name.", field="name")
    cadence_changed = cadence != tag.cadence_days
    tag.name, tag.cadence_days = new_name, cadence
    tag.save()
    if cadence_changed:
        refresh_due_for_owner(actor.pk, Q(pk__in=tag.contacts.values("pk")))
    return tag


@transaction.atomic
def tag_delete(*, actor: Any, tag: ContactTag) -> None:
    """Delete a tag (its contacts stay); their clocks are recomputed without it."""
    assert tag.owner_id == actor.pk
    contact_ids = list(tag.contacts.values_list("pk", flat=True))
    tag.delete()
    if contact_ids:
        refresh_due_for_owner(actor.pk, Q(pk__in=contact_ids))


# --- settings ------------------------------------------------------------------------------------


@transaction.atomic
def notebook_settings_update(
    *, actor: Any, operational_days: Any, personal_days: Any, strategic_days: Any
) -> NotebookSettings:
    """Change the three default cadences; every contact's clock is recomputed."""
    values: dict[str, int] = {}
    errors: dict[str, list[str]] = {}
    for field, value in (
        ("operational_days", operational_days),
        ("personal_days", personal_days),
        ("strategic_days", strategic_days),
    ):
        try:
            days = clean_cadence(value, field)
        except ValidationFailed as exc:
            errors.update(exc.errors)
            continue
        if days is None:
            errors[field] = ["Enter a number of days."]
            continue
        values[field] = days
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors=errors)
    settings, _ = NotebookSettings.objects.select_for_update().get_or_create(owner=actor)
    changed = any(getattr(settings, field) != days for field, days in values.items())
    for field, days in values.items():
        setattr(settings, field, days)
    settings.save()
    if changed:
        refresh_due_for_owner(actor.pk)
    return settings


# --- keep-in-touch nudges -------------------------------------------------------------------------


def keep_in_touch_nudges_send(
    *, now: dt.datetime | None = None, batch_size: int = NUDGE_BATCH
) -> int:
    """Tell each member how many of their contacts fell due since they were last counted (one
    notification per member per run: "3 people are due for a catch-up", linking to the due
    list). Each time a contact falls due (each value of its ``due_at``) is counted once.
    Members are handled in batches of ``batch_size`` (one grouped query and one transaction
    per batch). Network types are mirrored from connections first, so the clocks are
    current. Returns the number of members notified."""
    from rounds.notifications.models import Kind
    from rounds.notifications.services import notify

    now = now or timezone.now()
    contacts_sync_network_types()
    newly_due = Contact.objects.filter(
        archived=False, due_at__lte=now, owner__is_active=True
    ).filter(Q(nudged_due_at__isnull=True) | ~Q(nudged_due_at=F("due_at")))
    notified = 0
    last_owner = 0
    while True:
        batch = list(
            newly_due.filter(owner_id__gt=last_owner)
            .values("owner_id")
            .annotate(count=Count("id"))
            .order_by("owner_id")[:batch_size]
        )
        if not batch:
            return notified
        owner_ids = [row["owner_id"] for row in batch]
        with transaction.atomic():
            for row in batch:
                count = int(row["count"])
                people = "1 person is" if count == 1 else f"{count} people are"
                notify(
                    recipient_id=row["owner_id"],
                    kind=Kind.KEEP_IN_TOUCH,
                    text=f"{people} due for a catch-up",
                    url="/contacts/due/",
                )
                notified += 1
            newly_due.filter(owner_id__in=owner_ids).update(nudged_due_at=F("due_at"))
            existing = set(
                NotebookSettings.objects.filter(owner_id__in=owner_ids).values_list(
                    "owner_id", flat=True
                )
            )
            NotebookSettings.objects.bulk_create(
                [NotebookSettings(owner_id=o) for o in owner_ids if o not in existing],
                ignore_conflicts=True,
            )
            NotebookSettings.objects.filter(owner_id__in=owner_ids).update(last_nudged_at=now)
        last_owner = owner_ids[-1]


# --- bookkeeping for audits -------------------------------------------------------------------------


def audit_export(*, actor: Any, count: int) -> None:
    """Record a whole-notebook export (ids and counts only)."""
    audit(actor=actor, action="contacts.export", count=count)
