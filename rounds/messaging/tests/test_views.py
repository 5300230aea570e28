"""The message pages: inbox and its tabs, compose, a conversation (earlier messages, polling,
sending with and without htmx), actions, search, the navigation badge and the profile's
Message button. Every page works without JavaScript."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rounds.messaging.models import Message, Participant
from rounds.messaging.services import conversation_leave
from rounds.messaging.tests.factories import reply, start
from rounds.network.services import block
from rounds.network.tests.factories import connect
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
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
def as_ana(client, ana):
    client.force_login(ana.user)
    return client


@pytest.fixture
def chat(ana, ben):
    """A one-to-one conversation between connected Ana and Ben (Ben wrote first)."""
    connect(ana.user, ben.user)
    return start(ben.user, ana.user, body="Hello **Ana**, about the sepsis QI project")


def url(name, *args):
    return reverse(f"messaging:{name}", args=args)


# --- inbox ------------------------------------------------------------------------------------


def test_every_page_needs_sign_in(client, chat):
    """Visitors are sent to sign in from every page."""
    cid = chat.conversation_id
    for address in (
        url("inbox"),
        url("compose"),
        url("search"),
        url("conversation", cid),
        url("poll", cid) + "?after=1",
    ):
        response = client.get(address)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.post(url("send", cid), {"body": "hi"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Message.objects.count() == 1


def test_the_empty_inbox_teaches(as_ana):
    """A new member's inbox says messages are between connections and how to start."""
    html = as_ana.get(url("inbox")).content.decode()
    assert "a genuine note beats a blank one" in html
    assert reverse("network:connections") in html
    requests = as_ana.get(url("inbox") + "?box=requests").content.decode()
    assert "No message requests" in requests


def test_the_inbox_lists_conversations_with_unread_badges(as_ana, chat, chen, ana):
    """Newest activity first, the other's name, a preview, "New" while unread."""
    connect(ana.user, chen.user)
    start(chen.user, ana.user, body="Coffee at the conference?")
    html = as_ana.get(url("inbox")).content.decode()
    assert html.index("Chen Li") < html.index("Ben Okafor")
    assert "Coffee at the conference?" in html
    assert html.count('class="dm-new"') == 2
    assert "conversations waiting" in html  # the navigation badge


def test_requests_wait_under_their_own_tab(client, ana, ben):
    """A stranger's message is under Requests, not in the inbox; the tab shows a count."""
    start(ben.user, ana.user, body="We met at the ACP meeting")
    client.force_login(ana.user)
    inbox = client.get(url("inbox")).content.decode()
    assert "We met at the ACP meeting" not in inbox
    requests = client.get(url("inbox") + "?box=requests").content.decode()
    assert "We met at the ACP meeting" in requests
    assert "accept or ignore" in requests


def test_bad_inbox_parameters_are_400(as_ana):
    """An unknown tab or a junk cursor is a 400 with a message, never a 500."""
    assert as_ana.get(url("inbox") + "?box=spam").status_code == 400
    for cursor in ("abc", "-1", "0", "9" * 40, "1.5"):
        response = as_ana.get(url("inbox") + f"?before={cursor}")
        assert response.status_code == 400, cursor
        assert b"not valid" in response.content


def test_the_inbox_pages_by_cursor(as_ana, ana, settings):
    """``before`` continues the list after the last conversation shown."""
    for _ in range(22):
        other = ProfileFactory().user
        connect(ana.user, other)
        start(other, ana.user)
    first = as_ana.get(url("inbox"))
    assert first.context["page"].has_more
    cursor = first.context["page"].next_cursor
    second = as_ana.get(url("inbox") + f"?before={cursor}")
    assert len(second.context["rows"]) == 2
    assert "Older conversations" in first.content.decode()


# --- composing --------------------------------------------------------------------------------


def test_compose_opens_the_existing_conversation(as_ana, chat):
    """The profile's "Message" goes straight to the conversation you already have."""
    response = as_ana.get(url("compose") + "?to=ben")
    assert response.status_code == 302
    assert response["Location"] == url("conversation", chat.conversation_id)


