"""Query counts of the message pages and list endpoints: the same at two data sizes (3 and
25 rows, the larger one filling a page), so no list costs a query per row."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rounds.core.tests.api_client import api_as
from rounds.messaging.tests.factories import reply, start
from rounds.network.tests.factories import connect
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db

SMALL, LARGE = 3, 25
#: Ceilings: the point is that counts do not grow, but pages should stay cheap too.
MAX_PAGE_QUERIES = 20
MAX_API_QUERIES = 12


@pytest.fixture
def me():
    return ProfileFactory(handle="me").user


@pytest.fixture
def friends(me):
    """Two connections to build groups with."""
    pair = [ProfileFactory().user, ProfileFactory().user]
    for friend in pair:
        connect(me, friend)
    connect(pair[0], pair[1])
    return pair


def grow_inbox(me, friends, count: int) -> None:
    """``count`` more conversations: every third a group, the rest one-to-one (some requests)."""
    for index in range(count):
        if index % 3 == 0:
            start(friends[0], me, friends[1], body=f"Group note {index}")
            continue
        other = ProfileFactory().user
        if index % 3 == 1:
            connect(me, other)
        message = start(other, me, body=f"Hello, a note {index}")
        if index % 3 == 1:
            reply(me, message, f"Answer to the note {index}")


def grow_thread(conversation_id: int, me, friend, count: int) -> None:
    """``count`` more messages, the last one from ``friend`` (so ``me`` has something unread)."""
    for index in range(count):
        reply(friend if (count - index) % 2 else me, conversation_id, f"Message {index}")


def count(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code == 200, response.content[:300]
    return len(captured)


def test_inbox_page(client, me, friends):
    """The inbox page costs the same with 3 or 20 conversations on it."""
    client.force_login(me)
    counts = []
    for added in (SMALL, LARGE - SMALL):
        grow_inbox(me, friends, added)
        counts.append(count(lambda: client.get(reverse("messaging:inbox"))))
    assert counts[0] == counts[1] <= MAX_PAGE_QUERIES, counts


def test_a_warm_inbox_reads_its_requests_count_with_the_account(client, me, friends):
    """Warm, the inbox is three queries: the session with the account, the navigation and the
    requests count (``navigation_prefetch``), then the page's seats and their members. The
    count is the current one after a new request arrives."""
    client.force_login(me)
    start(friends[0], me, body="A note between connections")
    for index in range(2):
        start(ProfileFactory().user, me, body=f"A request {index}")  # not connected: requests
    url = reverse("messaging:inbox")
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(url).content.decode()
    assert len(captured) == 3, [q["sql"][:70] for q in captured.captured_queries]
    assert '2<span class="visually-hidden"> waiting</span>' in page
    start(ProfileFactory().user, me, body="A third request")
    assert '3<span class="visually-hidden"> waiting</span>' in client.get(url).content.decode()


def test_requests_tab(client, me):
    """The requests tab costs the same with 3 or 20 requests."""
    client.force_login(me)
    counts = []
    for added in (SMALL, LARGE - SMALL):
        for _ in range(added):
            start(ProfileFactory().user, me)
        counts.append(count(lambda: client.get(reverse("messaging:inbox") + "?box=requests")))
    assert counts[0] == counts[1] <= MAX_PAGE_QUERIES, counts


@pytest.mark.parametrize("group", [False, True], ids=["one-to-one", "group"])
def test_conversation_page(client, me, friends, group):
    """A conversation page costs the same with 3 or 25 messages on it."""
    first = start(me, *(friends if group else friends[:1]), body="Start")
    cid = first.conversation_id
    client.force_login(me)
    counts = []
    for added in (SMALL, LARGE - SMALL):
        grow_thread(cid, me, friends[0], added)
        counts.append(count(lambda: client.get(reverse("messaging:conversation", args=[cid]))))
    assert counts[0] == counts[1] <= MAX_PAGE_QUERIES, counts


def test_reopening_a_read_conversation_writes_nothing(client, me, friends):
    """Opening a conversation again, with nothing new, reads only: no UPDATE, fewer queries."""
    first = start(me, friends[0], body="Start")
    cid = first.conversation_id
    grow_thread(cid, me, friends[0], LARGE)
    client.force_login(me)
    address = reverse("messaging:conversation", args=[cid])
    with CaptureQueriesContext(connection) as unread:
        assert client.get(address).status_code == 200
    with CaptureQueriesContext(connection) as read:
        assert client.get(address).status_code == 200
    assert any(q["sql"].startswith("UPDATE") for q in unread.captured_queries)
    assert not any(q["sql"].startswith("UPDATE") for q in read.captured_queries)
    assert len(read) < len(unread)
    # read: the session with the account, the navigation and the viewer's seat
    # (``navigation_prefetch``), then the page of messages and the participants
    assert len(read) == 3, [q["sql"][:70] for q in read.captured_queries]
    stranger = Client()
    stranger.force_login(ProfileFactory().user)
    assert stranger.get(address).status_code == 404  # not a participant: still nothing


def test_poll_fragment(client, me, friends):
    """The poller's answer costs the same for 3 or 25 new messages."""
    first = start(me, friends[0], body="Start")
    cid = first.conversation_id
    client.force_login(me)
    address = reverse("messaging:poll", args=[cid]) + f"?after={first.pk}"
    counts = []
    for added in (SMALL, LARGE - SMALL):
        grow_thread(cid, me, friends[0], added)
        counts.append(count(lambda: client.get(address, HTTP_HX_REQUEST="true")))
    assert counts[0] == counts[1] <= MAX_PAGE_QUERIES, counts


