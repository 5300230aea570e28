"""The compiled read paths (``selectors.inbox_rows_for`` and friends) against the ORM ones
they replace: the same output for every kind of conversation and participant (groups,
requests, blocks either way, members who left a group, closed accounts, scheduled deletions,
system lines, deleted messages, hidden messages), in every box and across pages, and fresh
after each write that changes what they show."""

from __future__ import annotations

import json

import pytest
from django.test import RequestFactory

from rounds.core.api_utils import _render
from rounds.messaging import services
from rounds.messaging.schemas import conversation_out
from rounds.messaging.selectors import (
    BOXES,
    blocked_among,
    inbox_for,
    read_only_reasons,
)
from rounds.messaging.tests.factories import reply, start
from rounds.network.services import block
from rounds.network.tests.factories import connect
from rounds.profiles.tests.factories import PASSWORD, ProfileFactory

pytestmark = pytest.mark.django_db


def orm_inbox(viewer, *, box="inbox", before=None, limit=20) -> dict:
    """What ``GET /conversations`` answered when built from model instances."""
    request = RequestFactory().get("/api/v1/conversations", HTTP_HOST="testserver")
    page = inbox_for(viewer=viewer, box=box, before=before, size=limit)
    reasons = read_only_reasons(viewer=viewer, seats=page.items)
    blocked = blocked_among(
        viewer.pk, [s.user_id for seat in page.items for s in seat.conversation.seats]
    )
    payload = {
        "items": [
            conversation_out(
                request,
                viewer,
                seat,
                seat.conversation.seats,
                read_only_reason=reasons[seat.conversation_id],
                blocked_ids=blocked,
            )
            for seat in page.items
        ],
        "has_more": page.has_more,
        "next_cursor": page.next_cursor,
    }
    return json.loads(_render(payload))


def api_inbox(client, *, box="inbox", before=None, limit=20) -> dict:
    params = {"box": box, "limit": limit}
    if before is not None:
        params["before"] = before
    response = client.get("/api/v1/conversations", params)
    assert response.status_code == 200, response.content[:300]
    return response.json()


def assert_same(client, viewer) -> None:
    for box in BOXES:
        for limit in (1, 3, 20):
            before = None
            while True:
                mine = api_inbox(client, box=box, before=before, limit=limit)
                assert mine == orm_inbox(viewer, box=box, before=before, limit=limit), (
                    box,
                    limit,
                    before,
                )
                if not mine["has_more"]:
                    break
                before = mine["next_cursor"]


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    """Me and a varied inbox."""
    me = ProfileFactory(handle="me", display_name="Me Myself").user
    ana, ben, chen, dora, eli, fay = (
        ProfileFactory(handle=h, display_name=f"{h.title()} Person").user
        for h in ("ana", "ben", "chen", "dora", "eli", "fay")
    )
    for other in (ana, ben, chen, dora, eli):
        connect(me, other)
    connect(ana, ben)
    connect(ana, chen)
    # one-to-one, answered; then a deleted message
    first = start(ana, me, body="Hello *me*")
    mine = reply(me, first, "Hi Ana")
    services.message_delete(actor=me, conversation_id=first.conversation_id, message_id=mine.pk)
    # a group, then someone added (a system line), someone leaves
    group = start(me, ana, ben, body="Group hello")
    services.conversation_add_people(actor=me, conversation_id=group.conversation_id, people=[chen])
    reply(chen, group, "Thanks for adding me")
    services.conversation_leave(actor=ben, conversation_id=group.conversation_id)
    # a request from a stranger, and one from me to a stranger
    start(fay, me, body="We met at the congress")
    stranger = ProfileFactory(handle="gus", display_name="Gus Stranger").user
    asked = start(me, stranger, body="May I ask about your trial?")
    # a one-to-one with someone I block later, and a group with someone who blocks me
    start(dora, me, body="Before the block")
    group2 = start(ana, me, chen, body="Second group")
    block(actor=me, blocked=dora)
    reply(ana, group2, "Still here")
    # a closed account and a scheduled deletion
    start(eli, me, body="Eli writes")
    eli.is_active = False
    eli.save(update_fields=["is_active"])
    from rounds.accounts.data_rights.services import account_deletion_request

    account_deletion_request(actor=chen, password=PASSWORD, anonymise=False)
    # archived
    services.conversation_leave(actor=me, conversation_id=asked.conversation_id)
    return {"me": me, "ana": ana}


