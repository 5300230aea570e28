"""The notification services: notify's contract, reading, preferences and pruning."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from rounds.core.errors import NotFound, ValidationFailed
from rounds.network.services import block
from rounds.notifications.models import (
    DEFAULT_DELIVERY,
    KIND_GROUPS,
    Delivery,
    Kind,
    Notification,
    NotificationPreference,
)
from rounds.notifications.services import (
    MAX_TEXT,
    delivery_for,
    is_internal_url,
    notification_mark_read,
    notification_open,
    notifications_mark_all_read,
    notifications_prune,
    notify,
    preferences_update,
)
from rounds.notifications.tests.factories import many, note
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana():
    return ProfileFactory(display_name="Ana Ruiz").user


@pytest.fixture
def ben():
    return ProfileFactory(display_name="Ben Okafor").user


def test_every_kind_is_in_exactly_one_group_with_a_default():
    """The preferences page shows each kind once, and each has a default delivery."""
    grouped = [kind for group in KIND_GROUPS for kind, _ in group.kinds]
    assert sorted(grouped) == sorted(Kind.values)
    assert set(DEFAULT_DELIVERY) == set(Kind.values)


def test_notify_records_a_notification(ana, ben):
    """notify() stores an unread notification with its text, link and actor."""
    created = notify(
        recipient_id=ana.pk,
        kind=Kind.MENTION,
        text="Ben  mentioned\nyou",
        url="/x/",
        actor_id=ben.pk,
    )
    assert created is not None
    stored = Notification.objects.get(pk=created.pk)
    assert (stored.recipient_id, stored.actor_id, stored.text, stored.url) == (
        ana.pk,
        ben.pk,
        "Ben mentioned you",
        "/x/",
    )
    assert stored.read_at is None and stored.emailed_at is None


def test_notify_skips_the_actor_themselves(ana):
    """Nobody is notified about their own action."""
    assert (
        notify(recipient_id=ana.pk, kind=Kind.MENTION, text="You did it", actor_id=ana.pk) is None
    )
    assert not Notification.objects.exists()


def test_notify_skips_actors_the_recipient_blocked(ana, ben):
    """A member never hears from someone they blocked; the other way round they still do."""
    block(actor=ana, blocked=ben)
    assert (
        notify(recipient_id=ana.pk, kind=Kind.MENTION, text="Ben did it", actor_id=ben.pk) is None
    )
    assert not Notification.objects.filter(recipient=ana).exists()
    assert (
        notify(recipient_id=ben.pk, kind=Kind.MODERATION, text="Outcome", actor_id=ana.pk)
        is not None
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
        "x/y",
        "/a b",
        "/" + "a" * 600,
    ],
)
def test_notify_refuses_links_off_this_site(ana, url):
    """Only paths on this site are stored: the open link can never become an open redirect."""
    with pytest.raises(ValidationFailed) as caught:
        notify(recipient_id=ana.pk, kind=Kind.MENTION, text="Hello", url=url)
    assert "url" in caught.value.errors
    assert not Notification.objects.exists()


def test_notify_refuses_unknown_kinds_and_empty_texts(ana):
    """An unknown kind or a blank text is a programming error, refused loudly."""
    with pytest.raises(ValidationFailed):
        notify(recipient_id=ana.pk, kind="nonsense", text="Hello")
    with pytest.raises(ValidationFailed):
        notify(recipient_id=ana.pk, kind=Kind.MENTION, text="  \n ")


def test_notify_shortens_long_texts(ana):
    """Texts are capped at 300 characters with an ellipsis."""
    created = notify(recipient_id=ana.pk, kind=Kind.MENTION, text="word " * 200)
    assert len(created.text) == MAX_TEXT and created.text.endswith("…")


def test_internal_url_check():
    """Paths with query strings pass; anything pointing elsewhere does not."""
    assert is_internal_url("/network/requests/?page=2#x")
    for bad in ["", "http://a/", "//a", "/\\a", "\\a", "/a\nb", "/a\x00", "a/b"]:
        assert not is_internal_url(bad), bad


def test_immediate_kind_is_emailed_after_commit(ana, ben, django_capture_on_commit_callbacks):
    """An "email right away" kind goes out once the transaction commits, and is marked emailed."""
    assert delivery_for(user_id=ana.pk, kind=Kind.MESSAGE) == Delivery.IMMEDIATE
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = notify(
            recipient_id=ana.pk,
            kind=Kind.MESSAGE,
            text="Ben Okafor sent you a message",
            url="/messages/1/",
            actor_id=ben.pk,
        )
    assert mail.outbox == [] and len(callbacks) == 1
    callbacks[0]()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [ana.email]
    assert "Ben Okafor sent you a message" in mail.outbox[0].subject
    created.refresh_from_db()
    assert created.emailed_at is not None


def test_digest_and_off_kinds_are_not_emailed_right_away(ana, django_capture_on_commit_callbacks):
    """Preferences are honoured: digest kinds wait for the digest, "off" kinds never mail."""
    preferences_update(actor=ana, changes={Kind.MESSAGE: Delivery.OFF})
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify(recipient_id=ana.pk, kind=Kind.MESSAGE, text="A message")
        notify(recipient_id=ana.pk, kind=Kind.MENTION, text="A mention")  # digest by default
    assert callbacks == [] and mail.outbox == []


def test_a_notification_read_before_the_task_runs_is_not_emailed(
    ana, django_capture_on_commit_callbacks
):
    """The email task skips a notification the member has already read."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = notify(recipient_id=ana.pk, kind=Kind.MESSAGE, text="A message")
    notification_mark_read(actor=ana, notification_id=created.pk)
    callbacks[0]()
    assert mail.outbox == []


