"""The keep-in-touch clock: effective cadence, due dates, and every source of interaction."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rounds.contacts.models import Contact, ContactNote, NotebookSettings
from rounds.contacts.services import (
    contact_snooze,
    contact_update,
    note_create,
    note_update,
    notebook_settings_update,
    occurred_at_for,
    tag_create,
    tag_delete,
    tag_update,
)
from rounds.core.errors import ValidationFailed
from rounds.network.models import Interaction
from rounds.network.services import connection_set_type, interaction_record
from rounds.network.tests.factories import connect

from .factories import add_contact, age, contact_of, works_at

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def _close(a: dt.datetime, b: dt.datetime, seconds: int = 5) -> bool:
    return abs((a - b).total_seconds()) < seconds


@pytest.fixture
def owner(member):
    return member.user


@pytest.fixture
def pair(member, other_member):
    """Two connected members (users)."""
    connect(member.user, other_member.user)
    return member.user, other_member.user


# --- cadence -----------------------------------------------------------------------------------


def test_new_contact_is_due_after_the_default_cadence_of_its_network(owner):
    """A personal contact added now is due in 90 days; strategic in 60; operational in 180."""
    now = timezone.now()
    personal = add_contact(owner, "A", network_type="personal")
    strategic = add_contact(owner, "B", network_type="strategic")
    operational = add_contact(owner, "C", network_type="operational")
    assert _close(personal.due_at, now + 90 * DAY)
    assert _close(strategic.due_at, now + 60 * DAY)
    assert _close(operational.due_at, now + 180 * DAY)


def test_contact_cadence_beats_tags_which_beat_the_default(owner):
    """Own cadence > shortest tag cadence > the owner's default for the network type."""
    slow = tag_create(actor=owner, name="Board", cadence_days=120)
    fast = tag_create(actor=owner, name="Research", cadence_days=30)
    contact = add_contact(owner, network_type="personal", tag_ids=[slow.pk, fast.pk])
    base = contact.created_at
    assert _close(contact.due_at, base + 30 * DAY)
    contact = contact_update(actor=owner, contact=contact, data={"cadence_days": 200})
    assert _close(contact.due_at, base + 200 * DAY)
    contact = contact_update(actor=owner, contact=contact, data={"cadence_days": None})
    assert _close(contact.due_at, base + 30 * DAY)
    contact = contact_update(actor=owner, contact=contact, data={}, tag_ids=[])
    assert _close(contact.due_at, base + 90 * DAY)


def test_tag_cadence_changes_recompute_every_tagged_contact(owner):
    """Changing or deleting a tag's cadence moves its contacts' due dates (bulk)."""
    tag = tag_create(actor=owner, name="Residency", cadence_days=None)
    contacts = [
        add_contact(owner, f"P{i}", network_type="personal", tag_ids=[tag.pk]) for i in range(3)
    ]
    untagged = add_contact(owner, "Q", network_type="personal")
    tag_update(actor=owner, tag=tag, cadence_days=14)
    for contact in contacts:
        contact.refresh_from_db()
        assert _close(contact.due_at, contact.created_at + 14 * DAY)
    untagged.refresh_from_db()
    assert _close(untagged.due_at, untagged.created_at + 90 * DAY)
    tag_delete(actor=owner, tag=tag)
    for contact in contacts:
        contact.refresh_from_db()
        assert _close(contact.due_at, contact.created_at + 90 * DAY)


def test_changing_the_defaults_recomputes_the_whole_notebook(owner):
    """New defaults apply to every contact that inherits them (not to those with their own)."""
    inherits = add_contact(owner, "A", network_type="strategic")
    own = add_contact(owner, "B", network_type="strategic", cadence_days=10)
    notebook_settings_update(
        actor=owner, operational_days=200, personal_days=100, strategic_days=21
    )
    inherits.refresh_from_db()
    own.refresh_from_db()
    assert _close(inherits.due_at, inherits.created_at + 21 * DAY)
    assert _close(own.due_at, own.created_at + 10 * DAY)
    assert NotebookSettings.objects.get(owner=owner).strategic_days == 21


def test_defaults_outside_the_allowed_range_are_refused(owner):
    """Cadences are between 7 days and 10 years; nothing is saved otherwise."""
    with pytest.raises(ValidationFailed) as caught:
        notebook_settings_update(
            actor=owner, operational_days=3, personal_days="x", strategic_days=60
        )
    assert set(caught.value.errors) == {"operational_days", "personal_days"}
    assert not NotebookSettings.objects.filter(owner=owner).exists()


