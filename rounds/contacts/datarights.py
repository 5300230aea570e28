"""The contacts notebook's part of the data-rights contract (export and erasure).

Everything in a notebook is its owner's private data: contacts (members or not), notes, tags,
settings and imports. Export: all of it. Nothing private of anyone else is included — other
members' notebooks are theirs; a contact that is a member carries only that member's handle
and display name (what any member sees).

Erasure: the member's own notebook is deleted. Other members' notebooks may hold a contact for
the member being deleted: those are the other members' own records (like an address book:
their notes, how they met), so they stay as plain contacts, but the link to the account goes
and so does everything copied from the member's account and profile (name, organization,
title, email, profile address). Imported files are never stored (only parsed rows, dropped
on confirm or cancel).
"""

from __future__ import annotations

from typing import Any

from .models import Contact, ContactImport, ContactNote, ContactTag, NotebookSettings

FORMER_MEMBER = "Former member"

#: What each exported file holds (for the archive's README.txt).
EXPORT_DESCRIPTIONS = {
    "contacts": "Your contacts notebook: everyone in it (members and others), with their "
    "details, network type, keep-in-touch cadence and clock, and tags.",
    "contact_notes": "Your private notes and logged conversations, by contact.",
    "contact_tags": "Your tags and their cadences.",
    "contact_settings": "Your default keep-in-touch cadences.",
    "contact_imports": "Your LinkedIn and vCard imports (rows of those still waiting for "
    "your confirmation).",
}


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None


def export_member_data(user: Any) -> dict[str, Any]:
    """The member's notebook, JSON-serialisable, keyed by file name."""
    contacts = []
    for contact in (
        Contact.objects.filter(owner=user)
        .select_related("member__profile")
        .prefetch_related("tags")
        .order_by("id")
        .iterator(chunk_size=2000)
    ):
        profile = getattr(contact.member, "profile", None) if contact.member_id else None
        contacts.append(
            {
                "id": contact.pk,
                "name": contact.name,
                "organization": contact.organization,
                "title": contact.title,
                "email": contact.email,
                "phone": contact.phone,
                "url": contact.url,
                "how_met": contact.how_met,
                "member_handle": profile.handle if profile else None,
                "connected": contact.connected,
                "network_type": contact.network_type,
                "cadence_days": contact.cadence_days,
                "last_interaction_at": _iso(contact.last_interaction_at),
                "due_at": _iso(contact.due_at),
                "snoozed_until": _iso(contact.snoozed_until),
                "archived": contact.archived,
                "source": contact.source,
                "linkedin_connected_on": _iso(contact.linkedin_connected_on),
                "tags": [t.name for t in contact.tags.all()],
                "created_at": _iso(contact.created_at),
            }
        )
    notes = [
        {
            "id": note.pk,
            "contact_id": note.contact_id,
            "kind": note.kind,
            "occurred_on": _iso(note.occurred_on),
            "body": note.body,
            "created_at": _iso(note.created_at),
            "updated_at": _iso(note.updated_at),
        }
        for note in ContactNote.objects.filter(contact__owner=user).order_by("id").iterator()
    ]
    tags = [
        {"id": tag.pk, "name": tag.name, "cadence_days": tag.cadence_days}
        for tag in ContactTag.objects.filter(owner=user).order_by("id")
    ]
    settings = NotebookSettings.objects.filter(owner=user).first()
    imports = [
        {
            "id": imp.pk,
            "kind": imp.kind,
            "state": imp.state,
            "filename": imp.filename,
            "summary": imp.summary,
            "rows": imp.rows,
            "warnings": imp.warnings,
            "created_at": _iso(imp.created_at),
            "confirmed_at": _iso(imp.confirmed_at),
        }
        for imp in ContactImport.objects.filter(owner=user).order_by("id")
    ]
    return {
        "contacts": contacts,
        "contact_notes": notes,
        "contact_tags": tags,
        "contact_settings": {
            "operational_days": settings.operational_days if settings else 180,
            "personal_days": settings.personal_days if settings else 90,
            "strategic_days": settings.strategic_days if settings else 60,
        },
        "contact_imports": imports,
    }


def erase_member_data(user: Any, *, anonymise: bool = False) -> None:
    """Delete the member's notebook, and remove what other notebooks copied from this member.

    The member's own notebook (contacts, notes, tags, settings, imports) is deleted. In other
    members' notebooks, a contact of this member keeps what its owner wrote (their notes, how
    they met, their own edits) but loses the link to the account and every value that came
    from it: the name, organization, title, email and profile address still equal to the
    member's become "Former member" / empty. Open import previews of others drop their match
    to this member. Notebooks are private, so ``anonymise`` changes nothing here.
    """
    from rounds.profiles.models import Affiliation, Profile

    ContactNote.objects.filter(contact__owner=user).delete()
    Contact.objects.filter(owner=user).delete()
    ContactTag.objects.filter(owner=user).delete()
    ContactImport.objects.filter(owner=user).delete()
    NotebookSettings.objects.filter(owner=user).delete()

    profile = Profile.objects.filter(user=user).first()
    names = {profile.display_name} if profile else set()
    handle = profile.handle if profile else ""
    organizations: set[str] = set()
    titles: set[str] = set()
    for organization, title in Affiliation.objects.filter(user=user).values_list(
        "organization__name", "title"
    ):
        organizations.add(organization or "")
        titles.add(title or "")
    emails = {user.email.lower()} if user.email else set()
    copies = list(Contact.objects.filter(member=user))
    for contact in copies:
        contact.member = None
        contact.connected = False
        if contact.name in names:
            contact.name = FORMER_MEMBER
        if contact.organization in organizations:
            contact.organization = ""
        if contact.title in titles:
            contact.title = ""
        if contact.email.lower() in emails:
            contact.email = ""
        if handle and f"/members/{handle}/" in contact.url:
            contact.url = ""
    Contact.objects.bulk_update(
        copies, ["member", "connected", "name", "organization", "title", "email", "url"]
    )
    for imp in (
        ContactImport.objects.filter(state=ContactImport.State.PREVIEW)
        .only("pk", "rows")
        .iterator(chunk_size=20)
    ):
        changed = False
        for row in imp.rows:
            match = row.get("match")
            if match and match.get("user_id") == user.pk:
                row["match"], row["request"], row["can_request"] = None, False, False
                changed = True
        if changed:
            ContactImport.objects.filter(pk=imp.pk).update(rows=imp.rows)


def seed_canary_data(user: Any, *, canary: str, other: Any) -> None:
    """For the data-rights canary test: every kind of notebook data, through the services,
    with ``canary`` in every text field."""
    from django.utils import timezone

    from .imports import contact_import_create
    from .services import contact_create, note_create, tag_create

    tag = tag_create(actor=user, name=f"Tag {canary}", cadence_days=30)
    contact = contact_create(
        actor=user,
        data={
            "name": f"Name {canary}",
            "organization": f"Org {canary}",
            "title": f"Title {canary}",
            "email": f"{canary}.contact@example.org",
            "phone": "+1 555 0100",
            "url": f"https://example.org/{canary}",
            "how_met": f"Met {canary}",
        },
        tag_ids=[tag.pk],
    )
    note_create(
        actor=user,
        contact=contact,
        kind="coffee",
        occurred_on=timezone.localdate(),
        body=f"Note {canary}",
    )
    csv = (
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        f"Row,{canary},,,Company {canary},Position {canary},1 Jan 2020\n"
    ).encode()
    contact_import_create(actor=user, kind="linkedin", data=csv, filename=f"{canary}.csv")