def test_inbox_api_matches_the_orm_path(client, world):
    client.force_login(world["me"])
    assert_same(client, world["me"])
    for box in BOXES:  # every box has something to compare
        assert api_inbox(client, box=box)["items"], box


def test_inbox_api_matches_for_other_viewers(client, world):
    client.force_login(world["ana"])
    assert_same(client, world["ana"])


def test_inbox_api_follows_writes(client, world):
    """A new message, a read, a mute, a block: the next read shows it."""
    me, ana = world["me"], world["ana"]
    client.force_login(me)
    before = api_inbox(client)
    message = reply(ana, before["items"][-1]["id"], "Newest")
    after = api_inbox(client)
    assert after["items"][0]["id"] == message.conversation_id
    assert after["items"][0]["last_message"]["body"] == "Newest"
    assert after["items"][0]["you"]["unread"] is True
    services.conversation_mark_read(actor=me, conversation_id=message.conversation_id)
    assert api_inbox(client)["items"][0]["you"]["unread"] is False
    services.conversation_set_muted(actor=me, conversation_id=message.conversation_id, muted=True)
    assert api_inbox(client)["items"][0]["you"]["muted"] is True
    block(actor=ana, blocked=me)
    assert_same(client, me)


# --- a conversation's messages -----------------------------------------------------------------


def orm_messages(viewer, conversation_id, *, before=None, after=None, limit=30) -> dict:
    from rounds.messaging.access import access_conversation_by_id
    from rounds.messaging.schemas import message_out
    from rounds.messaging.selectors import messages_page

    request = RequestFactory().get("/api/v1/conversations", HTTP_HOST="testserver")
    seat = access_conversation_by_id(viewer, conversation_id)
    page = messages_page(seat=seat, before=before, after=after, size=limit)
    payload = {
        "items": [message_out(request, viewer, m) for m in page.items],
        "has_more": page.has_more,
        "next_cursor": page.next_cursor,
    }
    return json.loads(_render(payload))


def api_messages(client, conversation_id, **params) -> dict:
    params = {k: v for k, v in params.items() if v is not None}
    response = client.get(f"/api/v1/conversations/{conversation_id}/messages", params)
    assert response.status_code == 200, response.content[:300]
    return response.json()


def assert_same_messages(client, viewer) -> None:
    from rounds.messaging.models import Participant

    for cid in Participant.objects.filter(user=viewer).values_list("conversation_id", flat=True):
        for limit in (2, 30):
            before = None
            while True:
                mine = api_messages(client, cid, before=before, limit=limit)
                assert mine == orm_messages(viewer, cid, before=before, limit=limit), (cid, before)
                if not mine["has_more"]:
                    break
                before = mine["next_cursor"]
            for after in (0, 1, before or 0):
                mine = api_messages(client, cid, after=after, limit=limit)
                assert mine == orm_messages(viewer, cid, after=after, limit=limit), (cid, after)


@pytest.fixture
def hidden_world(world):
    """A group where a block hides messages from one member, and a member added later."""
    from rounds.messaging.models import Conversation

    me, ana = world["me"], world["ana"]
    hal = ProfileFactory(handle="hal", display_name="Hal Person").user
    connect(ana, hal)
    connect(me, hal)
    group = start(ana, me, hal, body="Three of us")
    block(actor=hal, blocked=me)
    reply(ana, group, "Said while the block stands")
    reply(hal, group, "Hal writes")
    assert Conversation.objects.get(pk=group.conversation_id).has_hidden_messages
    return {**world, "hal": hal}