def test_the_email_task_never_mails_twice(ana, django_capture_on_commit_callbacks):
    """Running the same email task twice sends one email."""
    from rounds.notifications.delivery import notification_email_send

    with django_capture_on_commit_callbacks(execute=True):
        created = notify(recipient_id=ana.pk, kind=Kind.MESSAGE, text="A message")
    assert notification_email_send(notification_id=created.pk) is False
    assert len(mail.outbox) == 1


def test_inactive_members_get_no_email(ana, django_capture_on_commit_callbacks):
    """A deactivated account is never emailed."""
    ana.is_active = False
    ana.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient_id=ana.pk, kind=Kind.MESSAGE, text="A message")
    assert mail.outbox == []


def test_mark_read_only_for_the_recipient(ana, ben):
    """Only the recipient can mark a notification read; for anyone else it does not exist."""
    created = note(ana)
    with pytest.raises(NotFound):
        notification_mark_read(actor=ben, notification_id=created.pk)
    assert Notification.objects.get(pk=created.pk).read_at is None
    first = notification_mark_read(actor=ana, notification_id=created.pk).read_at
    assert first is not None
    assert notification_mark_read(actor=ana, notification_id=created.pk).read_at == first


def test_open_returns_the_link_and_marks_read(ana, ben):
    """Opening returns the notification's page and marks it read; someone else's is NotFound."""
    created = note(ana, url="/network/requests/")
    with pytest.raises(NotFound):
        notification_open(actor=ben, notification_id=created.pk)
    assert notification_open(actor=ana, notification_id=created.pk) == "/network/requests/"
    assert Notification.objects.get(pk=created.pk).read_at is not None
    assert notification_open(actor=ana, notification_id=note(ana, url="").pk) == ""


def test_mark_all_read_stops_at_the_newest_seen(ana, ben):
    """Mark all read touches only the member's own, and only up to the newest they saw."""
    older = many(ana, 3)
    others = note(ben)
    newer = note(ana)
    assert notifications_mark_all_read(actor=ana, up_to_id=max(n.pk for n in older)) == 3
    assert Notification.objects.get(pk=newer.pk).read_at is None
    assert Notification.objects.get(pk=others.pk).read_at is None
    assert notifications_mark_all_read(actor=ana) == 1
    assert notifications_mark_all_read(actor=ana) == 0


def test_preferences_update_stores_only_changes_all_or_nothing(ana):
    """Preferences change together or not at all; a kind left at its default follows it."""
    result = preferences_update(
        actor=ana, changes={Kind.POST_LIKE: "digest", Kind.MENTION: DEFAULT_DELIVERY[Kind.MENTION]}
    )
    assert result[Kind.POST_LIKE] == "digest"
    assert list(NotificationPreference.objects.filter(user=ana).values_list("kind", flat=True)) == [
        Kind.POST_LIKE
    ]
    with pytest.raises(ValidationFailed) as caught:
        preferences_update(actor=ana, changes={Kind.MESSAGE: "off", Kind.MENTION: "sometimes"})
    assert Kind.MENTION in caught.value.errors
    with pytest.raises(ValidationFailed) as caught:
        preferences_update(actor=ana, changes={"made.up": "off"})
    assert "kind" in caught.value.errors
    assert delivery_for(user_id=ana.pk, kind=Kind.MESSAGE) == Delivery.IMMEDIATE
    preferences_update(actor=ana, changes={Kind.POST_LIKE: "off"})
    assert delivery_for(user_id=ana.pk, kind=Kind.POST_LIKE) == Delivery.OFF


def test_prune_deletes_only_old_read_notifications(ana):
    """Pruning removes read notifications older than 180 days and keeps unread ones."""
    now = timezone.now()
    old_read = note(ana, created_at=now - timedelta(days=200), read_at=now - timedelta(days=190))
    old_unread = note(ana, created_at=now - timedelta(days=400))
    recent_read = note(ana, created_at=now - timedelta(days=10), read_at=now)
    assert notifications_prune() == 1
    remaining = set(Notification.objects.values_list("pk", flat=True))
    assert remaining == {old_unread.pk, recent_read.pk}
    assert old_read.pk not in remaining


def test_prune_command_refuses_short_retention(ana):
    """The prune command keeps at least 30 days and reports what it deleted."""
    from io import StringIO

    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError):
        call_command("prune_notifications", "--days", "3")
    now = timezone.now()
    note(ana, created_at=now - timedelta(days=200), read_at=now)
    out = StringIO()
    call_command("prune_notifications", stdout=out)
    assert "Pruned 1" in out.getvalue()
