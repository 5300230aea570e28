"""Migration contacts/0002 (contacts for connections made before the notebook) is set-based:
``INSERT ... SELECT`` per range of connection ids. Its result must equal the row-by-row
backfill it replaced (kept below as ``reference_create_contacts``), on SQLite and on
PostgreSQL, with the historical models of the migration's state; and its reverse removes the
connection contacts without notes (and their tag links) only."""

from __future__ import annotations

import datetime as dt
import importlib
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from rounds.contacts.models import Contact, ContactNote, ContactTag
from rounds.network.models import Connection
from rounds.profiles.tests.factories import (
    AffiliationFactory,
    OrganizationFactory,
    ProfileFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

migration = importlib.import_module("rounds.contacts.migrations.0002_contacts_for_connections")
NODE = ("contacts", "0002_contacts_for_connections")

COMPARED = (
    "owner_id",
    "member_id",
    "connected",
    "name",
    "organization",
    "title",
    "email",
    "phone",
    "url",
    "how_met",
    "network_type",
    "network_type_chosen",
    "cadence_days",
    "last_interaction_at",
    "snoozed_until",
    "due_at",
    "nudged_due_at",
    "source",
    "linkedin_connected_on",
    "archived",
)


def reference_create_contacts(apps, schema_editor):
    """The migration's original, row-by-row implementation (verbatim but for the batch size)."""
    Connection = apps.get_model("network", "Connection")
    Contact = apps.get_model("contacts", "Contact")
    Profile = apps.get_model("profiles", "Profile")
    Affiliation = apps.get_model("profiles", "Affiliation")
    default_days = {"operational": 180, "personal": 90, "strategic": 60}
    now = timezone.now()
    last_id = 0
    while True:
        sides = list(
            Connection.objects.filter(pk__gt=last_id)
            .order_by("pk")
            .values(
                "pk",
                "owner_id",
                "other_id",
                "override_type",
                "proposed_type",
                "last_interaction_at",
                "created_at",
            )[:3]
        )
        if not sides:
            return
        last_id = sides[-1]["pk"]
        others = {s["other_id"] for s in sides}
        names = dict(
            Profile.objects.filter(user_id__in=others).values_list("user_id", "display_name")
        )
        positions = {}
        for user_id, org, title in (
            Affiliation.objects.filter(user_id__in=others, is_current=True)
            .order_by("start_date", "id")
            .values_list("user_id", "organization__name", "title")
        ):
            positions.setdefault(user_id, (org or "", title or ""))
        existing = set(
            Contact.objects.filter(
                owner_id__in={s["owner_id"] for s in sides}, member_id__in=others
            ).values_list("owner_id", "member_id")
        )
        rows = []
        for side in sides:
            if (side["owner_id"], side["other_id"]) in existing:
                continue
            network_type = side["override_type"] or side["proposed_type"] or "personal"
            last = side["last_interaction_at"]
            base = last or side["created_at"] or now
            org, title = positions.get(side["other_id"], ("", ""))
            rows.append(
                Contact(
                    owner_id=side["owner_id"],
                    member_id=side["other_id"],
                    connected=True,
                    name=(names.get(side["other_id"]) or "A member")[:200],
                    organization=org[:200],
                    title=title[:200],
                    network_type=network_type,
                    last_interaction_at=base,
                    due_at=base + dt.timedelta(days=default_days.get(network_type, 90)),
                    source="connection",
                )
            )
        Contact.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)


@pytest.fixture(scope="module")
def historical_apps(django_db_blocker):
    """The models as the migration sees them (its project state)."""
    with django_db_blocker.unblock():
        return MigrationExecutor(connection).loader.project_state(NODE).apps


def _tie(a, b, sides=None) -> None:
    """Both sides of a connection written directly (the services would create contacts);
    ``sides``: fields of each side by its owner's id."""
    for owner, other in ((a, b), (b, a)):
        Connection.objects.create(owner=owner, other=other, **(sides or {}).get(owner.pk, {}))


def _world():
    """Connections covering every rule; returns the users."""
    now = timezone.now()
    hospital = OrganizationFactory(name="Lakeside Hospital")
    clinic = OrganizationFactory(name="Riverside Clinic")
    ana = ProfileFactory(display_name="Ana Ruiz").user
    ben = ProfileFactory(display_name="Ben Okafor").user
    chen = ProfileFactory(display_name="").user  # no name: "A member"
    dev = UserFactory()  # no profile at all: "A member"
    eve = ProfileFactory(display_name="E" * 120).user
    # Ana: two current positions (the earliest start wins; how NULL sorts is the database's),
    # and a past one that never counts.
    AffiliationFactory(user=ana, organization=clinic, title="Clinic lead", start_date=None)
    AffiliationFactory(
        user=ana, organization=hospital, title="Hospitalist", start_date=dt.date(2015, 1, 1)
    )
    AffiliationFactory(
        user=ana,
        organization=clinic,
        title="Resident",
        start_date=dt.date(2010, 1, 1),
        end_date=dt.date(2014, 1, 1),
        is_current=False,
    )
    AffiliationFactory(user=ben, organization=hospital, title="", start_date=dt.date(2020, 5, 1))
    _tie(
        ana,
        ben,
        {
            ana.pk: {"override_type": "strategic", "last_interaction_at": now - dt.timedelta(3)},
            ben.pk: {"proposed_type": "operational", "last_interaction_at": now},
        },
    )
    _tie(ana, chen, {chen.pk: {"proposed_type": "strategic"}})
    _tie(ben, dev, {ben.pk: {"override_type": "operational", "proposed_type": "strategic"}})
    _tie(chen, eve)
    _tie(dev, eve, {dev.pk: {"last_interaction_at": now - dt.timedelta(days=400)}})
    # A connection made long ago without interactions: its clock starts when it was made.
    Connection.objects.filter(owner=chen, other=eve).update(created_at=now - dt.timedelta(999))
    return ana, ben, chen, dev, eve


