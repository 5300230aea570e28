"""Gatekeepers of the notebook: the one path from a URL id to a contact, note, tag or import.

Everything in the notebook belongs to exactly one member. Anyone else — another member,
staff, a visitor — gets NotFound (404): missing and someone else's look the same.
"""

from __future__ import annotations

from typing import Any

from rounds.core.errors import NotFound

from .models import Contact, ContactImport, ContactNote, ContactTag

MAX_ID = 2**63 - 1


def _valid(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def _member(viewer: Any) -> bool:
    return viewer is not None and bool(getattr(viewer, "is_authenticated", False))


def access_contact_by_id(viewer: Any, contact_id: Any, *, for_update: bool = False) -> Contact:
    """The viewer's own contact ``contact_id`` (member profile loaded); NotFound otherwise."""
    pk = _valid(contact_id)
    if pk is None or not _member(viewer):
        raise NotFound("No such contact in your notebook.")
    qs = Contact.objects.select_related("member__profile")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    contact = qs.filter(owner_id=viewer.pk, pk=pk).first()
    if contact is None:
        raise NotFound("No such contact in your notebook.")
    return contact


def access_note_by_id(viewer: Any, contact: Contact, note_id: Any) -> ContactNote:
    """A note of the viewer's own ``contact`` (already resolved through access_contact_by_id)."""
    pk = _valid(note_id)
    if pk is None or not _member(viewer) or contact.owner_id != viewer.pk:
        raise NotFound("No such note.")
    note = ContactNote.objects.filter(contact_id=contact.pk, pk=pk).first()
    if note is None:
        raise NotFound("No such note.")
    note.contact = contact
    return note


def access_tag_by_id(viewer: Any, tag_id: Any) -> ContactTag:
    """The viewer's own tag ``tag_id``; NotFound otherwise."""
    pk = _valid(tag_id)
    if pk is None or not _member(viewer):
        raise NotFound("No such tag.")
    tag = ContactTag.objects.filter(owner_id=viewer.pk, pk=pk).first()
    if tag is None:
        raise NotFound("No such tag.")
    return tag


def access_import_by_id(viewer: Any, import_id: Any, *, for_update: bool = False) -> ContactImport:
    """The viewer's own import ``import_id``; NotFound otherwise."""
    pk = _valid(import_id)
    if pk is None or not _member(viewer):
        raise NotFound("No such import.")
    qs = ContactImport.objects.all()
    if for_update:
        qs = qs.select_for_update()
    found = qs.filter(owner_id=viewer.pk, pk=pk).first()
    if found is None:
        raise NotFound("No such import.")
    return found
