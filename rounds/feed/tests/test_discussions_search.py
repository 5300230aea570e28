"""The discussions tab (threads of the member's groups) and post search, in pages and the API:
only readable content, blocks, mutes and moderation respected, cursor pagination without
duplicates or gaps."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from rounds.community.models import GroupMembership, MembershipState, Thread
from rounds.core.tests.api_client import api_as
from rounds.feed import services
from rounds.feed.models import Audience
from rounds.feed.selectors import Cursor, discussions, search_posts
from rounds.feed.tests.factories import join, make_group, make_post
from rounds.network.models import Block
from rounds.network.tests.factories import connect
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


def fresh(user):
    return type(user).objects.get(pk=user.pk)


def thread(group, author, title, *, minutes_ago=0, **fields):
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return Thread.objects.create(
        group=group, author=author, title=title, body="Body", last_activity_at=at, **fields
    )


@pytest.fixture
def forum(db):
    me, owner, blocked, muted = (ProfileFactory().user for _ in range(4))
    mine = make_group(owner, visibility="private", slug="my-private-forum")
    public = make_group(owner, slug="public-forum")
    banned_from = make_group(owner, slug="banned-forum")
    for group in (mine, banned_from):
        join(me, group)
        join(blocked, group)
        join(muted, group)
    GroupMembership.objects.filter(group=banned_from, user=me).update(state=MembershipState.BANNED)
    Block.objects.create(blocker=blocked, blocked=me)
    services.member_mute_set(actor=me, member=muted, muted=True)
    return me, owner, blocked, muted, mine, public, banned_from


def test_discussions_show_visible_threads_of_my_groups_only(forum):
    """Threads of groups where the member is active; not of public groups they did not join,
    not where they are banned; hidden threads only for their author; blocked and muted
    authors' threads never."""
    me, owner, blocked, muted, mine, public, banned_from = forum
    shown = thread(mine, owner, "Shown", minutes_ago=1)
    own_hidden = thread(mine, me, "Own hidden", minutes_ago=2, moderation_state="hidden")
    thread(mine, owner, "Hidden", minutes_ago=3, moderation_state="removed")
    thread(mine, blocked, "By a blocker", minutes_ago=4)
    thread(mine, muted, "By a muted member", minutes_ago=5)
    thread(public, owner, "Public, not joined", minutes_ago=6)
    thread(banned_from, owner, "Banned from", minutes_ago=7)
    page = discussions(viewer=fresh(me))
    assert [t.pk for t in page.items] == [shown.pk, own_hidden.pk]
    api = api_as(me).get("/feed/discussions")
    assert api.status_code == 200
    assert [t["id"] for t in api.json()["items"]] == [shown.pk, own_hidden.pk]
    assert api.json()["items"][0]["group"] == "my-private-forum"


def test_discussions_paginate_without_duplicates_or_gaps(forum):
    """By latest activity across groups and pinned threads, ties broken by id."""
    me, owner, *_rest, mine, _public, _banned = forum
    other = make_group(owner, slug="second-forum")
    join(me, other)
    made = [
        thread(other if i % 3 == 0 else mine, owner, f"Thread {i}", minutes_ago=i, pinned=i == 4)
        for i in range(6)
    ]
    tied = thread(mine, owner, "Tied", minutes_ago=0)
    Thread.objects.filter(pk=tied.pk).update(last_activity_at=made[5].last_activity_at)
    made[5:] = [tied, made[5]]  # the same time: the higher id first
    seen: list[int] = []
    cursor = None
    while True:
        page = discussions(viewer=fresh(me), cursor=cursor, size=3)
        seen += [t.pk for t in page.items]
        if not page.next_cursor:
            break
        cursor = Cursor.decode(page.next_cursor)
    assert seen == [t.pk for t in made]
    api = api_as(me)
    first = api.get("/feed/discussions?page_size=3").json()
    second = api.get(f"/feed/discussions?page_size=3&cursor={first['next_cursor']}").json()
    assert [t["id"] for t in first["items"] + second["items"]] == [t.pk for t in made[:6]]


def test_discussions_tab_page_and_anonymous_api(client, forum):
    me, owner, *_rest, mine, _public, _banned = forum
    thread(mine, owner, "Night shift handoffs")
    client.force_login(me)
    html = client.get(reverse("feed:feed") + "?tab=discussions").content.decode()
    assert "Night shift handoffs" in html
    client.logout()
    assert client.get("/api/v1/feed/discussions").status_code == 401


# --- search -----------------------------------------------------------------------------------


def search_ids(user, query, **kwargs):
    return [p.pk for p in search_posts(viewer=fresh(user), query=query, **kwargs).items]


def test_search_finds_only_posts_the_viewer_may_see():
    """Audience, private groups, blocks, moderation, mutes: search shows what the feed would."""
    me, friend, stranger, blocker, muted = (ProfileFactory().user for _ in range(5))
    connect(me, friend)
    now = timezone.now()
    public = make_post(stranger, "Sepsis bundle audit", at=now - timedelta(minutes=1))
    for_friends = make_post(
        friend, "Sepsis in the ICU", audience=Audience.CONNECTIONS, at=now - timedelta(minutes=2)
    )
    make_post(stranger, "Sepsis for connections", audience=Audience.CONNECTIONS)
    group = make_group(stranger, visibility="private", slug="closed-sepsis")
    make_post(stranger, "Sepsis in a private group", audience=Audience.GROUP, group=group)
    make_post(stranger, "Removed sepsis post", moderation_state="removed")
    make_post(blocker, "Sepsis by a blocker")
    Block.objects.create(blocker=blocker, blocked=me)
    make_post(muted, "Sepsis by a muted member")
    services.member_mute_set(actor=me, member=muted, muted=True)
    make_post(stranger, "Unrelated text")
    assert search_ids(me, "sepsis") == [public.pk, for_friends.pk]
    assert search_ids(me, "") == [] and search_ids(me, "   ") == []


def test_search_paginates_and_serves_page_and_api(client):
    me = ProfileFactory().user
    now = timezone.now()
    made = [make_post(me, f"Triage note {i}", at=now - timedelta(minutes=i)) for i in range(21)]
    seen, cursor = [], None
    while True:
        page = search_posts(viewer=fresh(me), query="triage", cursor=cursor, size=8)
        seen += [p.pk for p in page.items]
        if not page.next_cursor:
            break
        cursor = Cursor.decode(page.next_cursor)
    assert seen == [p.pk for p in made]
    api = api_as(me)
    body = api.get("/posts/search?q=triage&page_size=2").json()
    assert [p["id"] for p in body["items"]] == [made[0].pk, made[1].pk] and body["next_cursor"]
    client.force_login(me)
    html = client.get(reverse("feed:feed") + "?tab=search&q=triage").content.decode()
    assert "Triage note 0" in html and "q=triage&amp;cursor=" in html
    html = client.get(reverse("feed:feed") + "?tab=search&q=zzzz").content.decode()
    assert "No posts match" in html


def test_search_vector_follows_edits_on_postgresql():
    """PostgreSQL keeps the stored vector in step with edits (trigger); SQLite searches the
    body itself. Either way an edited post is found by its new words only."""
    me = ProfileFactory().user
    post = make_post(me, "Original wording about handoffs")
    services.post_edit(actor=me, post_id=post.pk, body="Rewritten about discharge")
    assert search_ids(me, "discharge") == [post.pk]
    assert search_ids(me, "handoffs") == []
