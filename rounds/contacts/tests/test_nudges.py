"""Keep-in-touch nudges: one notification per member per run, only for contacts that fell due
since the last nudge, in bounded batches, through the command and the task."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from rounds.contacts.models import Contact, NotebookSettings
from rounds.contacts.services import contact_update, keep_in_touch_nudges_send
from rounds.contacts.tasks import send_keep_in_touch_nudges
from rounds.notifications.models import Kind, Notification
from rounds.profiles.tests.factories import ProfileFactory

from .factories import add_contact, age

pytestmark = pytest.mark.django_db


def _nudges(user):
    return list(Notification.objects.filter(recipient=user, kind=Kind.KEEP_IN_TOUCH))


def test_one_nudge_per_member_counting_newly_due_contacts(member):
    """Three overdue contacts → one notification "3 people are due for a catch-up" linking to
    the due list; running again sends nothing until another contact falls due."""
    owner = member.user
    for i in range(3):
        age(add_contact(owner, f"P{i}"), days=200)
    add_contact(owner, "Fresh")
    assert keep_in_touch_nudges_send() == 1
    (nudge,) = _nudges(owner)
    assert nudge.text == "3 people are due for a catch-up" and nudge.url == "/contacts/due/"
    assert keep_in_touch_nudges_send() == 0
    age(Contact.objects.get(owner=owner, name="Fresh"), days=100)
    assert keep_in_touch_nudges_send() == 1
    assert _nudges(owner)[0].text == "1 person is due for a catch-up"


def test_archived_contacts_and_inactive_members_are_not_nudged(member):
    """Archived contacts do not count; deactivated accounts get nothing."""
    owner = member.user
    contact = age(add_contact(owner), days=200)
    contact_update(actor=owner, contact=contact, data={"archived": True})
    other = ProfileFactory().user
    age(add_contact(other), days=200)
    other.is_active = False
    other.save(update_fields=["is_active"])
    assert keep_in_touch_nudges_send() == 0


def test_batches_cover_every_member(member):
    """With a batch of 2, five members are all nudged once."""
    users = [ProfileFactory().user for _ in range(5)]
    for user in users:
        age(add_contact(user), days=300)
    assert keep_in_touch_nudges_send(batch_size=2) == 5
    assert all(len(_nudges(u)) == 1 for u in users)
    assert NotebookSettings.objects.filter(last_nudged_at__isnull=False).count() == 5


def test_the_command_and_the_task(member):
    """``manage.py send_keep_in_touch_nudges`` reports the count; the task runs the same."""
    age(add_contact(member.user), days=300)
    out = StringIO()
    call_command("send_keep_in_touch_nudges", "--batch-size", "10", stdout=out)
    assert "1 member" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("send_keep_in_touch_nudges", "--batch-size", "0")
    later = timezone.now() + dt.timedelta(days=400)
    assert keep_in_touch_nudges_send(now=later) == 0  # the same contact, still the same due date
    age(add_contact(member.user, "Other"), days=300)
    result = send_keep_in_touch_nudges.enqueue()
    assert result.return_value == 1


def test_the_command_cancels_stale_import_previews(member):
    """Previews left unconfirmed for 14 days are cancelled and their rows dropped."""
    from rounds.contacts.imports import contact_import_create
    from rounds.contacts.models import ContactImport

    data = b"First Name,Last Name,Company,Position\nAna,Ruiz,Mercy,Nurse\n"
    old = contact_import_create(actor=member.user, kind="linkedin", data=data)
    ContactImport.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=15)
    )
    out = StringIO()
    call_command("send_keep_in_touch_nudges", stdout=out)
    old.refresh_from_db()
    assert old.state == "cancelled" and old.rows == []
    assert "1 stale import preview" in out.getvalue()
