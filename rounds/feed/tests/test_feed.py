"""Feed correctness: audience rules, blocks, mutes, removals, edits, deletes, groups, the
newcomer's fallback, and cursor pagination without duplicates or gaps while posts arrive."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from rounds.core.tests.api_client import api_as
from rounds.feed import services
from rounds.feed.models import Audience, Post, Topic
from rounds.feed.selectors import Cursor, home_feed
from rounds.feed.tests.factories import join, make_group, make_post, publish
from rounds.network.models import Block
from rounds.network.services import follow
from rounds.network.tests.factories import connect
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


def feed_ids(user, **kwargs) -> list[int]:
    """The feed as a fresh request would read it (a new user object: no cached block list)."""
    fresh = type(user).objects.get(pk=user.pk)
    return [p.pk for p in home_feed(viewer=fresh, **kwargs).items]


@pytest.fixture
def people(db):
    me, friend, followee, stranger = (ProfileFactory().user for _ in range(4))
    connect(me, friend)
    follow(actor=me, followee=followee)
    return me, friend, followee, stranger


def test_feed_merges_connections_followees_topics_groups_and_own_newest_first(people):
    """The home feed holds posts from connections, followees, followed topics, groups and
    oneself, newest first; a stranger's unrelated post is not in it."""
    me, friend, followee, stranger = people
    now = timezone.now()
    own = make_post(me, "mine", at=now - timedelta(minutes=5))
    by_friend = make_post(friend, "friend", at=now - timedelta(minutes=4))
    by_followee = make_post(followee, "followee", at=now - timedelta(minutes=3))
    tagged = make_post(stranger, "about #sepsis", at=now - timedelta(minutes=2))
    make_post(stranger, "unrelated", at=now - timedelta(minutes=1))
    services.topic_follow_set(actor=me, slug="sepsis", following=True)
    group = make_group(stranger, slug="icu-forum")
    join(me, group)
    in_group = make_post(stranger, "group", audience=Audience.GROUP, group=group, at=now)
    assert feed_ids(me) == [in_group.pk, tagged.pk, by_followee.pk, by_friend.pk, own.pk]


def test_audience_rules_decide_who_sees_a_post(people):
    """Connections-only posts reach connections only; members-only never visitors; a
    follower who is not a connection does not see connections-only posts."""
    me, friend, _followee, stranger = people
    follow(actor=stranger, followee=friend)
    conn_only = make_post(friend, "for connections", audience=Audience.CONNECTIONS)
    members = make_post(friend, "for members", audience=Audience.MEMBERS)
    assert conn_only.pk in feed_ids(me)
    assert conn_only.pk not in feed_ids(stranger)
    assert members.pk in feed_ids(stranger)
    anonymous = api_as(stranger)
    anonymous.token = None
    assert anonymous.get(f"/posts/{members.pk}").status_code == 404
    assert api_as(stranger).get(f"/posts/{conn_only.pk}").status_code == 404
    assert api_as(me).get(f"/posts/{conn_only.pk}").status_code == 200


def test_private_group_posts_reach_its_members_only(people):
    """A private group's posts are seen by its active members, nobody else."""
    me, friend, _followee, stranger = people
    group = make_group(friend, visibility="private", slug="private-circle")
    join(me, group)
    post = make_post(friend, "inside", audience=Audience.GROUP, group=group)
    assert post.pk in feed_ids(me)
    assert api_as(stranger).get(f"/posts/{post.pk}").status_code == 404
    assert post.pk not in feed_ids(stranger)


def test_blocks_hide_posts_either_way(people):
    """A block in either direction removes the other's posts from feeds and pages."""
    me, _friend, followee, _stranger = people
    post = make_post(followee, "hello")
    mine = make_post(me, "mine")
    assert post.pk in feed_ids(me)
    Block.objects.create(blocker=followee, blocked=me)
    assert post.pk not in feed_ids(me)
    assert api_as(me).get(f"/posts/{post.pk}").status_code == 404
    assert api_as(followee).get(f"/posts/{mine.pk}").status_code == 404