def test_network_type_of_non_members_is_proposed_from_the_organization(owner):
    """Same organization as the owner's current one → operational, else personal, unless chosen."""
    works_at(owner, "Mercy Hospital")
    colleague = add_contact(owner, "A", organization="mercy hospital")
    elsewhere = add_contact(owner, "B", organization="Acme Clinic")
    chosen = add_contact(owner, "C", organization="Mercy Hospital", network_type="strategic")
    assert colleague.network_type == "operational"
    assert elsewhere.network_type == "personal"
    assert chosen.network_type == "strategic" and chosen.network_type_chosen
    elsewhere = contact_update(
        actor=owner, contact=elsewhere, data={"organization": "Mercy Hospital"}
    )
    assert elsewhere.network_type == "operational"


def test_snooze_pushes_the_reminder_30_days_out(owner):
    """An overdue contact snoozed is due in 30 days; it is then not in the due list."""
    contact = age(add_contact(owner), days=400)
    assert contact.due_at < timezone.now()
    contact = contact_snooze(actor=owner, contact=contact)
    assert _close(contact.due_at, timezone.now() + 30 * DAY)


# --- every source of interaction resets the clock ----------------------------------------------------


@pytest.mark.parametrize("kind", ["message", "event_meeting", "mentorship_checkin", "met", "call"])
def test_each_network_interaction_resets_both_members_clocks(pair, kind):
    """Messages, event meetings, mentorship check-ins, "we met" and calls (all through
    interaction_record) move the clock of both members' contacts of each other."""
    a, b = pair
    for contact in (contact_of(a, b), contact_of(b, a)):
        age(contact, days=300)
    when = timezone.now() - 2 * DAY
    interaction_record(actor=a, other_id=b.pk, kind=kind, occurred_at=when, source="test")
    for contact in (contact_of(a, b), contact_of(b, a)):
        assert contact.last_interaction_at == when
        assert _close(contact.due_at, when + 90 * DAY) or _close(contact.due_at, when + 180 * DAY)
        assert contact.due_at > timezone.now()


def test_an_older_interaction_never_moves_the_clock_back(pair):
    """A late-arriving interaction dated before the last one changes nothing."""
    a, b = pair
    age(contact_of(a, b), days=300)
    recent = timezone.now() - DAY
    interaction_record(actor=a, other_id=b.pk, kind="message", occurred_at=recent)
    before = contact_of(a, b)
    interaction_record(actor=b, other_id=a.pk, kind="call", occurred_at=recent - 100 * DAY)
    after = contact_of(a, b)
    assert after.last_interaction_at == recent
    assert after.due_at == before.due_at


def test_manual_call_on_a_member_contact_goes_through_the_interaction_log(pair):
    """Logging a call on a member contact records a network interaction (kind call), which
    resets both sides' clocks."""
    a, b = pair
    for contact in (contact_of(a, b), contact_of(b, a)):
        age(contact, days=300)
    contact = contact_of(a, b)
    yesterday = timezone.localdate() - DAY
    note = note_create(actor=a, contact=contact, kind="call", occurred_on=yesterday, body="")
    entry = Interaction.objects.get(source=f"contacts:note:{note.pk}")
    assert (entry.actor_id, entry.other_id, entry.kind) == (a.pk, b.pk, "call")
    assert contact_of(a, b).last_interaction_at == entry.occurred_at
    assert contact_of(b, a).last_interaction_at == entry.occurred_at


@pytest.mark.parametrize("who_blocked", ["owner", "member"])
def test_logging_with_a_blocked_member_stays_in_the_owners_notebook(pair, who_blocked):
    """After a block (either way) the contact and its clock stay the owner's, but a call the
    owner logs no longer reaches the other member: no interaction, their contact of the owner
    keeps its clock (else a blocked member could keep writing into the blocker's notebook)."""
    from rounds.network.services import block

    a, b = pair
    for contact in (contact_of(a, b), contact_of(b, a)):
        age(contact, days=300)
    theirs_before = contact_of(b, a).last_interaction_at
    if who_blocked == "owner":
        block(actor=a, blocked=b)
    else:
        block(actor=b, blocked=a)
    mine = contact_of(a, b)
    note = note_create(
        actor=a, contact=mine, kind="call", occurred_on=timezone.localdate() - DAY, body=""
    )
    assert not Interaction.objects.filter(source=f"contacts:note:{note.pk}").exists()
    assert contact_of(a, b).last_interaction_at == occurred_at_for(note.occurred_on)
    assert contact_of(b, a).last_interaction_at == theirs_before


@pytest.mark.parametrize(
    ("kind", "recorded"), [("coffee", "met"), ("meeting", "met"), ("email", "message")]
)
def test_other_conversations_on_member_contacts_map_to_interaction_kinds(pair, kind, recorded):
    """Coffee and meetings are "we met", emails are messages."""
    a, b = pair
    note = note_create(
        actor=a, contact=contact_of(a, b), kind=kind, occurred_on=timezone.localdate()
    )
    assert Interaction.objects.get(source=f"contacts:note:{note.pk}").kind == recorded


