"""Forum search on PostgreSQL (``community/forum_search.py``): the one-statement forms (from the
kept matches, and direct) give the ORM's pages for every viewer, a warm search is one
statement, and each change shows at once — the tests of new and edited text and of new
replies fail if the forum search version is not changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.utils import timezone

from rounds.community import forum_search, selectors, services
from rounds.community.datarights import erase_member_data
from rounds.community.models import Group, GroupMembership, MembershipState, Reply, Thread
from rounds.community.selectors import search_threads
from rounds.network.models import Block
from rounds.profiles.tests.factories import ProfileFactory

from .factories import make_group

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the one-statement search is PostgreSQL's"
    ),
]


def fresh(user):
    return user if not getattr(user, "pk", None) else type(user).objects.get(pk=user.pk)


def every_page(viewer, query, *, size=3, group=None, how="kept", monkeypatch=None):
    """[(ids, has_next)] of every page, by the kept matches, the direct statement or the ORM."""
    monkeypatch.setattr(selectors, "ONE_STATEMENT_SEARCH", how != "orm")
    monkeypatch.setattr(forum_search, "USE_KEPT_MATCHES", how == "kept")
    out = []
    for number in range(1, selectors.MAX_SEARCH_PAGES + 1):
        page = search_threads(
            viewer=fresh(viewer), query=query, group=group, page=number, size=size
        )
        out.append(([t.pk for t in page.items], page.has_next))
        if not page.has_next:
            break
    return out


def ids(viewer, query, **kwargs):
    return [t.pk for t in search_threads(viewer=fresh(viewer), query=query, **kwargs).items]


@pytest.fixture
def forum():
    me, owner, blocker, blocked, other = (ProfileFactory().user for _ in range(5))
    public = make_group(owner, name="Open ward")
    private = make_group(owner, visibility="private", name="Closed ward")
    mine = make_group(owner, visibility="private", name="My ward")
    banned = make_group(owner, visibility="private", name="Banned ward")
    for group in (mine, banned):
        GroupMembership.objects.create(group=group, user=me, state=MembershipState.ACTIVE)
    GroupMembership.objects.filter(group=banned, user=me).update(state=MembershipState.BANNED)
    Block.objects.create(blocker=blocker, blocked=me)
    Block.objects.create(blocker=me, blocked=blocked)
    now = timezone.now()
    made = []
    for group in (public, private, mine, banned):
        for author in (me, owner, blocker, blocked, other):
            for state in ("visible", "hidden"):
                at = now - timedelta(minutes=len(made))
                made.append(
                    Thread.objects.create(
                        group=group,
                        author=author,
                        title="Sepsis audit" if len(made) % 3 else "Night shifts",
                        body="Notes",
                        moderation_state=state,
                        last_activity_at=at,
                    )
                )
    for index, thread in enumerate(made[::2]):
        author = (me, owner, blocker, blocked, other)[index % 5]
        Reply.objects.create(
            thread=thread,
            author=author,
            body="Sepsis bundle reply",
            moderation_state="hidden" if index % 4 == 0 else "visible",
        )
    return (me, owner, blocker, blocked, other), (public, private, mine, banned), made


@pytest.mark.parametrize("size", [1, 4, 20])
def test_every_viewer_gets_the_orm_pages(forum, size, monkeypatch):
    viewers, groups, _ = forum
    for viewer in (*viewers, AnonymousUser()):
        for query in ("sepsis", "night", "sepsis -audit", "zzzz"):
            for group in (None, groups[0], groups[2]):
                expected = every_page(
                    viewer, query, size=size, group=group, how="orm", monkeypatch=monkeypatch
                )
                for how in ("kept", "direct"):
                    assert (
                        every_page(
                            viewer, query, size=size, group=group, how=how, monkeypatch=monkeypatch
                        )
                        == expected
                    ), (viewer, query, group, how)
    assert (
        len(every_page(viewers[0], "sepsis", size=100, how="kept", monkeypatch=monkeypatch)[0][0])
        > 5
    )


def test_a_warm_search_is_one_statement(forum, django_assert_num_queries):
    viewers, _, _ = forum
    search_threads(viewer=fresh(viewers[0]), query="sepsis", size=2)
    for size in (1, 2, 5):
        viewer = fresh(viewers[0])
        with django_assert_num_queries(1):
            page = search_threads(viewer=viewer, query="sepsis", size=size)
            for thread in page.items:  # nothing left to load for a result
                _ = (thread.group.slug, thread.author.profile.handle, thread.body)
        assert len(page.items) == size


def test_new_threads_replies_and_edits_show_at_once(forum):
    viewers, groups, _ = forum
    me, owner = viewers[0], viewers[1]
    public = groups[0]
    before = ids(me, "sepsis")
    thread = services.thread_create(actor=owner, group=public, title="Sepsis now", body="New")
    assert ids(me, "sepsis") == [thread.pk, *before[:19]]
    old = Thread.objects.create(
        group=public,
        author=owner,
        title="Quiet",
        body="x",
        last_activity_at=timezone.now() - timedelta(days=2),
    )
    assert old.pk not in ids(me, "sepsis", size=100)
    services.reply_create(actor=owner, thread=old, body="Sepsis, late", quoted_id=None)
    assert ids(me, "sepsis")[0] == old.pk  # found by its reply, and first by its activity
    services.thread_update(actor=owner, thread=thread, title="Handoff now", body="New")
    assert thread.pk not in ids(me, "sepsis", size=100)
    assert ids(me, "handoff") == [thread.pk]
    reply = Reply.objects.filter(thread=old).latest("id")
    services.reply_update(actor=owner, reply=reply, body="Checklists")
    assert old.pk not in ids(me, "sepsis", size=100)
    assert ids(me, "checklists") == [old.pk]


def test_anonymising_a_departed_member_changes_what_matches(forum):
    viewers, groups, _ = forum
    me = viewers[0]
    author = ProfileFactory(display_name="Zebulon Quayle").user
    thread = Thread.objects.create(
        group=groups[0],
        author=author,
        title="Zebulon Quayle asks",
        body="x",
        last_activity_at=timezone.now(),
    )
    assert ids(me, "zebulon") == [thread.pk]
    erase_member_data(author, anonymise=True)
    assert ids(me, "zebulon") == []


def test_visibility_changes_show_at_once_without_a_new_version(forum, monkeypatch):
    viewers, groups, _ = forum
    me, _, _, _, other = viewers
    public, private = groups[0], groups[1]
    version = forum_search.search_version()
    full = ids(me, "sepsis", size=100)
    shown = Thread.objects.exclude(author=me).filter(pk__in=full, group=public).first()
    Thread.objects.filter(pk=shown.pk).update(moderation_state="removed")
    assert shown.pk not in ids(me, "sepsis", size=100)
    Thread.objects.filter(pk=shown.pk).update(moderation_state="visible")
    Group.objects.filter(pk=public.pk).update(visibility="private")
    assert not set(Thread.objects.filter(group=public).values_list("pk", flat=True)) & set(
        ids(me, "sepsis", size=100)
    )
    Group.objects.filter(pk=public.pk).update(visibility="public")
    GroupMembership.objects.create(group=private, user=me, state=MembershipState.ACTIVE)
    assert set(ids(me, "sepsis", size=100)) & set(
        Thread.objects.filter(group=private).values_list("pk", flat=True)
    )
    GroupMembership.objects.filter(group=private, user=me).delete()
    Block.objects.create(blocker=other, blocked=me)
    assert not set(Thread.objects.filter(author=other).values_list("pk", flat=True)) & set(
        ids(me, "sepsis", size=100)
    )
    Block.objects.filter(blocker=other, blocked=me).delete()
    Reply.objects.filter(thread__group=public).update(moderation_state="hidden")
    Thread.objects.filter(pk=shown.pk).delete()
    kept = ids(me, "sepsis", size=100)
    monkeypatch.setattr(selectors, "ONE_STATEMENT_SEARCH", False)
    assert kept == ids(me, "sepsis", size=100)  # the ORM's, after all of it
    assert forum_search.search_version() == version


def test_short_kept_lists_take_the_direct_statement(forum, monkeypatch):
    viewers, _, _ = forum
    monkeypatch.setattr(forum_search, "MAX_THREADS", 3)
    monkeypatch.setattr(forum_search, "MAX_REPLIES", 2)
    monkeypatch.setattr(forum_search, "PASS_FACTOR", 1)
    for viewer in viewers[:3]:
        assert every_page(viewer, "sepsis", size=2, monkeypatch=monkeypatch) == every_page(
            viewer, "sepsis", size=2, how="orm", monkeypatch=monkeypatch
        )


def test_api_and_page_and_bad_input(client, forum):
    from rounds.core.tests.api_client import api_as

    viewers, _, _ = forum
    api = api_as(viewers[0])
    body = api.get("/groups/search?q=sepsis&page_size=2").json()
    assert [t["id"] for t in body["items"]] == ids(viewers[0], "sepsis", size=2)
    for bad in (
        "?q=%00",
        "?q=" + "x" * 5000,
        "?q=sepsis&page=-1",
        "?q=%27%22%29%28%3A%2A%26%7C%21",
    ):
        assert api.get("/groups/search" + bad).status_code < 500
    assert client.get("/groups/search/?q=sepsis").status_code == 200