def test_muted_members_and_topics_leave_the_feed(people):
    """Muting a member or a topic takes their posts out of the feed; unmuting brings them back."""
    me, friend, followee, _stranger = people
    by_friend = make_post(friend, "hello")
    tagged = make_post(followee, "on #burnout today")
    services.member_mute_set(actor=me, member=friend, muted=True)
    services.topic_mute_set(actor=me, slug="burnout", muted=True)
    ids = feed_ids(me)
    assert by_friend.pk not in ids and tagged.pk not in ids
    services.member_mute_set(actor=me, member=friend, muted=False)
    services.topic_mute_set(actor=me, slug="burnout", muted=False)
    assert {by_friend.pk, tagged.pk} <= set(feed_ids(me))


def test_hidden_and_removed_posts_leave_feeds_but_the_author_sees_why(people):
    """Moderated posts disappear for everyone but their author, who sees the reason."""
    me, friend, _followee, _stranger = people
    post = make_post(friend, "questionable")
    Post.objects.filter(pk=post.pk).update(moderation_state="removed", moderation_reason="Spam")
    assert post.pk not in feed_ids(me)
    assert api_as(me).get(f"/posts/{post.pk}").status_code == 404
    body = api_as(friend).get(f"/posts/{post.pk}").json()
    assert body["moderation_state"] == "removed" and body["moderation_reason"] == "Spam"
    assert post.pk in feed_ids(friend)


def test_edits_show_everywhere_and_keep_history(people):
    """An edit changes the post in every feed at once and keeps the earlier version."""
    me, friend, _followee, _stranger = people
    post = publish(friend, "First take on #sepsis bundles.")
    services.post_edit(actor=friend, post_id=post.pk, body="Second take on #qi bundles.")
    item = home_feed(viewer=me).items[0]
    assert item.body == "Second take on #qi bundles." and item.edited_at is not None
    history = api_as(me).get(f"/posts/{post.pk}/history").json()
    assert [r["body"] for r in history["revisions"]] == ["First take on #sepsis bundles."]
    assert set(Topic.objects.filter(posts=post).values_list("slug", flat=True)) == {"qi"}


def test_deleting_a_post_removes_it_and_its_comments_everywhere(people):
    """A deleted post leaves every feed, with its comments; reposts say the original is gone."""
    me, friend, _followee, _stranger = people
    post = publish(friend, "Soon gone.")
    services.comment_create(actor=me, post_id=post.pk, body="Nice one.")
    repost = services.post_create(actor=me, body="Worth reading", repost_of_id=post.pk)
    services.post_delete(actor=friend, post_id=post.pk)
    assert post.pk not in feed_ids(me)
    assert not Post.objects.filter(pk=post.pk).exists()
    shown = api_as(me).get(f"/posts/{repost.pk}").json()
    assert shown["is_repost"] and shown["repost_of"] is None


def test_pagination_has_no_duplicates_or_gaps_while_new_posts_arrive(people):
    """Paging by cursor while others publish returns every older post exactly once."""
    me, friend, followee, _stranger = people
    start = timezone.now() - timedelta(hours=1)
    older = [
        make_post(friend if i % 2 else followee, f"post {i}", at=start + timedelta(seconds=i))
        for i in range(25)
    ]
    # Two posts at the very same moment: the id breaks the tie.
    same = start + timedelta(seconds=30)
    older += [make_post(friend, "tie a", at=same), make_post(followee, "tie b", at=same)]
    seen: list[int] = []
    cursor = None
    while True:
        page = home_feed(viewer=me, cursor=Cursor.decode(cursor), size=4)
        seen += [p.pk for p in page.items]
        make_post(friend, "arrives meanwhile")  # newer than every cursor
        cursor = page.next_cursor
        if not cursor:
            break
    expected = sorted(older, key=lambda p: (p.created_at, p.pk), reverse=True)
    assert seen == [p.pk for p in expected]


