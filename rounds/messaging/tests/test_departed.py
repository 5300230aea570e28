"""Members who left Rounds: an account scheduled for deletion (hidden from everyone at once,
``User.deletion_scheduled``), closed (inactive) or purged (the User and their seats are gone).

A one-to-one conversation with them shows "This member has left Rounds" instead of the
composer, and sending there is a 4xx with that message through the page (with and without
htmx) and the API, storing nothing. In a group the others keep talking; the departed member
is shown as departed and receives nothing (no unread marker, no notification)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rounds.accounts.data_rights.services import (
    account_deletion_request,
    account_deletions_purge_due,
)
from rounds.core.tests.api_client import api_as, assert_error
from rounds.messaging.models import Message, Participant
from rounds.messaging.tests.factories import reply, start
from rounds.network.tests.factories import connect
from rounds.notifications.models import Kind, Notification
from rounds.profiles.tests.factories import PASSWORD, ProfileFactory

pytestmark = pytest.mark.django_db

NOTICE = "This member has left Rounds"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def ana():
    return ProfileFactory(handle="ana", display_name="Ana Ruiz").user


@pytest.fixture
def ben():
    return ProfileFactory(handle="ben", display_name="Ben Okafor").user


@pytest.fixture
def chen():
    return ProfileFactory(handle="chen", display_name="Chen Li").user


def schedule_deletion(user):
    account_deletion_request(actor=user, password=PASSWORD, anonymise=False)


def close_account(user):
    user.is_active = False
    user.save(update_fields=["is_active"])


def purge(user, django_capture_on_commit_callbacks):
    schedule_deletion(user)
    with django_capture_on_commit_callbacks(execute=True):
        assert account_deletions_purge_due(now=timezone.now() + timedelta(days=15)) == 1


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name, *args):
    return reverse(f"messaging:{name}", args=args)


@pytest.fixture(params=["deletion_scheduled", "closed", "purged"])
def departed_chat(request, ana, ben, django_capture_on_commit_callbacks):
    """A one-to-one conversation between connected Ana and Ben, then Ben leaves Rounds
    (scheduled deletion, closed account, or purged)."""
    connect(ana, ben)
    first = start(ben, ana, body="Shall we meet at the conference?")
    reply(ana, first, "Yes, Thursday works.")
    if request.param == "deletion_scheduled":
        schedule_deletion(ben)
    elif request.param == "closed":
        close_account(ben)
    else:
        purge(ben, django_capture_on_commit_callbacks)
    return first.conversation_id


def test_the_page_replaces_the_composer_with_the_notice(ana, departed_chat):
    """The conversation still reads, under the notice instead of the composer; the title
    and the people list no longer name or link the departed member."""
    page = signed_in(ana).get(url("conversation", departed_chat))
    html = page.content.decode()
    assert page.status_code == 200
    assert NOTICE in html and 'class="notice dm-read-only"' in html
    assert 'id="dm-composer"' not in html
    assert "Yes, Thursday works." in html
    assert "Ben Okafor" not in html and reverse("profiles:detail", args=["ben"]) not in html
    assert "Former member" in html


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_sending_through_the_page_is_refused_and_stores_nothing(ana, departed_chat, htmx):
    before = Message.objects.count()
    response = signed_in(ana).post(
        url("send", departed_chat), {"body": "Are you still there?"}, **(HTMX if htmx else {})
    )
    assert response.status_code == 403
    assert NOTICE in response.content.decode()
    assert Message.objects.count() == before


def test_the_api_says_why_and_refuses_to_send(ana, departed_chat):
    api = api_as(ana)
    detail = api.get(f"/conversations/{departed_chat}").json()
    assert detail["you"]["can_send"] is False
    assert NOTICE in detail["you"]["read_only_reason"]
    assert detail["title"] == "Former member"
    others = [p for p in detail["participants"] if not p["is_you"]]
    assert all(p["member"] is None and p["left_rounds"] for p in others)
    before = Message.objects.count()
    error = assert_error(
        api.post(f"/conversations/{departed_chat}/messages", {"body": "Are you still there?"}),
        403,
    )
    assert NOTICE in error["detail"]
    assert Message.objects.count() == before
    listed = api.get("/conversations").json()["items"]
    assert [c["you"]["can_send"] for c in listed if c["id"] == departed_chat] == [False]


def test_the_api_no_longer_names_the_departed_sender(ana, departed_chat):
    """The messages API (the list and the conversation's last message) names a sender who
    left as the pages do: "Former member", no handle, headline or photo (null once purged)."""
    api = api_as(ana)
    messages = api.get(f"/conversations/{departed_chat}/messages").json()["items"]
    theirs = [m for m in messages if not m["is_mine"]]
    assert theirs
    for message in theirs:
        sender = message["sender"]
        assert sender is None or (
            sender["display_name"] == "Former member"
            and sender["handle"] is None
            and sender["avatar_url"] is None
        )
    assert "Ben Okafor" not in api.get(f"/conversations/{departed_chat}/messages").text
    assert "Ben Okafor" not in api.get("/conversations").text
    mine = [m for m in messages if m["is_mine"]]
    assert mine and mine[0]["sender"]["handle"] == "ana"


def test_a_member_scheduled_for_deletion_cannot_be_written_to_again(ana, ben):
    """Compose (page and API) treats them as absent: no conversation, no message."""
    connect(ana, ben)
    schedule_deletion(ben)
    before = Message.objects.count()
    page = signed_in(ana).post(url("compose"), {"to": "ben", "body": "Hello again"})
    assert page.status_code == 422 and "No member with the handle" in page.content.decode()
    assert_error(api_as(ana).post("/conversations", {"to": ["ben"], "body": "Hello again"}), 404)
    assert Message.objects.count() == before


def test_in_a_group_the_others_keep_talking_and_the_departed_get_nothing(ana, ben, chen):
    connect(ana, ben)
    connect(ana, chen)
    first = start(ana, ben, chen, body="Journal club on Friday?")
    cid = first.conversation_id
    schedule_deletion(ben)
    ben_seat = Participant.objects.get(conversation_id=cid, user=ben)
    ben_notes = Notification.objects.filter(recipient=ben, kind=Kind.MESSAGE).count()

    page = signed_in(ana).post(url("send", cid), {"body": "Room 4 at noon."})
    assert page.status_code == 302
    sent = api_as(chen).post(f"/conversations/{cid}/messages", {"body": "I will be there."})
    assert sent.status_code == 201

    newest = Message.objects.filter(conversation_id=cid).latest("id")
    assert Participant.objects.get(conversation_id=cid, user=chen).last_message_id == newest.pk
    assert Participant.objects.get(pk=ben_seat.pk).last_message_id == ben_seat.last_message_id
    assert Notification.objects.filter(recipient=ben, kind=Kind.MESSAGE).count() == ben_notes
    assert Notification.objects.filter(recipient=chen, kind=Kind.MESSAGE).exists()

    html = signed_in(ana).get(url("conversation", cid)).content.decode()
    assert 'id="dm-composer"' in html and NOTICE not in html
    assert "(has left Rounds)" in html and "Ben Okafor" not in html
    assert "Group conversation · 2 people." in html
    detail = api_as(ana).get(f"/conversations/{cid}").json()
    assert detail["you"]["can_send"] is True
    by_status = {(p["left_rounds"], p["member"] is None) for p in detail["participants"]}
    assert by_status == {(False, False), (True, True)}


def test_a_group_left_only_with_departed_members_is_read_only(ana, ben, chen):
    connect(ana, ben)
    connect(ana, chen)
    cid = start(ana, ben, chen, body="Journal club on Friday?").conversation_id
    schedule_deletion(ben)
    close_account(chen)
    before = Message.objects.count()
    assert_error(api_as(ana).post(f"/conversations/{cid}/messages", {"body": "Anyone?"}), 403)
    assert signed_in(ana).post(url("send", cid), {"body": "Anyone?"}).status_code == 403
    assert Message.objects.count() == before
