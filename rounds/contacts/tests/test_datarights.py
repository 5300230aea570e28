"""The notebook's part of data rights: the export holds every text the member stored here,
and after erasure + account deletion no row of the notebook's tables holds any of it."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.utils import timezone

from rounds.contacts.datarights import erase_member_data, export_member_data
from rounds.contacts.imports import contact_import_create
from rounds.contacts.models import Contact
from rounds.contacts.services import note_create, tag_create
from rounds.network.tests.factories import connect

from .factories import add_contact, contact_of

pytestmark = pytest.mark.django_db

CANARIES = {
    "name": "CanaryName7f3a",
    "organization": "CanaryOrg7f3a",
    "title": "CanaryTitle7f3a",
    "email": "canary7f3a@example.org",
    "phone": "+1 555 7373",
    "url": "https://example.org/canary-url-7f3a",
    "how_met": "CanaryHowMet7f3a",
}
NOTE = "CanaryNote7f3a"
TAG = "CanaryTag7f3a"
IMPORT_ROW = "CanaryImportRow7f3a"
FILENAME = "canary-file-7f3a.csv"


def _table_text() -> str:
    """Every row of every notebook table, as text."""
    dump = []
    for model in apps.get_app_config("contacts").get_models(include_auto_created=True):
        dump.extend(str(row) for row in model.objects.values())
    return "\n".join(dump)


@pytest.mark.parametrize("anonymise", [False, True])
def test_export_holds_every_canary_and_erasure_leaves_none(member, other_member, anonymise):
    """Canaries in every text field: exported, then gone after erase + delete; the other
    member's notebook keeps its own contact of the erased member, unlinked."""
    owner = member.user
    tag = tag_create(actor=owner, name=TAG, cadence_days=30)
    contact = add_contact(owner, CANARIES.pop("name"), tag_ids=[tag.pk], **CANARIES)
    CANARIES["name"] = contact.name
    note_create(
        actor=owner, contact=contact, kind="note", occurred_on=timezone.localdate(), body=NOTE
    )
    csv = (
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        f"Ana,{IMPORT_ROW},,,Mercy,Nurse,\n"
    ).encode()
    contact_import_create(actor=owner, kind="linkedin", data=csv, filename=FILENAME)
    connect(owner, other_member.user)

    exported = json.dumps(export_member_data(owner))
    for value in [*CANARIES.values(), NOTE, TAG, IMPORT_ROW, FILENAME]:
        assert value in exported, value
    assert set(export_member_data(owner)) == {
        "contacts",
        "contact_notes",
        "contact_tags",
        "contact_settings",
        "contact_imports",
    }
    # nothing private of the other member: only their handle on the member contact
    assert other_member.user.email not in exported

    theirs = contact_of(other_member.user, owner)
    erase_member_data(owner, anonymise=anonymise)
    owner.delete()
    text = _table_text()
    for value in [*CANARIES.values(), NOTE, TAG, IMPORT_ROW, FILENAME]:
        assert value not in text, value
    theirs.refresh_from_db()
    assert theirs.member_id is None and not theirs.connected
    assert theirs.name == "Former member"  # the copy of the erased member's profile name
    assert Contact.objects.filter(owner=other_member.user).count() == 1