def test_api_feed_pages_by_cursor_and_rejects_junk_cursors(people):
    """The API pages with next_cursor; a forged cursor is a 422, never a 500."""
    me, friend, _followee, _stranger = people
    for i in range(5):
        make_post(friend, f"post {i}")
    api = api_as(me)
    first = api.get("/feed", {"page_size": 3}).json()
    second = api.get("/feed", {"page_size": 3, "cursor": first["next_cursor"]}).json()
    assert len(first["items"]) == 3 and len(second["items"]) == 2
    assert second["next_cursor"] is None
    assert {i["id"] for i in first["items"]}.isdisjoint({i["id"] for i in second["items"]})
    for junk in ["abc", "%%%", "MjAyNi0wMS0wMXx4", "x" * 500]:
        assert api.get("/feed", {"cursor": junk}).status_code == 422


def test_member_returning_after_months_sees_older_posts_not_an_empty_feed(people):
    """The feed is newest-first from the sources, not "since last visit": old posts show."""
    me, friend, _followee, _stranger = people
    old = make_post(friend, "from last spring", at=timezone.now() - timedelta(days=200))
    assert feed_ids(me) == [old.pk]


def test_newcomer_sees_recent_public_posts_of_their_specialty(db):
    """A member with no connections, follows, topics or groups gets a fallback of recent
    public posts from their specialty (then any public posts), never an empty page."""
    from rounds.profiles.models import Specialty

    cardiology = Specialty.objects.create(slug="cardiology-x", name="Cardiology X")
    newcomer, peer, other = (ProfileFactory() for _ in range(3))
    newcomer.specialties.add(cardiology)
    peer.specialties.add(cardiology)
    same = make_post(peer.user, "Echo tips")
    make_post(other.user, "Something else")
    make_post(peer.user, "members only", audience=Audience.MEMBERS)
    page = home_feed(viewer=newcomer.user)
    assert page.items == [] and not page.has_sources
    assert [p.pk for p in page.fallback] == [same.pk]


def test_people_source_plans_agree_on_every_rule(people, monkeypatch):
    """The per-author and per-group (LATERAL, PostgreSQL; with the inbox and topics read in
    the same statement) and the IN-list people and group sources give the same pages:
    audiences (of followed topics' posts too), (connections-only by a followee, private groups), moderation, blocks, mutes of
    members and topics, a member deleting their account, the viewer's own hidden post, and
    paging. (On SQLite both names run the IN-list plan.)"""
    from rounds.feed import selectors

    me, friend, followee, stranger = people
    blocker, muted, leaving = (ProfileFactory().user for _ in range(3))
    for other in (blocker, muted, leaving):
        follow(actor=me, followee=other)
    Block.objects.create(blocker=blocker, blocked=me)
    services.member_mute_set(actor=me, member=muted, muted=True)
    services.topic_mute_set(
        actor=me, slug=make_post(stranger, "#noise").topics.get().slug, muted=True
    )
    type(leaving).objects.filter(pk=leaving.pk).update(deletion_scheduled=True)
    private = make_group(stranger, visibility="private", slug="closed-ward")
    join(followee, private)
    mine = make_group(stranger, slug="open-ward")
    join(me, mine)
    join(friend, mine)
    elsewhere = make_group(stranger, slug="other-open-ward")
    join(friend, elsewhere)
    now = timezone.now()
    rows = [
        (friend, "friend public", Audience.PUBLIC, None, {}),
        (friend, "friend connections", Audience.CONNECTIONS, None, {}),
        (followee, "followee connections", Audience.CONNECTIONS, None, {}),
        (followee, "followee members", Audience.MEMBERS, None, {}),
        (followee, "followee private group", Audience.GROUP, private, {}),
        (friend, "friend in my group", Audience.GROUP, mine, {}),
        (friend, "friend in an open group I did not join", Audience.GROUP, elsewhere, {}),
        (friend, "hidden in my group", Audience.GROUP, mine, {"moderation_state": "hidden"}),
        (blocker, "blocker in my group", Audience.GROUP, mine, {}),
        (muted, "muted in my group", Audience.GROUP, mine, {}),
        (leaving, "leaving in my group", Audience.GROUP, mine, {}),
        (stranger, "#noise in my group", Audience.GROUP, mine, {}),
        (friend, "friend removed", Audience.PUBLIC, None, {"moderation_state": "removed"}),
        (friend, "friend about #noise", Audience.PUBLIC, None, {}),
        (me, "my hidden", Audience.PUBLIC, None, {"moderation_state": "hidden"}),
        (me, "my own #noise", Audience.CONNECTIONS, None, {}),
        (blocker, "blocker", Audience.PUBLIC, None, {}),
        (muted, "muted", Audience.PUBLIC, None, {}),
        (leaving, "leaving", Audience.PUBLIC, None, {}),
        (stranger, "stranger on #wards", Audience.PUBLIC, None, {}),
        (stranger, "stranger connections #wards", Audience.CONNECTIONS, None, {}),
        (followee, "followee private group #wards", Audience.GROUP, private, {}),
        (stranger, "#wards in an open group I did not join", Audience.GROUP, elsewhere, {}),
        (stranger, "#wards #noise", Audience.PUBLIC, None, {}),
        (blocker, "blocker on #wards", Audience.PUBLIC, None, {}),
        (leaving, "leaving on #wards", Audience.PUBLIC, None, {}),
        (stranger, "#wards removed", Audience.PUBLIC, None, {"moderation_state": "removed"}),
    ]
    for minute, (author, body, audience, group, extra) in enumerate(rows * 3):
        make_post(
            author,
            body,
            audience=audience,
            group=group,
            at=now - timedelta(minutes=minute),
            **extra,
        )
    services.topic_follow_set(actor=me, slug="wards", following=True)

    def pages(plan: str) -> list[list[int]]:
        monkeypatch.setattr(selectors, "PEOPLE_SOURCE_PLAN", plan)
        monkeypatch.setattr(selectors, "GROUP_SOURCE_PLAN", plan)
        out, cursor = [], None
        while True:
            page = home_feed(viewer=type(me).objects.get(pk=me.pk), cursor=cursor, size=4)
            out.append([p.pk for p in page.items])
            if not page.next_cursor:
                return out
            cursor = Cursor.decode(page.next_cursor)

    lateral, in_list = pages("lateral"), pages("in")
    assert lateral == in_list
    shown = [pk for page in lateral for pk in page]
    bodies = set(Post.objects.filter(pk__in=shown).values_list("body", flat=True))
    assert bodies == {
        "friend public",
        "friend connections",
        "followee members",
        "friend in my group",
        "my hidden",
        "my own #noise",
        "stranger on #wards",
        "#wards in an open group I did not join",
    }


