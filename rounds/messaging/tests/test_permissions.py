"""Privacy of conversations: nobody outside a conversation can read it or act on it, through
any page or API route (404, and nothing changes); a member who left reads nothing new."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from rounds.core.tests.api_client import api_as
from rounds.messaging.models import Message, Participant
from rounds.messaging.services import conversation_leave
from rounds.messaging.tests.factories import reply, start
from rounds.network.tests.factories import connect
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db

SECRET = "The committee chose Dr. Patel"


@pytest.fixture
def world():
    """Ana and Ben talk; Eve is a member outside the conversation."""
    ana = ProfileFactory(handle="ana").user
    ben = ProfileFactory(handle="ben").user
    eve = ProfileFactory(handle="eve").user
    connect(ana, ben)
    connect(ana, eve)
    message = start(ana, ben, body=SECRET)
    return {"ana": ana, "ben": ben, "eve": eve, "message": message}


def page_routes(cid: int, mid: int) -> list[tuple[str, str, dict]]:
    def url(name, *args):
        return reverse(f"messaging:{name}", args=args)

    return [
        ("get", url("conversation", cid), {}),
        ("get", url("conversation", cid) + f"?before={mid + 1}", {}),
        ("get", url("poll", cid) + "?after=0", {}),
        ("post", url("send", cid), {"body": "Let me in"}),
        ("post", url("mute", cid), {"muted": "1"}),
        ("post", url("leave", cid), {}),
        ("post", url("accept", cid), {}),
        ("post", url("ignore", cid), {}),
        ("post", url("delete_message", cid, mid), {}),
    ]


def api_routes(cid: int, mid: int) -> list[tuple[str, str, dict | None]]:
    base = f"/conversations/{cid}"
    return [
        ("get", base, None),
        ("get", f"{base}/messages", None),
        ("get", f"{base}/messages?after=0", None),
        ("post", f"{base}/messages", {"body": "Let me in"}),
        ("delete", f"{base}/messages/{mid}", None),
        ("post", f"{base}/read", None),
        ("post", f"{base}/mute", None),
        ("post", f"{base}/unmute", None),
        ("post", f"{base}/leave", None),
        ("post", f"{base}/accept", None),
        ("post", f"{base}/ignore", None),
    ]


def snapshot():
    return (
        list(Message.objects.order_by("id").values_list("id", "body", "deleted_at")),
        list(Participant.objects.order_by("id").values()),
    )


def test_outsiders_get_404_on_every_page(client, world):
    """Every page route of someone else's conversation is a 404 and changes nothing."""
    client.force_login(world["eve"])
    before = snapshot()
    message = world["message"]
    for method, address, data in page_routes(message.conversation_id, message.pk):
        response = getattr(client, method)(address, data)
        assert response.status_code == 404, (method, address, response.status_code)
        assert SECRET not in response.content.decode()
    assert snapshot() == before


def test_outsiders_get_404_on_every_api_route(world):
    """Every API route of someone else's conversation is a JSON 404 and changes nothing."""
    api = api_as(world["eve"])
    before = snapshot()
    message = world["message"]
    for method, path, body in api_routes(message.conversation_id, message.pk):
        call = getattr(api, method)
        response = call(path) if body is None else call(path, body)
        assert response.status_code == 404, (method, path, response.content[:200])
        assert SECRET not in response.content.decode()
    assert snapshot() == before


def test_missing_and_foreign_conversations_look_the_same(client, world):
    """A conversation that does not exist and one that is not yours answer alike."""
    client.force_login(world["eve"])
    foreign = client.get(reverse("messaging:conversation", args=[world["message"].conversation_id]))
    missing = client.get(reverse("messaging:conversation", args=[987654]))
    assert foreign.status_code == missing.status_code == 404
    api = api_as(world["eve"])
    assert (
        api.get(f"/conversations/{world['message'].conversation_id}").json()
        == api.get("/conversations/987654").json()
    )


def test_outsiders_see_nothing_in_lists_or_search(client, world):
    """Someone else's conversation is in no inbox tab and no search result of yours."""
    client.force_login(world["eve"])
    for box in ("inbox", "requests", "archived"):
        html = client.get(reverse("messaging:inbox") + f"?box={box}").content.decode()
        assert SECRET not in html
    assert SECRET not in client.get(reverse("messaging:search") + "?q=committee").content.decode()
    api = api_as(world["eve"])
    for box in ("inbox", "requests", "archived"):
        assert api.get("/conversations", {"box": box}).json()["items"] == []
    assert api.get("/conversations/search", {"q": "committee"}).json()["items"] == []


def test_a_member_who_left_cannot_read_new_messages_anywhere(world):
    """After leaving a group: not in the page, the poller, the API lists or search."""
    ana, ben, eve = world["ana"], world["ben"], world["eve"]
    connect(ben, eve)
    group = start(ana, ben, eve, body="Before Eve left")
    conversation_leave(actor=eve, conversation_id=group.conversation_id)
    later = reply(ana, group, "Said after Eve left")
    cid = group.conversation_id
    api = api_as(eve)
    listed = api.get(f"/conversations/{cid}/messages").json()["items"]
    assert [m["body"] for m in listed] == ["Before Eve left"]
    assert api.get(f"/conversations/{cid}/messages", {"after": group.pk}).json()["items"] == []
    assert api.get("/conversations/search", {"q": "after Eve"}).json()["items"] == []
    detail = api.get(f"/conversations/{cid}").json()
    assert detail["last_message"]["body"] == "Before Eve left"
    assert api.delete(f"/conversations/{cid}/messages/{later.pk}").status_code == 404

    client = Client()
    client.force_login(eve)
    poll = client.get(reverse("messaging:poll", args=[cid]) + f"?after={group.pk}")
    assert poll.status_code == 204
    page = client.get(reverse("messaging:conversation", args=[cid])).content.decode()
    assert "Said after Eve left" not in page


def test_a_message_request_is_invisible_to_everyone_else(client, world):
    """A request between two members is theirs alone."""
    stranger = ProfileFactory().user
    request = start(stranger, world["ben"], body="Private request text")
    client.force_login(world["ana"])
    response = client.get(reverse("messaging:conversation", args=[request.conversation_id]))
    assert response.status_code == 404