def _snapshot() -> dict[tuple[int, int], tuple]:
    return {
        (row[0], row[1]): row
        for row in Contact.objects.order_by("owner_id", "member_id").values_list(*COMPARED)
    }


def _run(function, apps) -> dict[tuple[int, int], tuple]:
    Contact.objects.all().delete()
    function(apps, SimpleNamespace(connection=connection))
    return _snapshot()


def test_set_based_backfill_equals_the_row_by_row_one(historical_apps, monkeypatch):
    ana, ben, chen, dev, eve = _world()
    # A contact that exists already is left alone (and not duplicated).
    before = timezone.now()
    expected = _run(reference_create_contacts, historical_apps)
    assert len(expected) == Connection.objects.count() == 10
    monkeypatch.setattr(migration, "BATCH", 2)  # several INSERT ... SELECT statements
    got = _run(migration.create_contacts, historical_apps)
    assert got == expected
    after = timezone.now()
    for created, updated in Contact.objects.values_list("created_at", "updated_at"):
        assert before <= created <= after and before <= updated <= after
    # Spot checks of each rule.
    ana_ben = Contact.objects.get(owner=ana, member=ben)
    assert (ana_ben.name, ana_ben.organization, ana_ben.title) == (
        "Ben Okafor",
        "Lakeside Hospital",
        "",
    )
    assert ana_ben.network_type == "strategic"
    assert ana_ben.due_at == ana_ben.last_interaction_at + dt.timedelta(days=60)
    assert Contact.objects.get(owner=ben, member=ana).network_type == "operational"
    assert Contact.objects.get(owner=ana, member=chen).name == "A member"
    assert Contact.objects.get(owner=ben, member=dev).name == "A member"
    assert Contact.objects.get(owner=chen, member=eve).name == "E" * 120
    old = Contact.objects.get(owner=chen, member=eve)
    made = Connection.objects.get(owner=chen, other=eve).created_at
    assert old.last_interaction_at == made and old.due_at == made + dt.timedelta(days=90)
    assert {c.network_type for c in Contact.objects.filter(owner=dev)} == {"personal"}


def test_existing_contacts_are_kept_and_not_duplicated(historical_apps):
    ana, ben, *_ = _world()
    Contact.objects.all().delete()
    mine = Contact.objects.create(
        owner=ana, member=ben, name="Benny", due_at=timezone.now(), source="manual"
    )
    migration.create_contacts(historical_apps, SimpleNamespace(connection=connection))
    assert Contact.objects.filter(owner=ana, member=ben).get() == mine
    assert Contact.objects.get(pk=mine.pk).name == "Benny"
    assert Contact.objects.count() == Connection.objects.count()
    # Running again adds nothing.
    migration.create_contacts(historical_apps, SimpleNamespace(connection=connection))
    assert Contact.objects.count() == Connection.objects.count()


def test_no_connections_is_a_no_op(historical_apps):
    migration.create_contacts(historical_apps, SimpleNamespace(connection=connection))
    assert not Contact.objects.exists()


def test_reverse_removes_connection_contacts_without_notes(historical_apps, monkeypatch):
    ana, ben, chen, *_ = _world()
    Contact.objects.all().delete()
    migration.create_contacts(historical_apps, SimpleNamespace(connection=connection))
    tag = ContactTag.objects.create(owner=ana, name="Board")
    tagged = Contact.objects.get(owner=ana, member=ben)
    tagged.tags.add(tag)
    noted = Contact.objects.get(owner=ana, member=chen)
    ContactNote.objects.create(contact=noted, occurred_on=dt.date(2026, 1, 1), body="Kept")
    manual = Contact.objects.create(owner=ana, name="Not a member", due_at=timezone.now())
    monkeypatch.setattr(migration, "DELETE_BATCH", 3)
    migration.remove_contacts(historical_apps, SimpleNamespace(connection=connection))
    assert set(Contact.objects.values_list("pk", flat=True)) == {noted.pk, manual.pk}
    assert not Contact.tags.through.objects.exists()
    assert ContactTag.objects.filter(pk=tag.pk).exists()
