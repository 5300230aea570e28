"""The messages API (/api/v1/conversations): every endpoint, its errors and its cursors."""

from __future__ import annotations

import pytest

from rounds.core.tests.api_client import api_as, assert_error
from rounds.messaging.models import Message, Participant
from rounds.messaging.tests.factories import reply, start
from rounds.network.services import block
from rounds.network.tests.factories import connect
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db

Status = Participant.Status


@pytest.fixture
def ana():
    return ProfileFactory(handle="ana", display_name="Ana Ruiz")


@pytest.fixture
def ben():
    return ProfileFactory(handle="ben", display_name="Ben Okafor")


@pytest.fixture
def chen():
    return ProfileFactory(handle="chen", display_name="Chen Li")


@pytest.fixture
def api(ana):
    return api_as(ana.user)


def test_create_a_one_to_one_conversation(api, ana, ben):
    """POST /conversations returns the first message (201) with its conversation id."""
    connect(ana.user, ben.user)
    response = api.post("/conversations", {"to": ["ben"], "body": "Hello *Ben*"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["is_mine"] and body["body"] == "Hello *Ben*"
    assert body["body_html"] == "<p>Hello <em>Ben</em></p>\n"
    assert body["sender"]["handle"] == "ana"
    detail = api.get(f"/conversations/{body['conversation_id']}").json()
    assert detail["kind"] == "direct" and detail["title"] == "Ben Okafor"
    assert [p["member"]["handle"] for p in detail["participants"]] == ["ana", "ben"]
    assert detail["you"]["can_send"] is True and detail["you"]["unread"] is False
    assert detail["url"].endswith(f"/messages/{body['conversation_id']}/")


def test_create_errors(api, ana, ben, chen):
    """Unknown handles 404, groups with strangers and yourself 422, bad bodies 422."""
    connect(ana.user, ben.user)
    assert_error(api.post("/conversations", {"to": ["nobody"], "body": "x"}), 404)
    assert_error(api.post("/conversations", {"to": ["ben", "chen"], "body": "x"}), 422, "to")
    assert_error(api.post("/conversations", {"to": ["ana"], "body": "x"}), 422, "to")
    assert_error(api.post("/conversations", {"to": [], "body": "x"}), 422, "to")
    assert_error(api.post("/conversations", {"to": ["ben"], "body": ""}), 422, "body")
    assert_error(api.post("/conversations", {"to": ["ben"], "body": "x" * 5001}), 422, "body")
    assert_error(api.post("/conversations", {"to": ["ben"] * 20, "body": "x"}), 422, "to")
    assert_error(api.post("/conversations", {"to": ["ben"], "body": "x", "x": 1}), 422, "x")
    block(actor=chen.user, blocked=ana.user)
    assert_error(api.post("/conversations", {"to": ["chen"], "body": "x"}), 404)
    assert not Message.objects.exists()


def test_list_boxes_and_cursor(api, ana, ben, chen):
    """The inbox, requests and archived boxes; ``next_cursor`` pages back."""
    connect(ana.user, ben.user)
    first = start(ben.user, ana.user)
    start(chen.user, ana.user, body="A request")
    inbox = api.get("/conversations").json()
    assert [c["id"] for c in inbox["items"]] == [first.conversation_id]
    assert inbox["items"][0]["you"]["unread"] is True
    assert inbox["items"][0]["last_message"]["body"] == first.body
    requests = api.get("/conversations", {"box": "requests"}).json()
    assert requests["items"][0]["you"]["status"] == "request"
    assert requests["items"][0]["you"]["can_send"] is False
    for _ in range(3):
        other = ProfileFactory().user
        connect(ana.user, other)
        start(other, ana.user)
    page = api.get("/conversations", {"limit": 2}).json()
    assert page["has_more"] and len(page["items"]) == 2
    rest = api.get("/conversations", {"limit": 2, "before": page["next_cursor"]}).json()
    ids = [c["id"] for c in page["items"] + rest["items"]]
    assert len(set(ids)) == 4 and ids[-1] == first.conversation_id
    assert_error(api.get("/conversations", {"box": "spam"}), 422, "box")
    assert_error(api.get("/conversations", {"before": 0}), 422, "before")


def test_messages_list_before_and_after(api, ana, ben):
    """Messages come oldest first; ``before`` pages back, ``after`` polls forward."""
    connect(ana.user, ben.user)
    first = start(ben.user, ana.user, body="m0")
    for number in range(1, 6):
        reply(ben.user, first, f"m{number}")
    cid = first.conversation_id
    newest = api.get(f"/conversations/{cid}/messages", {"limit": 2}).json()
    assert [m["body"] for m in newest["items"]] == ["m4", "m5"]
    assert newest["has_more"] is True
    earlier = api.get(
        f"/conversations/{cid}/messages", {"limit": 3, "before": newest["next_cursor"]}
    ).json()
    assert [m["body"] for m in earlier["items"]] == ["m1", "m2", "m3"]
    after = api.get(f"/conversations/{cid}/messages", {"after": first.pk, "limit": 3}).json()
    assert [m["body"] for m in after["items"]] == ["m1", "m2", "m3"] and after["has_more"]
    nothing = api.get(f"/conversations/{cid}/messages", {"after": newest["items"][-1]["id"]}).json()
    assert nothing == {"items": [], "has_more": False, "next_cursor": newest["items"][-1]["id"]}
    both = api.get(f"/conversations/{cid}/messages", {"after": 1, "before": 5})
    assert_error(both, 422, "after")


def test_send_read_mute_leave_and_delete(api, ana, ben, chen):
    """The conversation actions, each answered with the updated conversation."""
    connect(ben.user, ana.user)
    connect(ben.user, chen.user)
    first = start(ben.user, ana.user, chen.user, body="Group")
    cid = first.conversation_id
    sent = api.post(f"/conversations/{cid}/messages", {"body": "Ana here"})
    assert sent.status_code == 201
    read = api.post(f"/conversations/{cid}/read").json()
    assert read["you"]["unread"] is False
    assert read["you"]["last_read_message_id"] == sent.json()["id"]
    assert api.post(f"/conversations/{cid}/mute").json()["you"]["muted"] is True
    assert api.post(f"/conversations/{cid}/unmute").json()["you"]["muted"] is False
    deleted = api.delete(f"/conversations/{cid}/messages/{sent.json()['id']}").json()
    assert deleted["deleted"] is True and deleted["body"] == ""
    assert_error(api.delete(f"/conversations/{cid}/messages/{first.pk}"), 403)
    assert_error(api.delete(f"/conversations/{cid}/messages/999999"), 404)
    left = api.post(f"/conversations/{cid}/leave").json()
    assert left["you"]["status"] == "left" and left["you"]["can_send"] is False
    assert_error(api.post(f"/conversations/{cid}/leave"), 409)
    assert_error(api.post(f"/conversations/{cid}/messages", {"body": "Back?"}), 403)


def test_accept_and_ignore_requests(api, ana, ben):
    """Requests are accepted or ignored; anything else is a 409."""
    request = start(ben.user, ana.user, body="Hi from a stranger")
    cid = request.conversation_id
    assert api.post(f"/conversations/{cid}/ignore").json()["you"]["status"] == "ignored"
    assert_error(api.post(f"/conversations/{cid}/ignore"), 409)
    assert api.post(f"/conversations/{cid}/accept").json()["you"]["status"] == "active"
    assert_error(api.post(f"/conversations/{cid}/accept"), 409)
    assert api.post(f"/conversations/{cid}/messages", {"body": "Welcome"}).status_code == 201


def test_the_sender_sees_a_pending_recipient_not_their_settings(ana, ben):
    """Others appear as active, pending or left: never muted, archived or ignored."""
    request = start(ana.user, ben.user)
    Participant.objects.filter(user=ben.user).update(status=Status.IGNORED, muted=True)
    detail = api_as(ana.user).get(f"/conversations/{request.conversation_id}").json()
    ben_out = next(p for p in detail["participants"] if not p["is_you"])
    assert ben_out["status"] == "pending" and "muted" not in ben_out
    assert detail["you"]["can_send"] is False
    assert "waiting for Ben Okafor" in detail["you"]["read_only_reason"]


def test_search(api, ana, ben):
    """Search finds words in your messages, newest first, with the conversation's title."""
    connect(ana.user, ben.user)
    first = start(ben.user, ana.user, body="The handoff checklist draft")
    reply(ana.user, first, "Handoff feedback attached")
    found = api.get("/conversations/search", {"q": "handoff"}).json()
    assert [h["message"]["body"] for h in found["items"]] == [
        "Handoff feedback attached",
        "The handoff checklist draft",
    ]
    assert found["items"][0]["conversation_title"] == "Ben Okafor"
    assert_error(api.get("/conversations/search", {"q": "a"}), 422, "q")
    assert_error(api.get("/conversations/search"), 422, "q")


def test_guard_refuses_patient_information_in_messages(api, ana, ben):
    """Patient identifiers are a 422 with the guard's findings, even when acknowledged."""
    connect(ana.user, ben.user)
    text = "My patient John Smith, DOB 03/14/1956, MRN 00123456, was admitted."
    for acknowledge in (False, True):
        response = api.post(
            "/conversations",
            {"to": ["ben"], "body": text, "acknowledge_warnings": acknowledge},
        )
        body = assert_error(response, 422, "body")
        assert body["guard"]["blocked"] is True
    assert not Message.objects.exists()
