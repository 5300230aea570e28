"""Every connection is a contact: on connect (both sides), after removal or a block (kept, not
connected), on reconnect, for connections made before the notebook (data migration), and in the
demo community."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps as global_apps
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from rounds.accounts.models import User
from rounds.contacts.models import Contact, ContactNote
from rounds.contacts.services import note_create
from rounds.network.models import Connection
from rounds.network.services import block, connection_remove
from rounds.network.tests.factories import connect

from .factories import contact_of, works_at

pytestmark = pytest.mark.django_db


def test_connecting_adds_each_member_to_the_others_notebook(member, other_member):
    """Both sides get a contact: the other's name, current position, the connection's type."""
    works_at(other_member.user, "Mercy Hospital")
    works_at(member.user, "Mercy Hospital")
    connect(member.user, other_member.user)
    mine = contact_of(member.user, other_member.user)
    theirs = contact_of(other_member.user, member.user)
    assert mine.name == other_member.display_name and theirs.name == member.display_name
    assert mine.organization == "Mercy Hospital" and mine.title == "Attending physician"
    assert mine.connected and theirs.connected
    assert mine.source == Contact.Source.CONNECTION
    assert mine.network_type == Connection.objects.get(owner=member.user).network_type
    assert mine.network_type == "operational"
    assert mine.last_interaction_at is not None and mine.due_at > timezone.now()


def test_removing_a_connection_keeps_the_contact_and_its_notes(member, other_member):
    """Removal marks the contact not connected; the member link and notes stay."""
    connect(member.user, other_member.user)
    contact = contact_of(member.user, other_member.user)
    note_create(
        actor=member.user,
        contact=contact,
        kind="note",
        occurred_on=timezone.localdate(),
        body="Cares about rural residency tracks.",
    )
    connection_remove(actor=member.user, other_id=other_member.user.pk)
    contact.refresh_from_db()
    assert contact.member_id == other_member.user.pk and not contact.connected
    assert ContactNote.objects.filter(contact=contact).count() == 1
    assert not contact_of(other_member.user, member.user).connected


def test_reconnecting_reuses_the_contact(member, other_member):
    """Connecting again marks the same contact connected: no duplicate, notes intact."""
    connect(member.user, other_member.user)
    first = contact_of(member.user, other_member.user)
    connection_remove(actor=other_member.user, other_id=member.user.pk)
    connect(other_member.user, member.user)
    again = contact_of(member.user, other_member.user)
    assert again.pk == first.pk and again.connected
    assert Contact.objects.filter(owner=member.user).count() == 1


def test_blocking_keeps_both_notebooks_but_disconnects(member, other_member):
    """A block removes the connection (network), and both contacts are marked not connected."""
    connect(member.user, other_member.user)
    block(actor=member.user, blocked=other_member.user)
    assert not contact_of(member.user, other_member.user).connected
    assert not contact_of(other_member.user, member.user).connected


def test_data_migration_creates_contacts_for_existing_connections(member, other_member):
    """Connections made before the notebook get contacts on both sides (and only once)."""
    connect(member.user, other_member.user)
    Contact.objects.all().delete()
    Connection.objects.filter(owner=member.user).update(override_type="strategic")
    migration = importlib.import_module("rounds.contacts.migrations.0002_contacts_for_connections")
    schema_editor = SimpleNamespace(connection=connection)  # what RunPython code uses of it
    migration.create_contacts(global_apps, schema_editor)
    migration.create_contacts(global_apps, schema_editor)  # idempotent
    assert Contact.objects.count() == 2
    mine = contact_of(member.user, other_member.user)
    assert mine.network_type == "strategic" and mine.connected
    assert mine.name == other_member.display_name
    assert mine.due_at > timezone.now()


def test_seed_demo_gives_every_connection_a_contact_and_the_demo_member_a_notebook():
    """Seeded connections are contacts on both sides; the demo member has tags, notes, people
    not on Rounds and some contacts due to reconnect."""
    from rounds.contacts.selectors import due_list_for

    call_command("seed_demo", "--members", "30", "--seed", "4", stdout=None)
    sides = set(Connection.objects.values_list("owner_id", "other_id"))
    linked = set(
        Contact.objects.filter(member__isnull=False, connected=True).values_list(
            "owner_id", "member_id"
        )
    )
    assert sides and sides == linked
    demo = User.objects.get(email="demo@rounds.example")
    assert Contact.objects.filter(owner=demo, member__isnull=True).count() >= 4
    assert ContactNote.objects.filter(contact__owner=demo).count() >= 5
    assert demo.contact_tags.count() == 3
    assert due_list_for(viewer=demo).items


def test_type_changes_made_on_the_network_pages_reach_the_notebook(member, other_member):
    """Overriding a connection's type, or a label that re-proposes it, updates the contact."""
    from rounds.network.services import connection_set_label, connection_set_type
    from rounds.profiles.models import Goal

    goal = Goal.objects.first()
    member.goals.add(goal)
    other_member.goals.add(goal)
    connect(member.user, other_member.user)
    assert contact_of(member.user, other_member.user).network_type == "strategic"
    connection_set_type(
        actor=member.user, other_id=other_member.user.pk, network_type="operational"
    )
    assert contact_of(member.user, other_member.user).network_type == "operational"
    connection_set_type(actor=member.user, other_id=other_member.user.pk, network_type="")
    assert contact_of(member.user, other_member.user).network_type == "strategic"
    connection_set_label(actor=member.user, other_id=other_member.user.pk, label="friend")
    assert contact_of(member.user, other_member.user).network_type == "personal"
    assert contact_of(other_member.user, member.user).network_type == "strategic"
