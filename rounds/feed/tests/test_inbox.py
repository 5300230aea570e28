"""Fan-out on write into a capped per-member inbox, hubs and groups merged at read time: who
gets an entry, that the reader re-applies every rule, and that the feed's pages are those of
the read-time merge (before and after trimming, with hubs) without duplicates or gaps."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from rounds.core.testing import clear_test_cache
from rounds.feed import selectors, services
from rounds.feed.models import Audience, InboxEntry
from rounds.feed.selectors import Cursor, home_feed
from rounds.feed.tests.factories import join, make_group, publish
from rounds.network.models import Block
from rounds.network.services import follow, unfollow
from rounds.network.tests.factories import connect
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_hubs():
    clear_test_cache()
    yield
    clear_test_cache()


def inbox(user) -> set[int]:
    return set(InboxEntry.objects.filter(member=user).values_list("post_id", flat=True))


@pytest.fixture
def circle(db):
    author, friend, follower, stranger = (ProfileFactory().user for _ in range(4))
    connect(author, friend)
    follow(actor=follower, followee=author)
    return author, friend, follower, stranger


def test_publishing_fans_out_to_author_connections_and_followers_by_audience(circle):
    author, friend, follower, stranger = circle
    public = publish(author, "For everyone")
    members = publish(author, "For members", audience=Audience.MEMBERS)
    conn = publish(author, "For connections", audience=Audience.CONNECTIONS)
    group = make_group(author, slug="ward-forum")
    in_group = publish(author, "In the group", audience=Audience.GROUP, group_slug="ward-forum")
    assert inbox(author) == {public.pk, members.pk, conn.pk}
    assert inbox(friend) == {public.pk, members.pk, conn.pk}
    assert inbox(follower) == {public.pk, members.pk}
    assert inbox(stranger) == set()
    assert in_group.group_id == group.pk and not InboxEntry.objects.filter(post=in_group).exists()


def test_hubs_are_not_fanned_out_and_are_merged_at_read_time(circle, monkeypatch):
    author, friend, follower, _stranger = circle
    monkeypatch.setattr(selectors, "HUB_REACH", 2)  # the author: 1 connection + 1 follower
    post = publish(author, "From a hub")
    assert not InboxEntry.objects.filter(post=post).exists()
    for reader in (friend, follower):
        assert post.pk in [p.pk for p in home_feed(viewer=reader).items]


def test_the_reader_reapplies_blocks_mutes_unfollows_moderation_and_deletes(circle):
    author, friend, follower, _stranger = circle
    kept = publish(author, "Kept")
    removed = publish(author, "Removed by moderators")
    deleted = publish(author, "Deleted")
    type(removed).objects.filter(pk=removed.pk).update(moderation_state="removed")
    services.post_delete(actor=author, post_id=deleted.pk)
    assert [p.pk for p in home_feed(viewer=friend).items] == [kept.pk]
    unfollow(actor=follower, followee_id=author.pk)
    assert home_feed(viewer=type(follower).objects.get(pk=follower.pk)).items == []
    services.member_mute_set(actor=friend, member=author, muted=True)
    assert home_feed(viewer=type(friend).objects.get(pk=friend.pk)).items == []
    services.member_mute_set(actor=friend, member=author, muted=False)
    Block.objects.create(blocker=author, blocked=friend)
    assert home_feed(viewer=type(friend).objects.get(pk=friend.pk)).items == []


def pages(viewer, *, size: int) -> list[int]:
    seen: list[int] = []
    cursor = None
    while True:
        page = home_feed(viewer=type(viewer).objects.get(pk=viewer.pk), cursor=cursor, size=size)
        seen += [p.pk for p in page.items]
        if not page.next_cursor:
            return seen
        cursor = Cursor.decode(page.next_cursor)


def test_inbox_pages_equal_the_read_time_merge_before_and_after_trimming(monkeypatch):
    """Many authors (one a hub), a group, hidden and connections-only posts: the inbox feed
    pages exactly like the read-time merge, also when the inbox is trimmed below the page
    size (older posts then come from the read-time merge) and while new posts arrive."""
    me = ProfileFactory().user
    friends = [ProfileFactory().user for _ in range(4)]
    for friend in friends:
        connect(me, friend)
    hub = ProfileFactory().user
    follow(actor=me, followee=hub)
    fans = [ProfileFactory().user for _ in range(3)]
    for fan in fans:
        follow(actor=fan, followee=hub)
    monkeypatch.setattr(selectors, "HUB_REACH", 3)
    group = make_group(friends[0], slug="icu-group")
    join(me, group)
    expected: list[int] = []
    for i in range(30):
        author = [*friends, hub][i % 5]
        audience = (Audience.PUBLIC, Audience.CONNECTIONS, Audience.MEMBERS)[i % 3]
        if author == hub:  # followed, not connected: the hub's connections-only posts are not ours
            audience = Audience.PUBLIC
        if i % 7 == 0 and author == friends[0]:
            post = publish(author, f"group {i}", audience=Audience.GROUP, group_slug="icu-group")
        else:
            post = publish(author, f"post {i}", audience=audience)
        # spread the times (publish stamps "now"): newest last
        at = timezone.now() - timedelta(minutes=100 - i)
        type(post).objects.filter(pk=post.pk).update(created_at=at)
        InboxEntry.objects.filter(post=post).update(created_at=at)
        expected.insert(0, post.pk)
    assert not InboxEntry.objects.filter(post__author=hub).exists()
    with_inbox = pages(me, size=4)
    monkeypatch.setattr(selectors, "USE_INBOX", False)
    read_time = pages(me, size=4)
    monkeypatch.setattr(selectors, "USE_INBOX", True)
    assert with_inbox == read_time == expected
    assert services.inbox_trim(cap=3) > 0
    assert InboxEntry.objects.filter(member=me).count() == 3
    assert pages(me, size=4) == expected
    # paging on while posts arrive: no duplicates, no gaps
    first = home_feed(viewer=me, size=5)
    publish(friends[1], "arrived meanwhile")
    rest = pages_from(me, first.next_cursor, size=5)
    assert [p.pk for p in first.items] + rest == expected


def pages_from(viewer, cursor: str | None, *, size: int) -> list[int]:
    seen: list[int] = []
    while cursor:
        page = home_feed(viewer=viewer, cursor=Cursor.decode(cursor), size=size)
        seen += [p.pk for p in page.items]
        cursor = page.next_cursor
    return seen


def test_the_trim_command_keeps_each_members_newest_entries():
    """``manage.py trim_feed_inboxes --keep 2`` leaves every member their two newest entries."""
    from io import StringIO

    from django.core.management import call_command

    author = ProfileFactory().user
    readers = [ProfileFactory().user for _ in range(2)]
    for reader in readers:
        connect(reader, author)
    posts = [publish(author, f"update {i}") for i in range(4)]
    for reader in readers:
        assert InboxEntry.objects.filter(member=reader).count() == 4
    out = StringIO()
    call_command("trim_feed_inboxes", "--keep", "2", stdout=out)
    assert "Trimmed" in out.getvalue()
    for reader in readers:
        kept = set(InboxEntry.objects.filter(member=reader).values_list("post_id", flat=True))
        assert kept == {posts[-1].pk, posts[-2].pk}
