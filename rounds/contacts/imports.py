"""Imports into the notebook: LinkedIn's Connections.csv and vCard files, one shared flow.

upload → ``contact_import_create`` parses the file (``linkedin.py`` / ``vcard.py``), proposes a
member match for each row (batched: a few queries for 30,000 rows), finds rows already in the
notebook, and stores a ``ContactImport`` in state *preview* → the member reviews the preview,
ticks who should get a connection request (``contact_import_choose``) → ``contact_import_confirm``
writes everything in ONE transaction (all or nothing) → *confirmed*; or
``contact_import_cancel`` → *cancelled*. Confirmed and cancelled imports drop their rows.

Member matches, and what they reveal:

- **high**: the row's email is the member's account email *and* that member lets the importer
  see it (shared with all members, or with connections and they are connected) — so a file of
  guessed addresses cannot tell who is registered under an email they keep private; or, in a
  vCard, the URL of the member's Rounds profile.
- **medium**: the row's name is a visible member's display name and the row's company is one
  of that member's current organizations (exactly one such member).
- **low**: the name alone matches exactly one visible member. Shown, never preselected.

Members who blocked the importer, or whom the importer blocked, never match. High and medium
matches that can receive a request (not connected, no request pending either way) are
preselected for a connection request, as many as the pending-request limit allows.

Rows whose email or web address is already in the notebook, or whose match is already a
contact, are *merged*: blank fields of the existing contact are filled in, tags added; nothing
is duplicated. A vCard ``NOTE`` becomes "how we met" after passing the professionalism guard;
a note with findings is dropped (the row's warning says so).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import Q
from django.http.request import validate_host
from django.utils import timezone

from rounds.accounts.models import User
from rounds.core.audit import audit
from rounds.core.errors import (
    ApplicationError,
    Conflict,
    ContentRefused,
    NotFound,
    ValidationFailed,
)
from rounds.core.publishing import guard_context
from rounds.guard import check
from rounds.network.models import Block, Connection, ConnectionRequest
from rounds.network.services import MAX_NOTE as MAX_REQUEST_NOTE
from rounds.network.services import MAX_PENDING_SENT
from rounds.profiles.models import Affiliation, Profile, Visibility

from . import linkedin, vcard
from .models import Contact, ContactImport, ContactTag
from .services import (
    MAX_CONTACTS,
    MAX_TAG_NAME,
    MAX_TAGS,
    new_contact_due,
    owner_organization_names,
    propose_type_for,
    settings_for,
)

CHUNK = 1000
HIGH, MEDIUM, LOW = "high", "medium", "low"
CONFIDENCE_LABELS = {
    HIGH: "High: same email address",
    MEDIUM: "Medium: same name and organization",
    LOW: "Low: same name only",
}
FILLABLE = ("organization", "title", "email", "phone", "url", "how_met")
MAX_IMPORT_WARNINGS = 500


# --- rows ------------------------------------------------------------------------------------------


def _row(
    index: int,
    *,
    line: int,
    name: str,
    organization: str = "",
    title: str = "",
    email: str = "",
    phone: str = "",
    url: str = "",
    how_met: str = "",
    tags: Iterable[str] = (),
    connected_on: dt.date | None = None,
) -> dict[str, Any]:
    return {
        "i": index,
        "line": line,
        "name": name,
        "organization": organization,
        "title": title,
        "email": email,
        "phone": phone,
        "url": url,
        "how_met": how_met,
        "tags": list(tags),
        "connected_on": connected_on.isoformat() if connected_on else None,
        "match": None,
        "relation": "",
        "existing_id": None,
        "duplicate_of": None,
        "can_request": False,
        "request": False,
        "skip": False,
        "network_type": "personal",
        "warnings": [],
    }


def _linkedin_rows(data: bytes) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    try:
        parsed = linkedin.parse_connections(data)
    except linkedin.LinkedInFormatError as exc:
        raise ValidationFailed(str(exc), field="file") from exc
    rows = [
        _row(
            index,
            line=r.line,
            name=r.name,
            organization=r.company,
            title=r.position,
            email=r.email,
            url=r.url,
            connected_on=r.connected_on,
        )
        for index, r in enumerate(parsed.rows)
    ]
    warnings = [{"line": w.line, "message": w.message} for w in parsed.warnings]
    return rows, warnings


def _vcard_rows(data: bytes) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    try:
        parsed = vcard.parse_vcards(data)
    except vcard.VCardFormatError as exc:
        raise ValidationFailed(str(exc), field="file") from exc
    from .services import clean_email, clean_phone, clean_url

    rows = []
    warnings = [{"line": w.line, "message": w.message} for w in parsed.warnings]
    for index, card in enumerate(parsed.cards):
        row = _row(
            index,
            line=card.line,
            name=card.name,
            organization=card.organization,
            title=card.title,
            how_met=card.note,
            tags=[c[:MAX_TAG_NAME] for c in card.categories],
        )
        for field, cleaner, value in (
            ("email", clean_email, card.email),
            ("phone", clean_phone, card.phone),
            ("url", clean_url, card.url),
        ):
            try:
                row[field] = cleaner(value)
            except ValidationFailed:
                row["warnings"].append(f"The {field} “{value[:60]}” is not valid; left out.")
        rows.append(row)
    return rows, warnings


# --- matching --------------------------------------------------------------------------------------


def _chunks(values: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _visible_profiles(viewer: Any) -> Any:
    """Active members' profiles the viewer may see and match: not the viewer, not a member
    whose account is being deleted (absent for everyone), no block either way (one subquery
    each, evaluated per chunk)."""
    blocked = Block.objects.filter(Q(blocker_id=viewer.pk) | Q(blocked_id=viewer.pk))
    return (
        Profile.objects.filter(user__is_active=True, user__deletion_scheduled=False)
        .exclude(user_id=viewer.pk)
        .exclude(user_id__in=blocked.filter(blocker_id=viewer.pk).values("blocked_id"))
        .exclude(user_id__in=blocked.filter(blocked_id=viewer.pk).values("blocker_id"))
    )


def _handle_from_url(url: str) -> str:
    """The handle in a Rounds profile address (``…/members/<handle>/``), else ""."""
    from django.conf import settings

    if not url or "/members/" not in url:
        return ""
    parts = urlsplit(url)
    if parts.netloc:
        site = (urlsplit(settings.SITE_URL).hostname or "").lower()
        host = (parts.hostname or "").lower()
        if host != site and not validate_host(host, list(settings.ALLOWED_HOSTS)):
            return ""
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) == 2 and segments[0] == "members":
        return segments[1][:40]
    return ""


def _match_rows(viewer: Any, rows: list[dict[str, Any]]) -> None:
    """Propose a member for each row (see the module docstring), batched."""
    visible = _visible_profiles(viewer)

    def matched(profile: Profile, confidence: str) -> dict[str, Any]:
        return {
            "user_id": profile.user_id,
            "handle": profile.handle,
            "name": profile.display_name,
            "confidence": confidence,
        }

    # 1. Rounds profile addresses (vCards exported from Rounds).
    by_handle: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        handle = _handle_from_url(row["url"])
        if handle:
            by_handle[handle.lower()].append(row)
    for chunk in _chunks(list(by_handle)):
        for profile in visible.filter(handle__in=chunk).only("user_id", "handle", "display_name"):
            for row in by_handle.get(profile.handle.lower(), []):
                row["match"] = matched(profile, HIGH)
    # 2. Email addresses the member lets the viewer see.
    by_email: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["email"] and row["match"] is None:
            by_email[row["email"].lower()].append(row)
    my_connections = Connection.objects.filter(owner_id=viewer.pk).values("other_id")
    email_shared = Q(email_visibility=Visibility.MEMBERS) | Q(
        email_visibility=Visibility.CONNECTIONS, user_id__in=my_connections
    )
    for chunk in _chunks(list(by_email)):
        for profile in (
            visible.filter(email_shared, user__email__in=chunk)
            .select_related("user")
            .only("user_id", "handle", "display_name", "user__email")
        ):
            for row in by_email.get(profile.user.email.lower(), []):
                row["match"] = matched(profile, HIGH)
    # 3. Names (display names are visible to every member), refined by organization.
    by_name: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["match"] is None and row["name"]:
            by_name[row["name"].casefold()].append(row)
    spellings = sorted(
        {
            variant
            for row_list in by_name.values()
            for row in row_list
            for variant in (row["name"], row["name"].title())
        }
    )
    candidates: dict[str, list[Profile]] = defaultdict(list)
    for chunk in _chunks(spellings):
        for profile in visible.filter(display_name__in=chunk).only(
            "user_id", "handle", "display_name"
        ):
            key = profile.display_name.casefold()
            if all(p.user_id != profile.user_id for p in candidates[key]):
                candidates[key].append(profile)
    candidate_ids = [p.user_id for found in candidates.values() for p in found]
    organizations: dict[int, set[str]] = defaultdict(set)
    for chunk in _chunks(candidate_ids):
        for user_id, org in Affiliation.objects.filter(
            user_id__in=chunk, is_current=True
        ).values_list("user_id", "organization__name"):
            organizations[user_id].add((org or "").casefold().strip())
    for key, row_list in by_name.items():
        found = candidates.get(key, [])
        if not found:
            continue
        for row in row_list:
            company = row["organization"].casefold().strip()
            same_org = [p for p in found if company and company in organizations[p.user_id]]
            if len(same_org) == 1:
                row["match"] = matched(same_org[0], MEDIUM)
            elif len(found) == 1:
                row["match"] = matched(found[0], LOW)
            else:
                row["warnings"].append(
                    f"{len(found)} members are called {row['name']}: none was matched."
                )


def _classify(viewer: Any, rows: list[dict[str, Any]], *, pending_sent: int) -> dict[str, int]:
    """Relationship, duplicates, request eligibility, preselection and proposed network type
    for every row; returns the summary counts."""
    connections = {
        other: override or proposed
        for other, override, proposed in Connection.objects.filter(owner_id=viewer.pk).values_list(
            "other_id", "override_type", "proposed_type"
        )
    }
    pending: set[int] = set()
    for sender, recipient in ConnectionRequest.objects.filter(
        Q(sender_id=viewer.pk) | Q(recipient_id=viewer.pk),
        state=ConnectionRequest.State.PENDING,
        expires_at__gt=timezone.now(),
    ).values_list("sender_id", "recipient_id"):
        pending.add(recipient if sender == viewer.pk else sender)
    existing = _existing_index(viewer.pk)
    owner_orgs = owner_organization_names(viewer.pk)
    seen_email: dict[str, int] = {}
    seen_url: dict[str, int] = {}
    seen_member: dict[int, int] = {}
    room = max(0, MAX_PENDING_SENT - pending_sent)
    counts = {
        "rows": len(rows),
        HIGH: 0,
        MEDIUM: 0,
        LOW: 0,
        "existing": 0,
        "duplicates_in_file": 0,
        "requestable": 0,
        "preselected": 0,
        "with_warnings": 0,
    }
    for row in rows:
        match = row["match"]
        member_id = match["user_id"] if match else None
        if match:
            counts[match["confidence"]] += 1
            if member_id in connections:
                row["relation"] = "connected"
            elif member_id in pending:
                row["relation"] = "pending"
        row["existing_id"] = existing.find(email=row["email"], url=row["url"], member_id=member_id)
        if row["existing_id"]:
            counts["existing"] += 1
        earlier = (
            (seen_email.get(row["email"]) if row["email"] else None)
            or (seen_url.get(row["url"]) if row["url"] else None)
            or (seen_member.get(member_id) if member_id else None)
        )
        if earlier is not None and not row["existing_id"]:
            row["duplicate_of"] = earlier
            row["skip"] = True
            row["warnings"].append(f"Same person as line {rows[earlier]['line']}: left out.")
            counts["duplicates_in_file"] += 1
        else:
            if row["email"]:
                seen_email.setdefault(row["email"], row["i"])
            if row["url"]:
                seen_url.setdefault(row["url"], row["i"])
            if member_id:
                seen_member.setdefault(member_id, row["i"])
        row["can_request"] = bool(match) and not row["relation"] and row["duplicate_of"] is None
        if row["can_request"]:
            counts["requestable"] += 1
            if match["confidence"] in (HIGH, MEDIUM) and counts["preselected"] < room:
                row["request"] = True
                counts["preselected"] += 1
        if member_id in connections:
            row["network_type"] = connections[member_id]
        else:
            row["network_type"] = propose_type_for(row["organization"], owner_orgs)
        if row["warnings"]:
            counts["with_warnings"] += 1
    return counts


@dataclasses.dataclass
class _ExistingIndex:
    by_email: dict[str, int]
    by_url: dict[str, int]
    by_member: dict[int, int]

    def find(self, *, email: str, url: str, member_id: int | None) -> int | None:
        return (
            (self.by_member.get(member_id) if member_id else None)
            or (self.by_email.get(email) if email else None)
            or (self.by_url.get(url) if url else None)
        )


def _existing_index(owner_id: int) -> _ExistingIndex:
    index = _ExistingIndex({}, {}, {})
    for pk, email, url, member_id in Contact.objects.filter(owner_id=owner_id).values_list(
        "pk", "email", "url", "member_id"
    ):
        if email:
            index.by_email.setdefault(email.lower(), pk)
        if url:
            index.by_url.setdefault(url, pk)
        if member_id:
            index.by_member[member_id] = pk
    return index


def _guard_notes(actor: Any, rows: list[dict[str, Any]]) -> None:
    """A vCard NOTE becomes "how we met" only when the professionalism guard finds nothing."""
    base = guard_context(actor, "other")
    for row in rows:
        if not row["how_met"]:
            continue
        context = dataclasses.replace(base, colleague_names=(*base.colleague_names, row["name"]))
        report = check(row["how_met"], context=context)
        if report.findings:
            row["how_met"] = ""
            reason = (
                "it could identify a patient"
                if report.blocked
                else "the professionalism guard flagged it"
            )
            row["warnings"].append(f"The note was left out: {reason}. Add it by hand if needed.")


# --- the lifecycle ---------------------------------------------------------------------------------


@transaction.atomic
def contact_import_create(
    *, actor: Any, kind: str, data: bytes, filename: str = ""
) -> ContactImport:
    """Parse an uploaded file and store its preview. The member's other open previews are
    cancelled (one preview at a time). Raises ValidationFailed on the ``file`` field naming
    the line of a malformed file; nothing is stored then."""
    if kind not in ContactImport.Kind.values:
        raise ValidationFailed("Choose a LinkedIn or a vCard import.", field="kind")
    if kind == ContactImport.Kind.LINKEDIN:
        rows, warnings = _linkedin_rows(data)
    else:
        rows, warnings = _vcard_rows(data)
        _guard_notes(actor, rows)
    if not rows:
        raise ValidationFailed(
            "The file holds no contacts to import"
            + (f" ({len(warnings)} rows were skipped)." if warnings else "."),
            field="file",
        )
    _match_rows(actor, rows)
    pending_sent = ConnectionRequest.objects.filter(
        sender_id=actor.pk, state=ConnectionRequest.State.PENDING
    ).count()
    summary = _classify(actor, rows, pending_sent=pending_sent)
    summary["file_warnings"] = len(warnings)
    ContactImport.objects.filter(owner=actor, state=ContactImport.State.PREVIEW).update(
        state=ContactImport.State.CANCELLED, rows=[], warnings=[], updated_at=timezone.now()
    )
    return ContactImport.objects.create(
        owner=actor,
        kind=kind,
        filename=" ".join(filename.split())[:200].replace("\x00", ""),
        rows=rows,
        warnings=warnings[:MAX_IMPORT_WARNINGS],
        summary=summary,
    )


def _require_preview(imp: ContactImport) -> None:
    if imp.state != ContactImport.State.PREVIEW:
        raise Conflict(
            f"This import was already {imp.get_state_display().lower()}.", field="__all__"
        )


@transaction.atomic
def contact_import_choose(
    *, actor: Any, imp: ContactImport, choices: Mapping[int, Mapping[str, bool]]
) -> ContactImport:
    """Record the member's choices for some rows: ``{index: {"request": bool, "skip": bool}}``.
    Asking for a request on a row that cannot get one is a ValidationFailed (nothing saved)."""
    assert imp.owner_id == actor.pk
    imp = ContactImport.objects.select_for_update().get(pk=imp.pk)
    _require_preview(imp)
    rows = imp.rows
    for index, choice in choices.items():
        if not isinstance(index, int) or not 0 <= index < len(rows):
            raise ValidationFailed(f"There is no row {index} in this import.", field="rows")
        row = rows[index]
        if "request" in choice and choice["request"] and not row["can_request"]:
            raise ValidationFailed(
                f"Line {row['line']}: {row['name']} cannot get a connection request "
                "(no member matched, already connected, or a request is pending).",
                field="rows",
            )
        if "request" in choice:
            row["request"] = bool(choice["request"])
        if "skip" in choice:
            row["skip"] = bool(choice["skip"])
        if row["skip"]:
            row["request"] = False
    imp.summary["preselected"] = sum(1 for row in rows if row["request"] and not row["skip"])
    imp.save(update_fields=["rows", "summary", "updated_at"])
    return imp


@transaction.atomic
def contact_import_cancel(*, actor: Any, imp: ContactImport) -> ContactImport:
    """Cancel a preview: nothing is imported and the parsed rows are dropped."""
    assert imp.owner_id == actor.pk
    imp = ContactImport.objects.select_for_update().get(pk=imp.pk)
    _require_preview(imp)
    imp.state = ContactImport.State.CANCELLED
    imp.rows, imp.warnings = [], []
    imp.save(update_fields=["state", "rows", "warnings", "updated_at"])
    return imp


def _tags_by_name(owner_id: int, names: set[str]) -> dict[str, ContactTag]:
    """The owner's tags for ``names`` (case-insensitive), creating the missing ones."""
    existing = {t.name.casefold(): t for t in ContactTag.objects.filter(owner_id=owner_id)}
    missing = sorted({n for n in names if n.casefold() not in existing}, key=str.casefold)
    unique_missing: dict[str, str] = {}
    for name in missing:
        unique_missing.setdefault(name.casefold(), name)
    if len(existing) + len(unique_missing) > MAX_TAGS:
        raise ValidationFailed(
            f"This file would give you more than {MAX_TAGS} tags (its categories); "
            "remove some first.",
            field="__all__",
        )
    if unique_missing:
        ContactTag.objects.bulk_create(
            [ContactTag(owner_id=owner_id, name=name) for name in unique_missing.values()]
        )
        existing = {t.name.casefold(): t for t in ContactTag.objects.filter(owner_id=owner_id)}
    return existing


