"""Adding people to a group conversation (page ``/messages/<id>/add/`` and
``POST /api/v1/conversations/<id>/participants``).

The rules of starting a group: the actor's connections, no block either way, at most 20
people; nobody already in it (or who left it); a one-to-one conversation never grows (409).
The added member reads from the moment they were added (``Participant.history_start_id``),
everyone sees a system line ("Ana Ruiz added Dana Ng") and the added member is notified.
Refusals store nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from rounds.core.tests.api_client import api_as, assert_error
from rounds.messaging import datarights
from rounds.messaging.models import MAX_PARTICIPANTS, Message, Participant
from rounds.messaging.selectors import inbox_for, message_search_for
from rounds.messaging.services import conversation_add_people, conversation_leave
from rounds.messaging.tests.factories import reply, start
from rounds.moderation.targets import messages_visible_to
from rounds.network.services import block
from rounds.network.tests.factories import connect
from rounds.notifications.models import Kind, Notification
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db

EARLIER = "Before Dana joined: the rota draft"


def person(handle: str, name: str):
    return ProfileFactory(handle=handle, display_name=name).user


@pytest.fixture
def ana():
    return person("ana", "Ana Ruiz")


@pytest.fixture
def ben():
    return person("ben", "Ben Okafor")


@pytest.fixture
def chen():
    return person("chen", "Chen Li")


@pytest.fixture
def dana(ana):
    user = person("dana", "Dana Ng")
    connect(ana, user)
    return user


@pytest.fixture
def group(ana, ben, chen):
    """Ana's group with Ben and Chen, with some history."""
    connect(ana, ben)
    connect(ana, chen)
    first = start(ana, ben, chen, body="Journal club on Friday?")
    reply(ben, first, EARLIER)
    return first.conversation_id


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def add_url(cid: int) -> str:
    return reverse("messaging:add_people", args=[cid])


def conversation_url(cid: int) -> str:
    return reverse("messaging:conversation", args=[cid])


def counts() -> tuple[int, int]:
    return Participant.objects.count(), Message.objects.count()


# --- the happy path -------------------------------------------------------------------------


def test_adding_through_the_page(ana, ben, dana, group):
    """The conversation offers "Add people"; the form adds Dana, who reads from now on; the
    others see a line saying so; Dana is notified."""
    client = signed_in(ana)
    page = client.get(conversation_url(group)).content.decode()
    assert add_url(group) in page and "Add people" in page
    form = client.get(add_url(group))
    assert form.status_code == 200 and "not what was said before" in form.content.decode()
    before = Message.objects.filter(conversation_id=group).latest("id").pk

    response = client.post(add_url(group), {"to": "@dana"})
    assert response.status_code == 302 and response["Location"] == conversation_url(group)
    seat = Participant.objects.get(conversation_id=group, user=dana)
    assert seat.status == Participant.Status.ACTIVE and seat.history_start_id == before
    line = Message.objects.get(conversation_id=group, kind=Message.Kind.ADDED)
    assert line.sender == ana and line.subject == dana and line.body == ""
    assert seat.last_message_id == line.pk and seat.is_unread
    ben_seat = Participant.objects.get(conversation_id=group, user=ben)
    assert ben_seat.last_message_id == line.pk
    assert Notification.objects.filter(
        recipient=dana, kind=Kind.MESSAGE, text="Ana Ruiz added you to a group conversation"
    ).exists()
    assert not Notification.objects.filter(recipient=ben, text__contains="added").exists()

    assert (
        "Added Dana Ng to the conversation." in client.get(conversation_url(group)).content.decode()
    )
    assert "Ana Ruiz added Dana Ng" in signed_in(ben).get(conversation_url(group)).content.decode()
    dana_client = signed_in(dana)
    inbox = dana_client.get(reverse("messaging:inbox")).content.decode()
    assert "Ana Ruiz added you" in inbox
    seen = dana_client.get(conversation_url(group)).content.decode()
    assert "Ana Ruiz added you" in seen
    assert EARLIER not in seen and "Journal club on Friday?" not in seen
    assert 'id="dm-composer"' in seen
    assert (
        dana_client.post(
            reverse("messaging:send", args=[group]), {"body": "Thanks for adding me"}
        ).status_code
        == 302
    )
    assert "Thanks for adding me" in signed_in(ben).get(conversation_url(group)).content.decode()


