"""Helpers to build notebooks in tests through the real services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from rounds.contacts.models import Contact
from rounds.contacts.services import contact_create
from rounds.profiles.tests.factories import AffiliationFactory, OrganizationFactory


def add_contact(owner: Any, name: str = "Priya Raman", **data: Any) -> Contact:
    """A non-member contact in ``owner``'s notebook (through ``contact_create``)."""
    tag_ids = data.pop("tag_ids", ())
    return contact_create(actor=owner, data={"name": name, **data}, tag_ids=tag_ids)


def contact_of(owner: Any, member: Any) -> Contact:
    """``owner``'s contact for ``member`` (a user)."""
    return Contact.objects.get(owner=owner, member=member)


def age(contact: Contact, *, days: int) -> Contact:
    """Pretend the contact was added ``days`` ago with no conversation since (for due tests)."""
    when = timezone.now() - dt.timedelta(days=days)
    Contact.objects.filter(pk=contact.pk).update(created_at=when, last_interaction_at=None)
    from rounds.contacts.services import refresh_due_for_owner

    refresh_due_for_owner(contact.owner_id)
    contact.refresh_from_db()
    return contact


def works_at(user: Any, name: str) -> Any:
    """Give ``user`` a current position at the organization called ``name``."""
    from rounds.profiles.models import Organization

    org = Organization.objects.filter(name=name).first() or OrganizationFactory(name=name)
    return AffiliationFactory(user=user, organization=org)
