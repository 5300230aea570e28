"""Every connection is a contact: create the notebook entries of connections made before the
notebook existed (both sides), with the connection's network type and last interaction, and
the default cadences (no member has changed theirs yet). Later connections get theirs from
``network.services.connection_create``. Batched; reversible (removes only these entries)."""

import datetime as dt

from django.db import migrations
from django.utils import timezone

DEFAULT_DAYS = {"operational": 180, "personal": 90, "strategic": 60}
BATCH = 2000


def create_contacts(apps, schema_editor):
    Connection = apps.get_model("network", "Connection")
    Contact = apps.get_model("contacts", "Contact")
    Profile = apps.get_model("profiles", "Profile")
    Affiliation = apps.get_model("profiles", "Affiliation")
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
            )[:BATCH]
        )
        if not sides:
            return
        last_id = sides[-1]["pk"]
        others = {s["other_id"] for s in sides}
        names = dict(Profile.objects.filter(user_id__in=others).values_list("user_id", "display_name"))
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
                    due_at=base + dt.timedelta(days=DEFAULT_DAYS.get(network_type, 90)),
                    source="connection",
                )
            )
        Contact.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)


def remove_contacts(apps, schema_editor):
    Contact = apps.get_model("contacts", "Contact")
    Contact.objects.filter(source="connection", notes__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0001_initial"),
        ("network", "0001_initial"),
        ("profiles", "0002_load_vocabularies"),
    ]

    operations = [migrations.RunPython(create_contacts, remove_contacts)]