def test_adding_through_the_api(ana, dana, group):
    """POST .../participants answers the conversation; the added member's API shows the
    system line and nothing said before."""
    response = api_as(ana).post(f"/conversations/{group}/participants", {"to": ["dana"]})
    assert response.status_code == 200, response.content
    data = response.json()
    handles = {p["member"]["handle"] for p in data["participants"] if p["member"]}
    assert handles == {"ana", "ben", "chen", "dana"}
    assert data["last_message"]["kind"] == "added"
    assert data["last_message"]["added_member"]["handle"] == "dana"
    assert data["last_message"]["body"] == ""

    dana_api = api_as(dana)
    messages = dana_api.get(f"/conversations/{group}/messages").json()["items"]
    assert [(m["kind"], m["sender"]["handle"]) for m in messages] == [("added", "ana")]
    assert dana_api.get(f"/conversations/{group}").json()["you"]["can_send"] is True
    old = Message.objects.filter(conversation_id=group, body=EARLIER).get()
    assert_error(dana_api.delete(f"/conversations/{group}/messages/{old.pk}"), 404)
    line = Message.objects.get(conversation_id=group, kind=Message.Kind.ADDED)
    assert_error(api_as(ana).delete(f"/conversations/{group}/messages/{line.pk}"), 403)
    assert Message.objects.get(pk=line.pk).deleted_at is None


def test_the_added_member_reads_nothing_from_before_anywhere(ana, dana, group):
    """Search, report targets, the export: nothing said before Dana joined."""
    conversation_add_people(actor=ana, conversation_id=group, people=[dana])
    reply(ana, group, "After Dana joined: the rota draft v2")
    assert [m.body for m in message_search_for(viewer=dana, q="rota draft").items] == [
        "After Dana joined: the rota draft v2"
    ]
    assert not messages_visible_to(dana).filter(body=EARLIER).exists()
    assert messages_visible_to(ana).filter(body=EARLIER).exists()
    exported = datarights.export_member_data(dana)["messages"]
    bodies = [m["body"] for m in exported[0]["messages"]]
    assert bodies == ["", "After Dana joined: the rota draft v2"]
    assert exported[0]["messages"][0]["kind"] == "added"
    assert exported[0]["messages"][0]["added_member"]["handle"] == "dana"
    assert exported[0]["your_settings"]["reads_after_message_id"] is not None
    assert inbox_for(viewer=dana).items[0].conversation_id == group


def test_erasing_the_added_member_unnames_the_line(ana, ben, dana, group):
    conversation_add_people(actor=ana, conversation_id=group, people=[dana])
    datarights.erase_member_data(dana)
    line = Message.objects.get(conversation_id=group, kind=Message.Kind.ADDED)
    assert line.subject_id is None
    assert (
        "Ana Ruiz added Former member"
        in signed_in(ben).get(conversation_url(group)).content.decode()
    )


def test_a_member_of_the_group_who_did_not_start_it_may_add(ben, chen, group):
    connect(ben, person("eve", "Eve Adams"))
    response = api_as(ben).post(f"/conversations/{group}/participants", {"to": ["eve"]})
    assert response.status_code == 200
    assert (
        "Ben Okafor added Eve Adams"
        in signed_in(chen).get(conversation_url(group)).content.decode()
    )


# --- refusals: a 4xx with a message, nothing stored -----------------------------------------


def test_a_one_to_one_conversation_never_becomes_a_group(ana, ben, dana):
    connect(ana, ben)
    cid = start(ana, ben, body="Hello").conversation_id
    before = counts()
    error = assert_error(
        api_as(ana).post(f"/conversations/{cid}/participants", {"to": ["dana"]}), 409
    )
    assert "one-to-one" in error["detail"]
    client = signed_in(ana)
    for response in (client.get(add_url(cid)), client.post(add_url(cid), {"to": "dana"})):
        assert response.status_code == 409 and "one-to-one" in response.content.decode()
    assert "Add people" not in client.get(conversation_url(cid)).content.decode()
    assert counts() == before


