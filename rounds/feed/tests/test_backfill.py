"""Back-fill on a new tie: connecting with or following someone puts their recent posts the
member may see into the member's inbox at once (``services.inbox_backfill``), so the home
feed — page and API — shows them in order, exactly as if the tie had always existed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from rounds.core.testing import clear_test_cache
from rounds.core.tests.api_client import api_as
from rounds.feed import selectors, services
from rounds.feed.models import Audience, InboxEntry, Post
from rounds.feed.selectors import Cursor, home_feed
from rounds.feed.tests import factories
from rounds.feed.tests.factories import make_group, publish
from rounds.network.models import Block
from rounds.network.services import (
    connection_remove,
    connection_request_send,
    follow,
    unfollow,
)
from rounds.network.tests.factories import connect
from rounds.profiles.tests.factories import ProfileFactory


def make_post(*args, **kwargs):  # type: ignore[no-untyped-def]
    """Posts written before the tie and before any inbox: not fanned out (the back-fill's
    subject)."""
    return factories.make_post(*args, fan=False, **kwargs)


pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_hubs():
    clear_test_cache()
    yield
    clear_test_cache()


def ago(**delta: float):
    return timezone.now() - timedelta(**delta)


def shift(post: Post, at) -> Post:
    """Move a published post (and its inbox entries) back in time."""
    Post.objects.filter(pk=post.pk).update(created_at=at)
    InboxEntry.objects.filter(post=post).update(created_at=at)
    post.created_at = at
    return post


def inbox(user) -> set[int]:
    return set(InboxEntry.objects.filter(member=user).values_list("post_id", flat=True))


def page_ids(client) -> list[int]:
    """The post ids of the /feed/ page, in order."""
    response = client.get(reverse("feed:feed"))
    assert response.status_code == 200
    return [int(pk) for pk in re.findall(r'id="post-(\d+)"', response.content.decode())]


def api_ids(user) -> list[int]:
    response = api_as(user).get("/feed")
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


@pytest.fixture
def scene(db):
    """A clinician whose inbox holds their own post of three days ago, and an author who wrote
    before they knew each other: a week-old post (below the inbox), then — newer than
    anything in the inbox — public, members and connections posts, one removed by moderators
    and one in the author's public group (groups are merged at read time, for members only)."""
    me = ProfileFactory(display_name="Maya Okafor").user
    author = ProfileFactory(display_name="Ravi Menon").user
    mine = shift(publish(me, "Our ward's discharge checklist"), ago(days=3))
    posts = {
        "old": make_post(author, "A week ago", at=ago(days=7)),
        "public": make_post(author, "Two days ago, public", at=ago(days=2)),
        "members": make_post(author, "Yesterday", audience=Audience.MEMBERS, at=ago(days=1)),
        "connections": make_post(
            author, "An hour ago", audience=Audience.CONNECTIONS, at=ago(hours=1)
        ),
        "removed": make_post(author, "Removed", at=ago(minutes=30), moderation_state="removed"),
        "group": make_post(
            author,
            "In my group",
            audience=Audience.GROUP,
            group=make_group(author, slug="wound-care"),
            at=ago(hours=2),
        ),
    }
    assert inbox(me) == {mine.pk}
    return me, author, mine, posts


def test_connecting_shows_the_new_connections_earlier_posts_at_once_in_page_and_api(
    scene, client, django_capture_on_commit_callbacks
):
    """Accepting a request: the other member's earlier posts the member may see (connections
    ones included) appear at once, newest first, around the member's own; not removed ones."""
    me, author, mine, posts = scene
    request = connection_request_send(actor=author, recipient=me)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(me).post(f"/network/requests/{request.pk}/accept")
    assert response.status_code == 200, response.content
    expected = [
        posts["connections"].pk,
        posts["members"].pk,
        posts["public"].pk,
        mine.pk,
        posts["old"].pk,
    ]
    client.force_login(me)
    assert page_ids(client) == expected
    assert api_ids(me) == expected
    # only what fan-out would have written, and nothing below the inbox's oldest entry
    assert inbox(me) == {mine.pk, posts["connections"].pk, posts["members"].pk, posts["public"].pk}
    # the author's inbox is empty (nothing back-filled): their feed is read at read time, their
    # own removed post included (authors see theirs, with the reason)
    assert not InboxEntry.objects.filter(member=author).exists()
    assert api_ids(author) == [
        posts["removed"].pk,
        posts["connections"].pk,
        posts["group"].pk,
        *expected[1:],
    ]