def test_compose_to_a_stranger_explains_requests(as_ana, chen):
    """Writing to a non-connection says the message arrives as a request."""
    html = as_ana.get(url("compose") + "?to=chen").content.decode()
    assert "arrives as a" in html and "request" in html
    assert "Chen Li" in html


def test_compose_sends_and_opens_the_conversation(as_ana, ana, ben):
    """A plain POST starts the conversation and redirects to it."""
    connect(ana.user, ben.user)
    response = as_ana.post(url("compose"), {"to": "@ben", "body": "Lunch on Thursday?"})
    message = Message.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("conversation", message.conversation_id) + "#latest"
    assert message.body == "Lunch on Thursday?"


def test_compose_starts_a_group(as_ana, ana, ben, chen):
    """Several handles of connections make a group."""
    connect(ana.user, ben.user)
    connect(ana.user, chen.user)
    as_ana.post(url("compose"), {"to": "ben, chen", "body": "Journal club?"})
    assert Message.objects.get().conversation.participants.count() == 3


def test_compose_errors_come_back_on_the_form(as_ana, ana, ben, chen):
    """Unknown handles, strangers in a group, blocks and empty bodies are 4xx with messages."""
    connect(ana.user, ben.user)
    cases = [
        ({"to": "nobody-here", "body": "Hi"}, 422, "No member with the handle"),
        ({"to": "ben, chen", "body": "Hi"}, 422, "not connected to"),
        ({"to": "ben", "body": ""}, 422, "Write a message first"),
        ({"to": "", "body": "Hi"}, 422, "Choose who to write to"),
        ({"to": "ana", "body": "Hi"}, 422, "yourself"),
    ]
    for data, status, text in cases:
        response = as_ana.post(url("compose"), data)
        assert response.status_code == status, data
        assert text in response.content.decode(), data
    block(actor=chen.user, blocked=ana.user)
    response = as_ana.post(url("compose"), {"to": "chen", "body": "Hi"})
    assert response.status_code == 422
    assert "No member with the handle" in response.content.decode()
    assert not Message.objects.exists()


# --- a conversation ---------------------------------------------------------------------------


def test_the_conversation_page_renders_and_marks_read(as_ana, ana, chat):
    """Markdown is rendered safely, the composer is there, and opening marks it read."""
    response = as_ana.get(url("conversation", chat.conversation_id))
    html = response.content.decode()
    assert "<strong>Ana</strong>" in html
    assert 'id="dm-composer"' in html
    assert 'hx-trigger="every 5s' in html
    assert "Only the people in this conversation can read it" in html
    seat = Participant.objects.get(user=ana.user)
    assert seat.last_read_message_id == chat.pk


def test_message_markup_is_sanitised(as_ana, ana, ben, chat):
    """Raw HTML and javascript: links in a message never reach the page as markup."""
    reply(
        ben.user, chat, "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=y>"
    )
    html = as_ana.get(url("conversation", chat.conversation_id)).content.decode()
    assert "<script>alert(1)" not in html
    assert 'href="javascript:' not in html
    assert "<img src=x" not in html


def test_sending_without_javascript_redirects_back(as_ana, chat):
    """A plain POST sends and comes back to the newest messages."""
    response = as_ana.post(url("send", chat.conversation_id), {"body": "Thursday works"})
    assert response.status_code == 302
    assert response["Location"].endswith("#latest")
    assert Message.objects.filter(body="Thursday works").exists()


def test_sending_with_htmx_returns_a_fresh_composer_and_triggers_polling(as_ana, chat):
    """htmx gets an empty composer and an ``HX-Trigger`` so the poller fetches the message."""
    response = as_ana.post(url("send", chat.conversation_id), {"body": "Via htmx"}, **HTMX)
    assert response.status_code == 200
    assert response["HX-Trigger"] == "dm-sent"
    html = response.content.decode()
    assert 'id="dm-composer"' in html and "Via htmx" not in html


