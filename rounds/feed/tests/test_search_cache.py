"""Post search from the kept matches (``feed/search.py``, PostgreSQL): every viewer gets the
direct statement's results in its order, a warm search is one statement, and each change shows
at once — the tests of new and edited text fail if the search version is not changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from rounds.community.models import Group, GroupMembership, MembershipState
from rounds.core.tests.api_client import api_as
from rounds.feed import search, selectors
from rounds.feed.datarights import erase_member_data
from rounds.feed.models import Audience, Post
from rounds.feed.selectors import Cursor, search_posts
from rounds.feed.services import member_mute_set, post_create, post_delete, post_edit
from rounds.feed.tests.factories import join, make_group, make_post
from rounds.network.models import Block
from rounds.network.tests.factories import connect
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the kept matches are PostgreSQL's"
    ),
]


def fresh(user):
    return type(user).objects.get(pk=user.pk)


def pages(viewer, query, *, size=3, direct=False):
    """Every page of ``query`` for ``viewer``: [(ids, original ids, next cursor)]."""
    out, cursor = [], None
    while True:
        if direct:
            page = selectors._search_direct(
                viewer=fresh(viewer), query=query, cursor=cursor, size=size
            )
        else:
            page = search_posts(viewer=fresh(viewer), query=query, cursor=cursor, size=size)
        out.append(
            (
                [p.pk for p in page.items],
                [getattr(p.shown_original, "pk", None) for p in page.items],
                page.next_cursor,
            )
        )
        if not page.next_cursor:
            return out
        cursor = Cursor.decode(page.next_cursor)


def ids(viewer, query, **kwargs) -> list[int]:
    return [p.pk for p in search_posts(viewer=fresh(viewer), query=query, **kwargs).items]


@pytest.fixture
def world():
    """Members and matching posts of every kind the visibility rule tells apart."""
    me, friend, stranger, blocker, blocked, muted, leaving = (
        ProfileFactory().user for _ in range(7)
    )
    connect(me, friend)
    public = make_group(stranger, slug="open-ward")
    private = make_group(stranger, visibility="private", slug="closed-ward")
    secret = make_group(stranger, visibility="secret", slug="secret-ward")
    banned = make_group(stranger, visibility="private", slug="banned-ward")
    join(me, private)
    join(me, banned)
    GroupMembership.objects.filter(group=banned, user=me).update(state=MembershipState.BANNED)
    Block.objects.create(blocker=blocker, blocked=me)
    Block.objects.create(blocker=me, blocked=blocked)
    member_mute_set(actor=me, member=muted, muted=True)
    now = timezone.now()
    made: list[Post] = []

    def post(author, text="Sepsis note", **fields):
        made.append(make_post(author, text, at=now - timedelta(minutes=len(made)), **fields))
        return made[-1]

    for author in (me, friend, stranger, blocker, blocked, muted, leaving):
        for audience in (Audience.PUBLIC, Audience.MEMBERS, Audience.CONNECTIONS):
            post(author, audience=audience)
        post(author, moderation_state="hidden")
        post(author, moderation_state="removed")
        for group in (public, private, secret, banned):
            post(author, audience=Audience.GROUP, group=group)
    hidden_original = post(stranger, "Sepsis original", moderation_state="hidden")
    shown_original = post(stranger, "Sepsis original shown")
    for original in (hidden_original, shown_original):
        post(friend, "Sepsis repost", repost_of=original, is_repost=True)
        post(friend, "", repost_of=original, is_repost=True)
    post(stranger, "Unrelated words")
    type(leaving).objects.filter(pk=leaving.pk).update(deletion_scheduled=True)
    viewers = (me, friend, stranger, blocker, blocked, muted, leaving)
    return viewers, made


@pytest.mark.parametrize("size", [1, 4, 20])
def test_every_viewer_gets_the_direct_results_in_order(world, size):
    viewers, _ = world
    for viewer in viewers:
        for query in ("sepsis", "sepsis -original", "repost", "zzzz"):
            assert pages(viewer, query, size=size) == pages(
                viewer, query, size=size, direct=True
            ), (viewer, query)
    me = viewers[0]
    assert len(pages(me, "sepsis", size=200)[0][0]) > 20  # the rule keeps some, drops others


def test_a_warm_search_is_one_statement(world, django_assert_num_queries):
    viewers, _ = world
    me = fresh(viewers[0])
    search_posts(viewer=me, query="sepsis", size=5)
    for size in (1, 5, 20):
        me = fresh(viewers[0])
        with django_assert_num_queries(1):  # the page, its rows, marks and originals
            page = search_posts(viewer=me, query="sepsis", size=size)
        assert len(page.items) == size
        for post in page.items:  # nothing left to load when a card is shown
            _ = (post.author.profile.display_name if post.author else None, post.group)


def test_a_new_post_shows_at_once(world):
    viewers, _ = world
    me, friend = viewers[0], viewers[1]
    before = ids(me, "sepsis")
    post = post_create(actor=friend, body="Sepsis bundle, new", audience="public")
    assert ids(me, "sepsis") == [post.pk, *before[:19]]
    assert ids(me, "bundle") == [post.pk]


def test_an_edit_changes_what_matches_at_once(world):
    viewers, _ = world
    me = viewers[0]
    post = post_create(actor=me, body="Handoff checklist", audience="public")
    assert ids(me, "handoff") == [post.pk] and ids(me, "discharge") == []
    post_edit(actor=me, post_id=post.pk, body="Discharge checklist")
    assert ids(me, "handoff") == []
    assert ids(me, "discharge") == [post.pk]


def test_anonymising_a_departed_member_changes_what_matches(world):
    viewers, _ = world
    me = viewers[0]
    author = ProfileFactory(display_name="Zebulon Quayle").user
    post = post_create(actor=author, body="Notes from Zebulon Quayle", audience="public")
    assert ids(me, "zebulon") == [post.pk]
    erase_member_data(author, anonymise=True)
    assert ids(me, "zebulon") == []


def test_visibility_changes_show_at_once_without_a_new_version(world):
    """Moderation, blocks, mutes, memberships, group privacy, a member leaving and deletions
    are applied on every request: none of them changes the search version."""
    viewers, made = world
    me, friend, stranger = viewers[0], viewers[1], viewers[2]
    version = search.search_version()
    full = pages(me, "sepsis", size=100)[0][0]
    post = next(p for p in made if p.author_id == stranger.pk and p.audience == "public")
    group_post = next(
        p for p in made if p.author_id == stranger.pk and p.group and p.group.slug == "open-ward"
    )
    Post.objects.filter(pk=post.pk).update(moderation_state="hidden")  # no save(), no signal
    assert post.pk not in ids(me, "sepsis", size=100)
    Group.objects.filter(slug="open-ward").update(visibility="private")
    assert group_post.pk not in ids(me, "sepsis", size=100)
    Group.objects.filter(slug="open-ward").update(visibility="public")
    Block.objects.create(blocker=me, blocked=friend)
    assert not {p.pk for p in made if p.author_id == friend.pk} & set(ids(me, "sepsis", size=100))
    Block.objects.filter(blocker=me, blocked=friend).delete()
    member_mute_set(actor=me, member=stranger, muted=True)
    assert not {p.pk for p in made if p.author_id == stranger.pk} & set(ids(me, "sepsis", size=100))
    member_mute_set(actor=me, member=stranger, muted=False)
    type(stranger).objects.filter(pk=stranger.pk).update(deletion_scheduled=True)
    assert not {p.pk for p in made if p.author_id == stranger.pk} & set(ids(me, "sepsis", size=100))
    type(stranger).objects.filter(pk=stranger.pk).update(deletion_scheduled=False)
    Post.objects.filter(pk=post.pk).update(moderation_state="visible")
    assert ids(me, "sepsis", size=100) == full
    secret_post = next(
        p for p in made if p.author_id == stranger.pk and p.group and p.group.slug == "secret-ward"
    )
    assert secret_post.pk not in full
    join(me, Group.objects.get(slug="secret-ward"))
    assert secret_post.pk in ids(me, "sepsis", size=100)
    mine = post_create(actor=me, body="Sepsis mine", audience="connections")
    version = search.search_version()
    post_delete(actor=me, post_id=mine.pk)
    assert mine.pk not in ids(me, "sepsis", size=100)
    assert search.search_version() == version  # the direct results all along, one version


def test_pages_beyond_the_kept_matches_take_the_direct_statement(world, monkeypatch):
    viewers, _ = world
    monkeypatch.setattr(search, "MAX_CANDIDATES", 5)
    monkeypatch.setattr(search, "CHUNK_FACTOR", 1)
    for viewer in viewers[:3]:
        assert pages(viewer, "sepsis", size=2) == pages(viewer, "sepsis", size=2, direct=True)


def test_page_and_api_and_bad_input(client, world):
    viewers, _ = world
    me = viewers[0]
    api = api_as(me)
    body = api.get("/posts/search?q=sepsis&page_size=2").json()
    first = ids(me, "sepsis", size=2)
    assert [p["id"] for p in body["items"]] == first and body["next_cursor"]
    for bad in ("?q=sepsis&cursor=junk", "?q=%00", "?q=" + "x" * 5000, "?q=sepsis&page_size=0"):
        assert api.get("/posts/search" + bad).status_code < 500
    client.force_login(me)
    assert client.get("/feed/?tab=search&q=sepsis").status_code == 200
    assert client.get("/feed/?tab=search&q=sepsis&cursor=junk").status_code == 400
    assert client.get("/feed/?tab=search&q=%27%22%29%28%3A%2A%26%7C%21").status_code == 200