@transaction.atomic
def contact_import_confirm(
    *, actor: Any, imp: ContactImport, note: str = "", acknowledge_warnings: bool = False
) -> ContactImport:
    """Import the preview in one transaction: new contacts created, rows already in the
    notebook merged (blank fields filled, tags added), connection requests sent to the chosen
    matches (with the optional personal ``note``, guarded like every request note). Rows whose
    match became connected or got a pending request since the preview are imported without a
    request. Anything refused (the note's guard findings, the pending-request limit, a full
    notebook) rolls back everything. Audited with counts only."""
    from rounds.network.services import connection_request_send

    assert imp.owner_id == actor.pk
    imp = ContactImport.objects.select_for_update().get(pk=imp.pk)
    _require_preview(imp)
    if not isinstance(note, str) or "\x00" in note:
        raise ValidationFailed("The note must be text.", field="note")
    note = note.strip()
    if len(note) > MAX_REQUEST_NOTE:
        raise ValidationFailed(
            f"Keep the note to {MAX_REQUEST_NOTE} characters (this one has {len(note)}).",
            field="note",
        )
    rows = [row for row in imp.rows if not row["skip"]]
    requests = [row for row in rows if row["request"] and row["can_request"] and row["match"]]
    pending_sent = ConnectionRequest.objects.filter(
        sender_id=actor.pk, state=ConnectionRequest.State.PENDING
    ).count()
    if pending_sent + len(requests) > MAX_PENDING_SENT:
        raise ValidationFailed(
            f"You can have at most {MAX_PENDING_SENT} requests waiting; you have {pending_sent} "
            f"and chose {len(requests)}. Untick some.",
            field="rows",
        )
    existing = _existing_index(actor.pk)
    settings = settings_for(actor.pk)
    tags = _tags_by_name(actor.pk, {name for row in rows for name in row["tags"]})
    source = (
        Contact.Source.LINKEDIN if imp.kind == ContactImport.Kind.LINKEDIN else Contact.Source.VCARD
    )
    connected_ids = set(
        Connection.objects.filter(owner_id=actor.pk).values_list("other_id", flat=True)
    )
    new: list[Contact] = []
    new_tags: list[list[str]] = []
    merge: dict[int, dict[str, Any]] = {}
    for row in rows:
        match = row["match"]
        link = bool(match) and (
            row["request"] or match["confidence"] == HIGH or row["relation"] == "connected"
        )
        member_id = match["user_id"] if match and link else None
        found = existing.find(email=row["email"], url=row["url"], member_id=member_id)
        if found:
            merge.setdefault(found, {"rows": []})["rows"].append(row)
            continue
        contact = Contact(
            owner_id=actor.pk,
            member_id=member_id,
            connected=member_id in connected_ids,
            name=row["name"][:200],
            organization=row["organization"],
            title=row["title"],
            email=row["email"],
            phone=row["phone"],
            url=row["url"],
            how_met=row["how_met"],
            network_type=row["network_type"],
            source=source,
            linkedin_connected_on=(
                dt.date.fromisoformat(row["connected_on"]) if row["connected_on"] else None
            ),
        )
        row_tags = [tags[name.casefold()] for name in row["tags"] if name.casefold() in tags]
        cadence = min((t.cadence_days for t in row_tags if t.cadence_days), default=None)
        contact.due_at = new_contact_due(contact, settings, cadence)
        new.append(contact)
        new_tags.append(row["tags"])
        # later rows of the same file merge into this one
        if contact.email:
            existing.by_email.setdefault(contact.email, -len(new))
        if contact.url:
            existing.by_url.setdefault(contact.url, -len(new))
        if member_id:
            existing.by_member.setdefault(member_id, -len(new))
    total = Contact.objects.filter(owner_id=actor.pk).count()
    if total + len(new) > MAX_CONTACTS:
        raise ValidationFailed(
            f"This import would take your notebook over {MAX_CONTACTS:,} contacts.",
            field="__all__",
        )
    Contact.objects.bulk_create(new, batch_size=1000)
    through = Contact.tags.through
    links = []
    for contact, names in zip(new, new_tags, strict=True):
        for tag in {tags[n.casefold()].pk for n in names if n.casefold() in tags}:
            links.append(through(contact_id=contact.pk, contacttag_id=tag))
    merged = _merge(actor.pk, merge, new, tags, links)
    if links:
        through.objects.bulk_create(links, batch_size=1000, ignore_conflicts=True)
    sent = skipped = 0
    recipients = {
        u.pk: u for u in User.objects.filter(pk__in=[r["match"]["user_id"] for r in requests])
    }
    for row in requests:
        recipient = recipients.get(row["match"]["user_id"])
        if recipient is None:
            skipped += 1
            continue
        try:
            connection_request_send(
                actor=actor,
                recipient=recipient,
                note=note,
                acknowledge_warnings=acknowledge_warnings,
            )
        except ContentRefused:
            raise  # the note itself was refused: nothing is imported
        except (ApplicationError, NotFound):
            # connected, a request pending or a block since the preview: no request
            skipped += 1
            continue
        sent += 1
    imp.state = ContactImport.State.CONFIRMED
    imp.confirmed_at = timezone.now()
    imp.summary = {
        **imp.summary,
        "created": len(new),
        "merged": merged,
        "left_out": len(imp.rows) - len(rows),
        "requests_sent": sent,
        "requests_skipped": skipped,
    }
    imp.rows, imp.warnings = [], []
    imp.save()
    audit(
        actor=actor,
        action="contacts.import",
        target=imp,
        kind=imp.kind,
        created=len(new),
        merged=merged,
        requests_sent=sent,
    )
    return imp