def test_manual_log_on_a_non_member_sets_the_clock_directly(owner):
    """A coffee with someone not on Rounds resets their clock; no network interaction is made."""
    contact = age(add_contact(owner, network_type="personal"), days=200)
    day = timezone.localdate() - 3 * DAY
    note_create(actor=owner, contact=contact, kind="coffee", occurred_on=day, body="Talked QI.")
    contact.refresh_from_db()
    assert contact.last_interaction_at.date() == day
    assert _close(contact.due_at, contact.last_interaction_at + 90 * DAY)
    assert not Interaction.objects.exists()


def test_a_plain_note_does_not_reset_the_clock(owner):
    """Writing down what someone cares about is not a conversation."""
    contact = age(add_contact(owner), days=200)
    due = contact.due_at
    note_create(
        actor=owner,
        contact=contact,
        kind="note",
        occurred_on=timezone.localdate(),
        body="Cares about X.",
    )
    contact.refresh_from_db()
    assert contact.due_at == due and contact.last_interaction_at is None


def test_editing_a_conversation_to_an_earlier_date_keeps_the_clock(owner):
    """Moving a logged call back in time does not move the clock back; moving it later does."""
    contact = age(add_contact(owner), days=200)
    today = timezone.localdate()
    note = note_create(actor=owner, contact=contact, kind="call", occurred_on=today - 5 * DAY)
    contact.refresh_from_db()
    first = contact.last_interaction_at
    note_update(actor=owner, note=note, kind="call", occurred_on=today - 50 * DAY, body="")
    contact.refresh_from_db()
    assert contact.last_interaction_at == first
    note_update(actor=owner, note=note, kind="call", occurred_on=today, body="")
    contact.refresh_from_db()
    assert contact.last_interaction_at > first


def test_notes_refuse_future_dates_unknown_kinds_and_empty_plain_notes(owner):
    """Validation names the field; nothing is written."""
    contact = add_contact(owner)
    cases = [
        ({"kind": "call", "occurred_on": timezone.localdate() + DAY}, "occurred_on"),
        ({"kind": "gossip", "occurred_on": timezone.localdate()}, "kind"),
        ({"kind": "note", "occurred_on": timezone.localdate(), "body": "  "}, "body"),
        ({"kind": "note", "occurred_on": timezone.localdate(), "body": "x" * 5001}, "body"),
        ({"kind": "note", "occurred_on": "2024-01-01", "body": "x"}, "occurred_on"),
    ]
    for data, field in cases:
        with pytest.raises(ValidationFailed) as caught:
            note_create(actor=owner, contact=contact, **data)
        assert field in caught.value.errors
    assert not ContactNote.objects.exists()


def test_member_contact_network_type_follows_the_connection(pair):
    """A member contact mirrors the owner's private type of the connection; changing it in the
    notebook changes the connection, and a change on the network page reaches the notebook."""
    from rounds.contacts.services import contacts_sync_network_types
    from rounds.network.models import Connection

    a, b = pair
    unchanged = contact_of(a, b).network_type
    contact_update(actor=a, contact=contact_of(a, b), data={"network_type": unchanged})
    assert Connection.objects.get(owner=a, other=b).override_type == ""  # still the proposal
    contact = contact_update(actor=a, contact=contact_of(a, b), data={"network_type": "strategic"})
    assert contact.network_type == "strategic"
    assert Connection.objects.get(owner=a, other=b).override_type == "strategic"
    connection_set_type(actor=a, other_id=b.pk, network_type="operational")
    # connection_set_type synced the notebook itself: nothing is left for the nightly sync
    assert contacts_sync_network_types(owner_ids=[a.pk]) == 0
    contact = contact_of(a, b)
    assert contact.network_type == "operational"
    assert _close(contact.due_at, contact.last_interaction_at + 180 * DAY)


def test_archived_contacts_keep_their_clock_but_leave_the_due_list(owner):
    """Archiving hides a contact from reminders; restoring brings it back."""
    from rounds.contacts.selectors import due_list_for

    contact = age(add_contact(owner), days=400)
    assert [i.contact.pk for i in due_list_for(viewer=owner).items] == [contact.pk]
    contact_update(actor=owner, contact=contact, data={"archived": True})
    assert due_list_for(viewer=owner).items == []
    contact_update(
        actor=owner, contact=Contact.objects.get(pk=contact.pk), data={"archived": False}
    )
    assert len(due_list_for(viewer=owner).items) == 1