def test_send_errors_come_back_on_the_composer(as_ana, chat):
    """An empty or over-long message is a 422 on the composer (htmx and not)."""
    for headers in ({}, HTMX):
        response = as_ana.post(url("send", chat.conversation_id), {"body": "x" * 5001}, **headers)
        assert response.status_code == 422
        assert "5000 characters" in response.content.decode()
    assert Message.objects.count() == 1


def test_polling_returns_only_newer_messages_or_204(as_ana, ben, chat):
    """The poller gets 204 when nothing is new, else the new messages and a new poller."""
    poll = url("poll", chat.conversation_id)
    assert as_ana.get(poll + f"?after={chat.pk}", **HTMX).status_code == 204
    newer = reply(ben.user, chat, "Are you free at 3?")
    response = as_ana.get(poll + f"?after={chat.pk}", **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Are you free at 3?" in html and "sepsis QI" not in html
    assert f"after={newer.pk}" in html
    assert as_ana.get(poll).status_code == 400
    assert as_ana.get(poll + "?after=abc").status_code == 400


def test_earlier_messages_load_by_cursor(as_ana, ana, ben, chat):
    """Earlier messages load by cursor (a fragment for htmx, the page without JavaScript)."""
    for number in range(35):
        reply(ben.user if number % 2 else ana.user, chat, f"Message number {number}")
    page = as_ana.get(url("conversation", chat.conversation_id))
    html = page.content.decode()
    assert "Load earlier messages" in html and "sepsis QI" not in html
    cursor = page.context["page"].next_cursor
    earlier = as_ana.get(url("conversation", chat.conversation_id) + f"?before={cursor}", **HTMX)
    fragment = earlier.content.decode()
    assert "sepsis QI" in fragment and "<html" not in fragment
    plain = as_ana.get(url("conversation", chat.conversation_id) + f"?before={cursor}")
    assert "Jump to the newest messages" in plain.content.decode()


def test_seen_marker_in_a_one_to_one_conversation(client, ana, ben, chat):
    """After the other reads your message, it says "Seen"."""
    client.force_login(ben.user)
    assert "dm-seen" not in client.get(url("conversation", chat.conversation_id)).content.decode()
    client.force_login(ana.user)
    client.get(url("conversation", chat.conversation_id))
    client.force_login(ben.user)
    html = client.get(url("conversation", chat.conversation_id)).content.decode()
    assert 'class="dm-seen' in html


def test_mute_leave_accept_ignore_and_delete_through_the_pages(client, ana, ben, chen):
    """Every action is a plain form that redirects with a message."""
    connect(ana.user, ben.user)
    connect(ana.user, chen.user)
    group = start(ana.user, ben.user, chen.user, body="Group hello")
    client.force_login(ben.user)
    cid = group.conversation_id
    assert client.post(url("mute", cid), {"muted": "1"}).status_code == 302
    assert Participant.objects.get(user=ben.user, conversation_id=cid).muted
    assert client.post(url("mute", cid), {"muted": "maybe"}).status_code == 400
    assert client.post(url("leave", cid)).status_code == 302
    assert Participant.objects.get(user=ben.user, conversation_id=cid).status == Status.LEFT
    assert client.post(url("leave", cid)).status_code == 409

    request = start(chen.user, ProfileFactory(handle="dana").user, body="Hi Dana")
    dana = request.conversation.participants.exclude(user=chen.user).get().user
    client.force_login(dana)
    page = client.get(url("conversation", request.conversation_id)).content.decode()
    assert "A message request." in page and 'id="dm-composer"' not in page
    assert client.post(url("ignore", request.conversation_id)).status_code == 302
    assert client.post(url("accept", request.conversation_id)).status_code == 302
    assert client.post(url("accept", request.conversation_id)).status_code == 409

    client.force_login(ana.user)
    response = client.post(url("delete_message", cid, group.pk), **HTMX)
    assert "This message was deleted" in response.content.decode()
    assert client.post(url("delete_message", cid, group.pk)).status_code == 302  # again: no-op
    reply(chen.user, group, "Chen's own")
    own = Message.objects.get(body="Chen's own")
    client.force_login(ana.user)
    assert client.post(url("delete_message", cid, own.pk)).status_code == 403


def test_a_blocked_one_to_one_conversation_is_read_only(as_ana, ana, chat, ben):
    """After a block the page says so and offers no composer; posting is a 403."""
    block(actor=ben.user, blocked=ana.user)
    html = as_ana.get(url("conversation", chat.conversation_id)).content.decode()
    assert "read-only" in html and 'id="dm-composer"' not in html
    assert as_ana.post(url("send", chat.conversation_id), {"body": "Hi?"}).status_code == 403


def test_a_member_who_left_sees_a_notice_and_no_new_messages(client, ana, ben, chen):
    """The page of a group you left shows what was said before, no composer, no poller."""
    connect(ana.user, ben.user)
    connect(ana.user, chen.user)
    group = start(ana.user, ben.user, chen.user, body="Before")
    conversation_leave(actor=chen.user, conversation_id=group.conversation_id)
    reply(ana.user, group, "After Chen left")
    client.force_login(chen.user)
    html = client.get(url("conversation", group.conversation_id)).content.decode()
    assert "Before" in html and "After Chen left" not in html
    assert "dm-poller" not in html and 'id="dm-composer"' not in html


# --- search, navigation, profile --------------------------------------------------------------


def test_search_finds_your_messages_only(client, ana, ben, chen, chat):
    """Search covers the viewer's conversations; short queries explain themselves."""
    connect(ben.user, chen.user)
    start(ben.user, chen.user, body="sepsis talk for Chen only")
    client.force_login(ana.user)
    html = client.get(url("search") + "?q=SEPSIS").content.decode()
    assert "about the sepsis QI project" in html
    assert "Chen only" not in html
    short = client.get(url("search") + "?q=a")
    assert short.status_code == 400 and "at least 2" in short.content.decode()
    assert "Find a message" in client.get(url("search")).content.decode()
    assert "Nothing found" in client.get(url("search") + "?q=zebra").content.decode()


def test_the_profile_offers_a_message_button(as_ana, ben):
    """Another member's profile links to compose; your own does not."""
    html = as_ana.get(reverse("profiles:detail", args=["ben"])).content.decode()
    assert url("compose") + "?to=ben" in html
    own = as_ana.get(reverse("profiles:detail", args=["ana"])).content.decode()
    assert url("compose") + "?to=ana" not in own


def test_the_navigation_badge_counts_waiting_conversations(client, ana, ben, chat):
    """The "Messages" badge counts unread conversations and disappears once read."""
    client.force_login(ana.user)
    home = client.get(reverse("network:home")).content.decode()
    assert '1<span class="visually-hidden"> conversation waiting' in home
    client.get(url("conversation", chat.conversation_id))
    home = client.get(reverse("network:home")).content.decode()
    assert "conversation waiting" not in home


def test_a_member_who_blocked_you_is_never_seen_reading(as_ana, ana, ben):
    """Ben blocks Ana, then reads her last message: Ana's page and API say nothing of it (the
    "Seen" marker and his read position stay hidden across a block, either way)."""
    from rounds.messaging.services import conversation_mark_read

    connect(ana.user, ben.user)
    first = start(ana.user, ben.user, body="Are you coming on Friday?")
    cid = first.conversation_id
    block(actor=ben.user, blocked=ana.user)
    conversation_mark_read(actor=ben.user, conversation_id=cid)
    html = as_ana.get(url("conversation", cid)).content.decode()
    assert "dm-seen" not in html
    data = as_ana.get(f"/api/v1/conversations/{cid}").json()
    them = next(p for p in data["participants"] if not p["is_you"])
    assert them["last_read_message_id"] is None
    listed = as_ana.get("/api/v1/conversations").json()["items"][0]
    assert all(p["last_read_message_id"] is None for p in listed["participants"] if not p["is_you"])
