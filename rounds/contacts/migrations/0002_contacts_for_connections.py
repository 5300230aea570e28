"""Every connection is a contact: create the notebook entries of connections made before the
notebook existed (both sides), with the connection's network type and last interaction, and
the default cadences (no member has changed theirs yet). Later connections get theirs from
``network.services.connection_create``. Reversible (removes the connection contacts without
notes).

Set-based: one ``INSERT INTO contacts_contact (...) SELECT ... FROM network_connection`` per
range of connection ids (the SELECT is built with the ORM and compiled by the database's own
backend, so the date arithmetic is PostgreSQL's ``+ interval`` or Django's SQLite function),
instead of reading every connection, profile and affiliation into Python. Per side
``owner → other`` without a contact of ``other`` in ``owner``'s notebook:

- name: ``other``'s display name ("A member" without one), organization and title: of their
  first current affiliation by ``(start_date, id)`` (empty without one);
- network type: the override, else the proposal, else personal;
- ``last_interaction_at``: the connection's last interaction, else when it was made;
  ``due_at``: that + 180 / 90 / 60 days (operational / personal / strategic);
- connected, source "connection", everything else empty.
"""

import datetime as dt

from django.db import migrations
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Left, NullIf
from django.utils import timezone

DEFAULT_DAYS = {"operational": 180, "personal": 90, "strategic": 60}
FALLBACK_DAYS = 90
#: Connection ids per INSERT ... SELECT (bounds each statement, not the number of rows).
BATCH = 50_000
DELETE_BATCH = 2000


def _text(value):
    return Value(value, output_field=CharField())


def _later(moment, days):
    return ExpressionWrapper(
        moment + Value(dt.timedelta(days=days), output_field=DurationField()),
        output_field=DateTimeField(),
    )


def _sides_to_insert(apps, now):
    """The SELECT: one row per connection side lacking a contact, as Contact columns
    (annotation name → column name)."""
    Connection = apps.get_model("network", "Connection")
    Contact = apps.get_model("contacts", "Contact")
    Profile = apps.get_model("profiles", "Profile")
    Affiliation = apps.get_model("profiles", "Affiliation")

    display_name = Subquery(
        Profile.objects.filter(user_id=OuterRef("other_id")).values("display_name")[:1]
    )
    current = Affiliation.objects.filter(user_id=OuterRef("other_id"), is_current=True).order_by(
        "start_date", "id"
    )
    base = Coalesce(
        F("last_interaction_at"),
        F("created_at"),
        Value(now, output_field=DateTimeField()),
        output_field=DateTimeField(),
    )
    columns = {
        "c_owner": ("owner_id", F("owner_id")),
        "c_member": ("member_id", F("other_id")),
        "c_connected": ("connected", Value(True, output_field=BooleanField())),
        "c_name": (
            "name",
            Left(Coalesce(NullIf(display_name, _text("")), _text("A member")), 200),
        ),
        "c_organization": (
            "organization",
            Left(Coalesce(Subquery(current.values("organization__name")[:1]), _text("")), 200),
        ),
        "c_title": ("title", Left(Coalesce(Subquery(current.values("title")[:1]), _text("")), 200)),
        "c_email": ("email", _text("")),
        "c_phone": ("phone", _text("")),
        "c_url": ("url", _text("")),
        "c_how_met": ("how_met", _text("")),
        "c_network_type": (
            "network_type",
            Coalesce(
                NullIf(F("override_type"), _text("")),
                NullIf(F("proposed_type"), _text("")),
                _text("personal"),
                output_field=CharField(),
            ),
        ),
        "c_network_type_chosen": ("network_type_chosen", Value(False, output_field=BooleanField())),
        "c_last_interaction_at": ("last_interaction_at", base),
        "c_source": ("source", _text("connection")),
        "c_archived": ("archived", Value(False, output_field=BooleanField())),
        "c_created_at": ("created_at", Value(now, output_field=DateTimeField())),
        "c_updated_at": ("updated_at", Value(now, output_field=DateTimeField())),
    }
    # due_at follows the network type chosen above.
    columns["c_due_at"] = (
        "due_at",
        Case(
            *[
                When(c_network_type=network_type, then=_later(base, days))
                for network_type, days in DEFAULT_DAYS.items()
            ],
            default=_later(base, FALLBACK_DAYS),
            output_field=DateTimeField(),
        ),
    )
    has_contact = Contact.objects.filter(
        owner_id=OuterRef("owner_id"), member_id=OuterRef("other_id")
    )
    queryset = (
        Connection.objects.filter(~Exists(has_contact))
        .annotate(**{alias: expression for alias, (_, expression) in columns.items()})
        .values(*columns)
        .order_by()
    )
    return queryset, {alias: column for alias, (column, _) in columns.items()}


def create_contacts(apps, schema_editor):
    Connection = apps.get_model("network", "Connection")
    Contact = apps.get_model("contacts", "Contact")
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    highest = Connection.objects.aggregate(highest=Max("pk"))["highest"]
    if highest is None:
        return
    selection, column_of = _sides_to_insert(apps, timezone.now())
    low = 0
    while low < highest:
        batch = selection.filter(pk__gt=low, pk__lte=low + BATCH)
        compiler = batch.query.get_compiler(connection=connection)
        select_sql, params = compiler.as_sql()
        # The compiler decides the order of the selected columns: name them in that order.
        aliases = [alias for _, _, alias in compiler.select]
        assert sorted(aliases) == sorted(column_of), aliases
        target = ", ".join(quote(column_of[alias]) for alias in aliases)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {quote(Contact._meta.db_table)} ({target}) {select_sql}", params
            )
        low += BATCH


def remove_contacts(apps, schema_editor):
    Contact = apps.get_model("contacts", "Contact")
    ContactNote = apps.get_model("contacts", "ContactNote")
    doomed = Contact.objects.filter(source="connection").filter(
        ~Exists(ContactNote.objects.filter(contact_id=OuterRef("pk")))
    )
    # Their tag links in one statement; then the contacts, a bounded batch at a time.
    Contact.tags.through.objects.filter(contact_id__in=doomed.values("pk")).delete()
    while True:
        ids = list(doomed.order_by().values_list("pk", flat=True)[:DELETE_BATCH])
        if not ids:
            return
        Contact.objects.filter(pk__in=ids).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0001_initial"),
        ("network", "0001_initial"),
        ("profiles", "0002_load_vocabularies"),
    ]

    operations = [migrations.RunPython(create_contacts, remove_contacts)]