@pytest.mark.parametrize(
    ("situation", "status", "says"),
    [
        ("already in", 422, "Ben Okafor is already in this conversation."),
        ("left it", 422, "cannot be added back"),
        ("yourself", 422, "yourself"),
        ("you blocked them", 422, "unblock them first"),
        ("they blocked you", 404, "No member with the handle"),
        ("not a connection", 422, "not connected to Eve Adams"),
        ("unknown", 404, "No member with the handle"),
    ],
)
def test_refusals_through_the_api_and_the_page(
    ana, ben, chen, dana, group, situation, status, says
):
    handle = {
        "already in": "ben",
        "left it": "chen",
        "yourself": "ana",
        "you blocked them": "dana",
        "they blocked you": "dana",
        "not a connection": "eve",
        "unknown": "nobody-here",
    }[situation]
    if situation == "left it":
        conversation_leave(actor=chen, conversation_id=group)
    elif situation == "you blocked them":
        block(actor=ana, blocked=dana)
    elif situation == "they blocked you":
        block(actor=dana, blocked=ana)
    elif situation == "not a connection":
        person("eve", "Eve Adams")
    before = counts()
    error = assert_error(
        api_as(ana).post(f"/conversations/{group}/participants", {"to": [handle]}), status
    )
    assert says in error["detail"] or any(says in m for m in error["errors"].get("to", []))
    page = signed_in(ana).post(add_url(group), {"to": handle})
    assert page.status_code == 422  # the page shows every refusal on the form
    assert says.replace("’", "'") in page.content.decode().replace("&#x27;", "'")
    assert counts() == before


def test_the_group_stays_at_most_twenty_people(ana, group):
    """Ana, Ben, Chen + 17 = 20: one more is refused, naming how many may still join."""
    handles = []
    for i in range(MAX_PARTICIPANTS - 2):
        user = person(f"member-{i}", f"Member {i}")
        connect(ana, user)
        handles.append(f"member-{i}")
    before = counts()
    error = assert_error(
        api_as(ana).post(f"/conversations/{group}/participants", {"to": handles}), 422, "to"
    )
    assert "you can add 17 more" in error["errors"]["to"][0]
    page = signed_in(ana).post(add_url(group), {"to": ", ".join(handles)})
    assert page.status_code == 422 and "you can add 17 more" in page.content.decode()
    assert counts() == before
    assert (
        api_as(ana).post(f"/conversations/{group}/participants", {"to": handles[:17]}).status_code
        == 200
    )
    error = assert_error(
        api_as(ana).post(f"/conversations/{group}/participants", {"to": [handles[17]]}), 422, "to"
    )
    assert "nobody more can join" in error["errors"]["to"][0]


def test_someone_who_left_cannot_add_and_outsiders_see_nothing(ana, ben, chen, dana, group):
    conversation_leave(actor=ben, conversation_id=group)
    connect(ben, dana)
    before = counts()
    assert_error(api_as(ben).post(f"/conversations/{group}/participants", {"to": ["dana"]}), 403)
    assert signed_in(ben).post(add_url(group), {"to": "dana"}).status_code == 403
    assert_error(api_as(dana).post(f"/conversations/{group}/participants", {"to": ["ana"]}), 404)
    assert signed_in(dana).get(add_url(group)).status_code == 404
    assert counts() == before


def test_bad_input_is_a_4xx(ana, group):
    client = signed_in(ana)
    for value in ("", " , ", "x" * 300, "a\x00b"):
        response = client.post(add_url(group), {"to": value})
        assert response.status_code == 422, value
    api = api_as(ana)
    assert_error(api.post(f"/conversations/{group}/participants", {"to": []}), 422)
    assert_error(api.post(f"/conversations/{group}/participants", {"to": "ben"}), 422)
    assert_error(api.post(f"/conversations/{group}/participants", {"to": ["ben"], "x": 1}), 422)