def test_lateral_reads_walk_the_index_rather_than_bitmap_every_post(people, monkeypatch):
    """PostgreSQL prices a bitmap scan of all of an author's posts the same as the index walk
    to the newest page (it assumes the average author); for hubs that read every post. The
    per-author and per-group reads turn bitmap scans off for their own transaction only."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rounds.feed import selectors

    if connection.vendor != "postgresql":
        pytest.skip("the LATERAL plans are PostgreSQL's")
    me, friend, _, stranger = people
    group = make_group(stranger, slug="ward-rounds")
    join(me, group)
    make_post(friend, "hello")
    make_post(stranger, "in the group", audience=Audience.GROUP, group=group)
    monkeypatch.setattr(selectors, "PEOPLE_SOURCE_PLAN", "lateral")
    monkeypatch.setattr(selectors, "USE_INBOX", False)
    with CaptureQueriesContext(connection) as queries:
        page = home_feed(viewer=me)
    assert {p.body for p in page.items} >= {"hello", "in the group"}
    sql = [q["sql"] for q in queries.captured_queries]
    # the context statement's one LATERAL reads each hub's newest post (one row per hub)
    laterals = [
        i
        for i, text in enumerate(sql)
        if "CROSS JOIN LATERAL" in text and "feed_sourcechanges" not in text
    ]
    assert len(laterals) == 2  # people and groups
    for i in laterals:
        assert "set_config('enable_bitmapscan', 'off', true)" in sql[i - 1]
    with connection.cursor() as db:  # and the setting did not outlive those reads (the test
        # runs inside a transaction, as a request with ATOMIC_REQUESTS would)
        db.execute("SHOW enable_bitmapscan")
        assert db.fetchone()[0] == "on"