def _merge(
    owner_id: int,
    merge: dict[int, dict[str, Any]],
    new: list[Contact],
    tags: dict[str, ContactTag],
    links: list[Any],
) -> int:
    """Fill blank fields of contacts already in the notebook (or created earlier in this
    import) from the rows that matched them, and add the rows' tags. Returns how many rows
    were merged."""
    merged_rows = 0
    existing_ids = [pk for pk in merge if pk > 0]
    contacts: dict[int, Contact] = {}
    for chunk in _chunks(existing_ids):
        contacts.update({c.pk: c for c in Contact.objects.filter(owner_id=owner_id, pk__in=chunk)})
    changed: dict[int, Contact] = {}
    for key, entry in merge.items():
        contact = contacts.get(key) if key > 0 else new[-key - 1]
        if contact is None:
            continue
        for row in entry["rows"]:
            merged_rows += 1
            for field in FILLABLE:
                if row.get(field) and not getattr(contact, field):
                    setattr(contact, field, row[field])
                    changed[contact.pk] = contact
            if row.get("connected_on") and not contact.linkedin_connected_on:
                contact.linkedin_connected_on = dt.date.fromisoformat(row["connected_on"])
                changed[contact.pk] = contact
            for name in row["tags"]:
                tag = tags.get(name.casefold())
                if tag is not None:
                    links.append(Contact.tags.through(contact_id=contact.pk, contacttag_id=tag.pk))
    if changed:
        Contact.objects.bulk_update(
            list(changed.values()), [*FILLABLE, "linkedin_connected_on"], batch_size=1000
        )
    return merged_rows


def import_rows_page(
    imp: ContactImport, *, page: int, size: int
) -> tuple[list[dict[str, Any]], bool]:
    """One page of an import's rows (1-based ``page``) and whether there is a next one."""
    start = (page - 1) * size
    rows = imp.rows[start : start + size + 1]
    return rows[:size], len(rows) > size


PREVIEW_LIFETIME = dt.timedelta(days=14)


def contact_import_previews_expire(*, now: dt.datetime | None = None) -> int:
    """Cancel previews nobody confirmed within 14 days and drop their rows (the parsed file
    should not linger). Returns how many were cancelled."""
    now = now or timezone.now()
    return ContactImport.objects.filter(
        state=ContactImport.State.PREVIEW, created_at__lt=now - PREVIEW_LIFETIME
    ).update(state=ContactImport.State.CANCELLED, rows=[], warnings=[], updated_at=now)