def test_following_shows_public_and_members_posts_but_not_connections_only_ones(
    scene, client, django_capture_on_commit_callbacks
):
    """Following from the member's page: a follower who is not a connection gets the public and
    members posts at once, never the connections-only one."""
    me, author, mine, posts = scene
    client.force_login(me)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("network:follow", args=[author.profile.handle]))
    assert response.status_code == 302
    expected = [posts["members"].pk, posts["public"].pk, mine.pk, posts["old"].pk]
    assert page_ids(client) == expected
    assert api_ids(me) == expected


def test_unfollowing_and_disconnecting_drop_the_back_filled_posts_at_read_time(
    scene, django_capture_on_commit_callbacks
):
    """Back-filled entries are candidates: disconnecting takes the connections-only post out
    (the follow keeps the rest), unfollowing takes the rest out; the rows may stay."""
    me, author, mine, posts = scene
    with django_capture_on_commit_callbacks(execute=True):
        follow(actor=me, followee=author)
        connect(me, author)
    assert api_ids(me)[:3] == [posts["connections"].pk, posts["members"].pk, posts["public"].pk]
    connection_remove(actor=me, other_id=author.pk)
    assert api_ids(me) == [posts["members"].pk, posts["public"].pk, mine.pk, posts["old"].pk]
    unfollow(actor=me, followee_id=author.pk)
    assert api_ids(me) == [mine.pk]
    assert posts["public"].pk in inbox(me)


def test_back_fill_is_idempotent_on_refollowing_and_adds_only_what_a_new_tie_allows(
    scene, django_capture_on_commit_callbacks
):
    """Following, unfollowing and following again writes each entry once; connecting later
    adds just the connections-only post; running it again writes nothing."""
    me, author, mine, posts = scene
    with django_capture_on_commit_callbacks(execute=True):
        follow(actor=me, followee=author)
    followed = {mine.pk, posts["members"].pk, posts["public"].pk}
    assert inbox(me) == followed
    unfollow(actor=me, followee_id=author.pk)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        follow(actor=me, followee=author)
    assert len(callbacks) == 1 and inbox(me) == followed
    assert InboxEntry.objects.filter(member=me).count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        connect(author, me)
    assert inbox(me) == followed | {posts["connections"].pk}
    assert services.inbox_backfill(member_id=me.pk, author_id=author.pk) == 0
    assert InboxEntry.objects.filter(member=me).count() == 4


def test_blocked_pairs_get_nothing(scene, django_capture_on_commit_callbacks):
    """A member the author blocks cannot follow (404) and gets no entries; a block standing
    when the back-fill runs (recorded after the tie) also leaves the inbox alone."""
    me, author, mine, _posts = scene
    Block.objects.create(blocker=author, blocked=me)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(me).put(f"/members/{author.profile.handle}/follow")
    assert response.status_code == 404
    assert inbox(me) == {mine.pk}
    Block.objects.all().delete()
    follow(actor=me, followee=author)  # callbacks not run: the block comes first
    Block.objects.create(blocker=me, blocked=author)
    assert services.inbox_backfill(member_id=me.pk, author_id=author.pk) == 0
    assert inbox(me) == {mine.pk}
    assert api_ids(me) == [mine.pk]