@pytest.mark.parametrize("who", ["me", "ana", "hal"])
def test_messages_api_matches_the_orm_path(client, hidden_world, who):
    viewer = hidden_world[who]
    client.force_login(viewer)
    assert_same_messages(client, viewer)


def test_messages_api_follows_writes(client, world):
    me, ana = world["me"], world["ana"]
    client.force_login(me)
    cid = start(ana, me, body="Direct").conversation_id
    message = reply(ana, cid, "Brand new")
    assert api_messages(client, cid)["items"][-1]["body"] == "Brand new"
    services.message_delete(actor=ana, conversation_id=cid, message_id=message.pk)
    last = api_messages(client, cid)["items"][-1]
    assert last["deleted"] is True and last["body"] == ""


def test_messages_api_is_404_outside_the_conversation(client, world):
    outsider = ProfileFactory().user
    client.force_login(outsider)
    cid = orm_inbox(world["me"])["items"][0]["id"]
    response = client.get(f"/api/v1/conversations/{cid}/messages")
    assert response.status_code == 404


# --- the pages: cached rows follow every write ------------------------------------------------


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_inbox_page_rows_follow_writes(client, world):
    """A new message, a read and a rename show at once on the inbox page (rows are cached
    under keys holding what they show)."""
    from django.urls import reverse

    from rounds.profiles.services import profile_update

    me, ana = world["me"], world["ana"]
    client.force_login(me)
    inbox = reverse("messaging:inbox")
    _page(client, inbox)  # warm the cache
    message = reply(ana, start(ana, me, body="Direct").conversation_id, "A fresh preview")
    body = _page(client, inbox)
    assert "A fresh preview" in body and "dm-row-unread" in body.split("A fresh preview")[0]
    services.conversation_mark_read(actor=me, conversation_id=message.conversation_id)
    body = _page(client, inbox)
    first_row = body.split('<li class="dm-row')[1]
    assert "A fresh preview" in first_row and "dm-new" not in first_row
    profile_update(actor=ana, profile=ana.profile, changes={"display_name": "Ana Renamed"})
    assert "Ana Renamed" in _page(client, inbox)


def test_conversation_page_follows_writes(client, world):
    """A deletion, a rename, a new message and the other member reading show at once; the
    delete forms carry the request's CSRF token, never a cached one."""
    from django.urls import reverse

    from rounds.profiles.services import profile_update

    me, ana = world["me"], world["ana"]
    cid = start(ana, me, body="Direct").conversation_id
    mine = reply(me, cid, "Mine to delete")
    url = reverse("messaging:conversation", args=[cid])
    client.force_login(me)
    body = _page(client, url)
    assert "Mine to delete" in body and "csrf-token-slot" not in body
    assert 'name="csrfmiddlewaretoken" value="' in body
    services.conversation_mark_read(actor=ana, conversation_id=cid)
    assert "Seen" in _page(client, url)
    services.message_delete(actor=me, conversation_id=cid, message_id=mine.pk)
    body = _page(client, url)
    assert "Mine to delete" not in body and "This message was deleted." in body
    profile_update(actor=ana, profile=ana.profile, changes={"display_name": "Ana Renamed"})
    reply(ana, cid, "Newest words")
    body = _page(client, url)
    assert "Newest words" in body and "Ana Renamed" in body


def test_closed_account_leaves_the_inbox_page_faces(client, world):
    """A member who closes their account loses their face and name on cached rows at once."""
    from django.urls import reverse

    me, ana = world["me"], world["ana"]
    client.force_login(me)
    inbox = reverse("messaging:inbox")
    assert "Ana Person" in _page(client, inbox)
    ana.is_active = False
    ana.save(update_fields=["is_active"])
    assert "Ana Person" not in _page(client, inbox)
