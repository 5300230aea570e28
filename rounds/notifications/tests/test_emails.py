"""Notification emails and the daily digest, through Django's mail outbox: headers, content,
preferences honoured, nothing mailed twice, nobody mailed without something to say."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from rounds.notifications.delivery import DIGEST_SHOWN, digests_send
from rounds.notifications.models import Kind, Notification
from rounds.notifications.services import preferences_update
from rounds.notifications.tests.factories import note
from rounds.notifications.unsubscribe import read_token
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db

UNSUBSCRIBE = re.compile(r"^<(https?://[^>]+/notifications/unsubscribe/([^/>]+)/)>$")


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://rounds.example"


@pytest.fixture
def ana():
    return ProfileFactory(display_name="Ana Ruiz").user


def html_of(message) -> str:
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    return html


def unsubscribe_header(message) -> tuple[str, str]:
    """The List-Unsubscribe URL and its token; asserts the one-click header is there too."""
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    match = UNSUBSCRIBE.match(message.extra_headers["List-Unsubscribe"])
    assert match, message.extra_headers["List-Unsubscribe"]
    return match.group(1), match.group(2)


def test_single_email_has_text_html_and_one_click_unsubscribe(
    ana, django_capture_on_commit_callbacks
):
    """A "right away" email: subject, plain text and HTML, the kind's one-click unsubscribe
    link in the headers and in the footer, and a link that opens (and reads) the notification."""
    with django_capture_on_commit_callbacks(execute=True):
        created = note(
            ana,
            kind=Kind.EVENT_CANCELLED,
            text="Grand rounds on sepsis was cancelled",
            url="/events/3/",
        )
    (message,) = mail.outbox
    assert message.subject == "[Rounds] Grand rounds on sepsis was cancelled"
    url, token = unsubscribe_header(message)
    assert url.startswith("https://rounds.example/notifications/unsubscribe/")
    assert read_token(token).scope == Kind.EVENT_CANCELLED and read_token(token).user_id == ana.pk
    open_link = f"https://rounds.example/notifications/{created.pk}/open/"
    assert "Hello Ana Ruiz," in message.body
    assert open_link in message.body and url in message.body
    assert (
        "Choose which emails you get: https://rounds.example/notifications/preferences/"
        in message.body
    )
    html = html_of(message)
    assert open_link in html and url in html and "Grand rounds on sepsis was cancelled" in html
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"


def test_email_text_is_escaped_in_html(ana, django_capture_on_commit_callbacks):
    """Names in notification texts are escaped in the HTML part."""
    with django_capture_on_commit_callbacks(execute=True):
        note(ana, kind=Kind.MESSAGE, text="<script>alert(1)</script> sent you a message")
    (message,) = mail.outbox
    assert "<script>" not in html_of(message)
    assert "&lt;script&gt;" in html_of(message)
    assert "<script>alert(1)</script> sent you a message" in message.body


def test_digest_sends_one_email_grouped_by_kind_and_marks_emailed(ana):
    """One digest per member lists their unread digest-kind notifications by kind, carries the
    one-click headers (all email) and a per-kind footer link, and marks them emailed."""
    request_note = note(
        ana,
        kind=Kind.CONNECTION_REQUEST,
        text="Ben Okafor asked to connect with you",
        url="/network/requests/",
    )
    mention = note(ana, kind=Kind.MENTION, text="Chloé Martin mentioned you")
    message_note = note(
        ana, kind=Kind.MESSAGE, text="A message", emailed_at=timezone.now()
    )  # went out already
    run = digests_send()
    assert (run.emails, run.members, run.notifications) == (1, 1, 2)
    (message,) = mail.outbox
    assert message.to == [ana.email]
    assert message.subject == "[Rounds] Your daily digest: 2 new notifications"
    _, token = unsubscribe_header(message)
    assert read_token(token).scope == "all"
    body = message.body
    assert "Connection requests\n- Ben Okafor asked to connect with you" in body
    assert "Mentions of you\n- Chloé Martin mentioned you" in body
    assert "A message" not in body
    assert f"https://rounds.example/notifications/{request_note.pk}/open/" in body
    assert (
        "Stop emails about connection requests: https://rounds.example/notifications/unsubscribe/"
        in body
    )
    html = html_of(message)
    assert (
        "Ben Okafor asked to connect with you" in html
        and "Unsubscribe from all Rounds email" in html
    )
    assert (
        Notification.objects.filter(
            pk__in=[request_note.pk, mention.pk], emailed_at__isnull=False
        ).count()
        == 2
    )
    assert Notification.objects.get(pk=message_note.pk).emailed_at is not None


def test_digest_never_mails_twice_and_skips_members_with_nothing(ana):
    """A second run sends nothing; members without waiting notifications get nothing."""
    ProfileFactory()  # a member with no notifications at all
    note(ana, kind=Kind.MENTION)
    assert digests_send().emails == 1
    assert digests_send().emails == 0
    assert len(mail.outbox) == 1
    note(ana, kind=Kind.MENTION, text="A new one")
    assert digests_send().emails == 1
    assert "A new one" in mail.outbox[1].body and "Something happened" not in mail.outbox[1].body


def test_digest_honours_preferences_and_read_state(ana):
    """Read notifications, "right away" kinds and "off" kinds are not in the digest."""
    preferences_update(actor=ana, changes={Kind.MENTION: "off", Kind.POST_LIKE: "digest"})
    note(ana, kind=Kind.MENTION, text="Muted mention")
    note(ana, kind=Kind.CONNECTION_REQUEST, text="Already read", read_at=timezone.now())
    note(ana, kind=Kind.EVENT_REMINDER, text="Immediate kind", emailed_at=None)
    assert digests_send().emails == 0
    note(ana, kind=Kind.POST_LIKE, text="Ben liked your post")
    digests_send()
    (message,) = mail.outbox
    assert "Ben liked your post" in message.body
    for absent in ("Muted mention", "Already read", "Immediate kind"):
        assert absent not in message.body


def test_digest_skips_inactive_members(ana):
    """A deactivated account gets no digest."""
    note(ana, kind=Kind.MENTION)
    ana.is_active = False
    ana.save()
    assert digests_send().emails == 0
    assert mail.outbox == []


def test_digest_is_bounded_and_batched():
    """Members are handled in batches; a long digest lists 50 and says how many more."""
    members = [ProfileFactory().user for _ in range(5)]
    for member in members:
        note(member, kind=Kind.MENTION)
    busy = members[0]
    now = timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=busy,
                kind=Kind.POST_COMMENT,
                text=f"Comment {i}",
                created_at=now - timedelta(minutes=i),
            )
            for i in range(DIGEST_SHOWN + 10)
        ]
    )
    run = digests_send(batch_size=2)
    assert run.emails == 5 and run.members == 5
    busy_mail = next(m for m in mail.outbox if m.to == [busy.email])
    assert f"Your daily digest: {DIGEST_SHOWN + 11} new notifications" in busy_mail.subject
    assert "And 11 more" in busy_mail.body
    assert busy_mail.body.count("\n- ") == DIGEST_SHOWN
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_digest_leaves_out_notifications_older_than_a_week(ana):
    """The digest is about the last days; older unread notifications stay in the app."""
    note(ana, kind=Kind.MENTION, created_at=timezone.now() - timedelta(days=9))
    assert digests_send().emails == 0


def test_send_digests_command_reports_the_run(ana):
    """`manage.py send_digests` sends the digests and says what it did."""
    note(ana, kind=Kind.MENTION)
    out = StringIO()
    call_command("send_digests", "--batch-size", "10", stdout=out)
    assert "1 email(s) to 1 member(s) covering 1 notification(s)" in out.getvalue()
    assert len(mail.outbox) == 1


def test_digest_task_runs_the_same_service(ana):
    """The send_digests task (for a scheduler) sends the digests too."""
    from rounds.notifications.tasks import send_digests

    note(ana, kind=Kind.MENTION)
    result = send_digests.enqueue()
    assert result.return_value == 1
    assert len(mail.outbox) == 1