def test_hub_authors_are_not_back_filled_but_still_read_at_request_time(
    scene, monkeypatch, django_capture_on_commit_callbacks
):
    """An author with hub reach gets no back-fill (like fan-out); the feed reads their posts
    per author at request time, so the follower sees them at once all the same."""
    me, author, mine, posts = scene
    monkeypatch.setattr(selectors, "HUB_REACH", 2)
    follow(actor=ProfileFactory().user, followee=author)
    clear_test_cache()
    with django_capture_on_commit_callbacks(execute=True):
        follow(actor=me, followee=author)  # two followers: a hub
    assert author.pk in selectors.hub_ids()
    assert inbox(me) == {mine.pk}
    # (hubs are read with the read-time rule, which admits their posts in public groups the
    # member has not joined; the inbox does not: a difference of the read path, not ours)
    posts["group"].delete()
    assert api_ids(me) == [posts["members"].pk, posts["public"].pk, mine.pk, posts["old"].pk]


def test_back_fill_is_one_statement_per_direction(scene, django_assert_num_queries):
    """One INSERT … SELECT per member and author (the hub set comes from the cache)."""
    me, author, _mine, _posts = scene
    connect(me, author)  # callbacks not run
    selectors.hub_ids()
    with django_assert_num_queries(1):
        assert services.inbox_backfill(member_id=me.pk, author_id=author.pk) == 3
    with django_assert_num_queries(1):
        assert services.inbox_backfill(member_id=author.pk, author_id=me.pk) == 0


def pages(viewer, *, size: int) -> list[int]:
    seen: list[int] = []
    cursor = None
    while True:
        page = home_feed(viewer=type(viewer).objects.get(pk=viewer.pk), cursor=cursor, size=size)
        seen += [p.pk for p in page.items]
        if not page.next_cursor:
            return seen
        cursor = Cursor.decode(page.next_cursor)


def test_after_new_ties_the_inbox_feed_pages_like_the_read_time_merge(
    monkeypatch, django_capture_on_commit_callbacks
):
    """Old friends fanned out into the inbox, then new connections and followees whose posts
    interleave with theirs (above and below the inbox's floor, every audience): the inbox
    feed pages exactly like the read-time merge; with a back-fill smaller than the window,
    the next trim to the same size restores that."""
    me = ProfileFactory().user
    friends = [ProfileFactory().user for _ in range(2)]
    newcomers = [ProfileFactory().user for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        for friend in friends:
            connect(me, friend)
    audiences = (Audience.PUBLIC, Audience.CONNECTIONS, Audience.MEMBERS)
    for i in range(24):
        at = ago(minutes=200 - 5 * i)
        if i % 2:
            shift(publish(friends[i % 4 // 2], f"friend {i}", audience=audiences[i % 3]), at)
        else:
            audience = audiences[i // 3 % 3]
            make_post(newcomers[i % 3], f"newcomer {i}", audience=audience, at=at)
    make_post(newcomers[0], "long ago", at=ago(days=30))
    with django_capture_on_commit_callbacks(execute=True):
        connect(newcomers[0], me)
        follow(actor=me, followee=newcomers[1])
        follow(actor=me, followee=newcomers[2])
        connect(me, newcomers[2])
    monkeypatch.setattr(selectors, "USE_INBOX", False)
    read_time = pages(me, size=5)
    monkeypatch.setattr(selectors, "USE_INBOX", True)
    # friends' 12; newcomers 0 and 2: 4 each (+ the old one); 1 (followed only): not the two
    # connections-only posts
    assert len(read_time) == 12 + 5 + 4 + 2
    assert pages(me, size=3) == pages(me, size=5) == read_time
    # a back-fill smaller than what the author wrote inside the window
    late = ProfileFactory().user
    for i in range(4):
        make_post(late, f"late {i}", at=ago(minutes=100 - 10 * i))
    monkeypatch.setattr(services, "BACKFILL_LIMIT", 2)
    with django_capture_on_commit_callbacks(execute=True):
        follow(actor=me, followee=late)
    monkeypatch.setattr(selectors, "USE_INBOX", False)
    read_time = pages(me, size=5)
    monkeypatch.setattr(selectors, "USE_INBOX", True)
    assert services.inbox_trim(cap=2) > 0
    assert pages(me, size=3) == read_time