def test_search_page(client, me, friends):
    """Search results cost the same for 3 or 20 hits across conversations."""
    client.force_login(me)
    counts = []
    for added in (SMALL, LARGE - SMALL):
        grow_inbox(me, friends, added)
        counts.append(count(lambda: client.get(reverse("messaging:search") + "?q=note")))
    assert counts[0] == counts[1] <= MAX_PAGE_QUERIES, counts


def test_api_conversation_list(me, friends):
    """GET /conversations costs the same for 3 or 25 conversations."""
    api = api_as(me)
    api.get("/conversations")  # the token's first use stamps last_used_at
    counts = []
    for added in (SMALL, LARGE - SMALL):
        grow_inbox(me, friends, added)
        counts.append(count(lambda: api.get("/conversations", {"limit": 100})))
    assert counts[0] == counts[1] <= MAX_API_QUERIES, counts


def test_api_messages_and_search(me, friends):
    """GET .../messages and /conversations/search cost the same for 3 or 25 items."""
    first = start(me, friends[0], friends[1], body="Start")
    cid = first.conversation_id
    api = api_as(me)
    api.get("/conversations")
    message_counts, search_counts = [], []
    for added in (SMALL, LARGE - SMALL):
        grow_thread(cid, me, friends[0], added)
        message_counts.append(
            count(lambda: api.get(f"/conversations/{cid}/messages", {"limit": 100}))
        )
        search_counts.append(
            count(lambda: api.get("/conversations/search", {"q": "Message", "limit": 100}))
        )
    assert message_counts[0] == message_counts[1] <= MAX_API_QUERIES, message_counts
    assert search_counts[0] == search_counts[1] <= MAX_API_QUERIES, search_counts


def test_people_added_cost_no_query_per_system_line(client, me, friends):
    """A group with 1 or 7 people added ("… added …" lines on the page, one as the newest
    message) costs the same: the conversation page, polling, the inbox and the API lists name
    the members of system lines from what they already load."""
    from rounds.messaging.services import conversation_add_people

    cid = start(me, *friends, body="Start").conversation_id
    client.force_login(me)
    api = api_as(me)
    api.get("/conversations")  # the token's first use records it (once)
    conversation = reverse("messaging:conversation", args=[cid])
    poll = reverse("messaging:poll", args=[cid]) + "?after=1"
    calls = {
        "page": lambda: client.get(conversation),
        "poll": lambda: client.get(poll),
        "inbox": lambda: client.get(reverse("messaging:inbox")),
        "api messages": lambda: api.get(f"/conversations/{cid}/messages"),
        "api list": lambda: api.get("/conversations"),
        "api detail": lambda: api.get(f"/conversations/{cid}"),
    }
    counts: dict[str, list[int]] = {name: [] for name in calls}
    for added in (1, 6):
        people = [ProfileFactory().user for _ in range(added)]
        for person in people:
            connect(me, person)
        conversation_add_people(actor=me, conversation_id=cid, people=people)
        for name, call in calls.items():
            counts[name].append(count(call))
    for name, (small, large) in counts.items():
        assert small == large <= MAX_PAGE_QUERIES, (name, counts)
