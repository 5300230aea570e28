"""The data-rights contract of notifications: the export holds the member's notifications
and email settings (nothing of anyone else's); erasure leaves no trace of them."""

from __future__ import annotations

import json

import pytest
from django.db.models import CharField, TextField

from rounds.notifications.datarights import erase_member_data, export_member_data
from rounds.notifications.models import Kind, Notification, NotificationPreference
from rounds.notifications.services import notify, preferences_update
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db

CANARY = "canary-7f3e9a"


def rows_containing(text: str) -> list[str]:
    """Every row of this app's tables with ``text`` in a text column."""
    found = []
    for model in (Notification, NotificationPreference):
        for field in model._meta.get_fields():
            if isinstance(field, CharField | TextField):
                for pk in model.objects.filter(**{f"{field.name}__contains": text}).values_list(
                    "pk", flat=True
                ):
                    found.append(f"{model.__name__}.{field.name}#{pk}")
    return found


@pytest.mark.parametrize("anonymise", [False, True])
def test_export_then_erase_leaves_no_canary(anonymise):
    """Every text field holds a canary; the export has them all, erase + delete leaves none."""
    member = ProfileFactory(display_name=f"Dr {CANARY}").user
    other = ProfileFactory().user
    mine = notify(
        recipient_id=member.pk, kind=Kind.MENTION, text=f"{CANARY} text", url=f"/{CANARY}/"
    )
    # A notification the member caused for someone else names them.
    caused = notify(
        recipient_id=other.pk,
        kind=Kind.CONNECTION_ACCEPTED,
        text=f"Dr {CANARY} accepted",
        actor_id=member.pk,
    )
    others_own = notify(
        recipient_id=other.pk, kind=Kind.MENTION, text="Private to the other member"
    )
    preferences_update(actor=member, changes={Kind.POST_LIKE: "digest"})
    preferences_update(actor=other, changes={Kind.MESSAGE: "off"})

    exported = export_member_data(member)
    dumped = json.dumps(exported)
    assert set(exported) == {"notifications", "notification_settings"}
    assert [n["id"] for n in exported["notifications"]] == [mine.pk]
    assert f"{CANARY} text" in dumped and f"/{CANARY}/" in dumped
    assert "Private to the other member" not in dumped and caused.text not in dumped
    settings = exported["notification_settings"]
    assert settings["email"] == member.email
    likes = next(d for d in settings["email_delivery"] if d["kind"] == Kind.POST_LIKE)
    assert likes["delivery"] == "digest" and likes["chosen_by_member"] is True
    assert len(settings["email_delivery"]) == len(Kind.values)

    assert rows_containing(CANARY)
    erase_member_data(member, anonymise=anonymise)
    member.delete()
    assert rows_containing(CANARY) == []
    assert not NotificationPreference.objects.filter(user_id=member.pk).exists()
    # The other member's own notification and choices are untouched.
    assert Notification.objects.filter(pk=others_own.pk).exists()
    assert NotificationPreference.objects.filter(user=other).count() == 1
