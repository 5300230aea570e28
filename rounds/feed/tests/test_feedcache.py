"""The home feed's page cache (``feed.feedcache``, PostgreSQL): a kept page is served in one
statement, is the page the merge would give, and is worked out again after every change that
could alter it — each test here fails if the fingerprint does not see its change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from rounds.accounts.data_rights.services import account_deletion_cancel
from rounds.core.testing import clear_test_cache
from rounds.core.tests.api_client import api_as
from rounds.feed import feedcache, selectors
from rounds.feed.models import Audience, SourceChanges
from rounds.feed.selectors import home_feed
from rounds.feed.services import (
    like_set,
    member_mute_set,
    post_create,
    post_delete,
    post_edit,
    topic_follow_set,
    topic_mute_set,
)
from rounds.feed.tests.factories import join, make_group, make_post
from rounds.moderation.registry import ModerationState
from rounds.network.services import block, follow
from rounds.network.tests.factories import connect
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the page cache is PostgreSQL's"),
]


@pytest.fixture
def scene():
    me = ProfileFactory(display_name="Maya Osei").user
    friend = ProfileFactory(display_name="Ana Lucia Ferreira").user
    stranger = ProfileFactory(display_name="Tomas Berg").user
    connect(me, friend)
    group = make_group(stranger, slug="ward-rounds")
    join(me, group)
    start = timezone.now() - timedelta(hours=3)
    for i in range(4):
        make_post(friend, f"Friend post {i}", at=start + timedelta(minutes=i))
        make_post(
            stranger,
            f"Group post {i}",
            audience=Audience.GROUP,
            group=group,
            at=start + timedelta(minutes=10 + i),
        )
    return me, friend, stranger, group


def bodies(viewer, **kwargs) -> list[str]:
    return [post.body for post in home_feed(viewer=viewer, **kwargs).items]


def warm(viewer, django_assert_num_queries, **kwargs) -> list[str]:
    """Read the feed twice; the second read is the kept page: the context statement alone."""
    first = bodies(viewer, **kwargs)
    with django_assert_num_queries(1):
        second = bodies(viewer, **kwargs)
    assert second == first
    return first


def test_a_kept_page_is_the_merged_page_in_one_statement(scene, django_assert_num_queries):
    me, *_ = scene
    page = warm(me, django_assert_num_queries)
    clear_test_cache()  # the merge again, from nothing kept
    assert bodies(me) == page
    assert page[0] == "Group post 3" and len(page) == 8


def test_every_page_size_and_cursor_is_kept_apart(scene, django_assert_num_queries):
    me, *_ = scene
    first = home_feed(viewer=me, size=3)
    cursor = selectors.Cursor.decode(first.next_cursor)
    second = warm(me, django_assert_num_queries, size=3, cursor=cursor)
    assert second == ["Group post 0", "Friend post 3", "Friend post 2"]
    assert warm(me, django_assert_num_queries, size=3)[0] == "Group post 3"


def test_the_api_and_page_give_the_same_output_kept_or_not(scene):
    me, *_ = scene
    client = api_as(me)
    url = "/api/v1/feed"
    fresh = client.get(url).json()
    kept = client.get(url).json()
    assert kept == fresh
    clear_test_cache()
    assert client.get(url).json() == fresh


def test_new_posts_in_every_source_show_at_once(scene, monkeypatch, django_assert_num_queries):
    me, friend, stranger, group = scene
    hub = ProfileFactory().user
    follow(actor=me, followee=hub)
    topic_author = ProfileFactory().user
    make_post(topic_author, "Older #sepsis", at=timezone.now() - timedelta(days=30))
    topic_follow_set(actor=me, slug="sepsis", following=True)
    monkeypatch.setattr(selectors, "hub_ids", lambda: frozenset({hub.pk}))
    warm(me, django_assert_num_queries)
    post_create(actor=friend, body="Inbox: a connection's new post")
    assert bodies(me)[0] == "Inbox: a connection's new post"
    warm(me, django_assert_num_queries)
    post_create(
        actor=stranger, body="Group: new thread", audience=Audience.GROUP, group_slug=group.slug
    )
    assert bodies(me)[0] == "Group: new thread"
    warm(me, django_assert_num_queries)
    post_create(actor=topic_author, body="Topic: bundles save lives #sepsis")
    assert bodies(me)[0] == "Topic: bundles save lives #sepsis"
    warm(me, django_assert_num_queries)
    post_create(actor=hub, body="Hub: read at read time")
    assert bodies(me)[0] == "Hub: read at read time"


def test_posts_that_leave_leave_at_once(scene, django_assert_num_queries):
    me, friend, stranger, _ = scene
    page = warm(me, django_assert_num_queries)
    mine = post_create(actor=me, body="Mine")
    hidden = make_post(friend, "Soon hidden")
    assert bodies(me)[:2] == ["Soon hidden", "Mine"]
    warm(me, django_assert_num_queries)
    hidden.moderation_state = ModerationState.HIDDEN  # moderation writes only the state
    hidden.save(update_fields=["moderation_state"])
    assert "Soon hidden" not in bodies(me)
    post_delete(actor=me, post_id=mine.pk)
    assert bodies(me) == page
    warm(me, django_assert_num_queries)
    member_mute_set(actor=me, member=friend, muted=True)
    assert not any(body.startswith("Friend") for body in bodies(me))
    warm(me, django_assert_num_queries)
    block(actor=stranger, blocked=me)  # a block either way
    assert bodies(me) == []


def test_an_edit_naming_a_muted_topic_takes_the_post_out(scene, django_assert_num_queries):
    me, friend, *_ = scene
    post = post_create(actor=friend, body="Night shift notes")
    make_post(ProfileFactory().user, "Older #nightshift", at=timezone.now() - timedelta(days=30))
    topic_mute_set(actor=me, slug="nightshift", muted=True)
    assert bodies(me)[0] == "Night shift notes"
    warm(me, django_assert_num_queries)
    post_edit(actor=friend, post_id=post.pk, body="Night shift notes #nightshift")
    assert "Night shift notes #nightshift" not in bodies(me)


def test_cards_show_current_counts_and_edits(scene, django_assert_num_queries):
    me, friend, *_ = scene
    post = post_create(actor=friend, body="Journal club on Friday")
    warm(me, django_assert_num_queries)
    like_set(actor=me, post_id=post.pk, liked=True)
    post_edit(actor=friend, post_id=post.pk, body="Journal club moved to Monday")
    with django_assert_num_queries(1):  # still kept: the card is read fresh with the context
        first = home_feed(viewer=me).items[0]
    assert first.body == "Journal club moved to Monday"
    assert first.like_count == 1 and first.viewer_liked


def test_an_author_leaving_and_coming_back(
    scene, django_assert_num_queries, django_capture_on_commit_callbacks
):
    me, friend, *_ = scene
    page = warm(me, django_assert_num_queries)
    friend.deletion_scheduled = True
    friend.save(update_fields=["deletion_scheduled"])
    assert not any(body.startswith("Friend") for body in bodies(me))
    warm(me, django_assert_num_queries)
    from rounds.accounts.models import AccountDeletion

    AccountDeletion.objects.create(
        user=friend, state=AccountDeletion.State.SCHEDULED, scheduled_for=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        account_deletion_cancel(actor=friend)
    assert bodies(me) == page


def test_a_new_connection_and_a_left_group(
    scene, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from rounds.community.services import group_leave

    me, _, _, group = scene
    newcomer = ProfileFactory().user
    make_post(newcomer, "Newcomer's earlier post", fan=False)
    warm(me, django_assert_num_queries)
    with django_capture_on_commit_callbacks(execute=True):  # the back-fill runs on commit
        connect(me, newcomer)
    assert "Newcomer's earlier post" in bodies(me)
    warm(me, django_assert_num_queries)
    group_leave(actor=me, group=group)
    assert not any(body.startswith("Group") for body in bodies(me))


def test_writes_count_changes_of_their_group_and_topics(scene):
    _, _, stranger, group = scene

    def changes(kind: str, ref: int) -> int:
        row = SourceChanges.objects.filter(kind=kind, ref=ref).first()
        return row.changes if row else 0

    before = changes("g", group.pk)
    post = post_create(
        actor=stranger, body="Audit #sepsis", audience=Audience.GROUP, group_slug=group.slug
    )
    topic = post.topics.get()
    assert (changes("g", group.pk), changes("t", topic.pk)) == (before + 1, 1)
    post_edit(actor=stranger, post_id=post.pk, body="Audit #qi")
    new_topic = post.topics.get()
    assert changes("t", topic.pk) == 2 and changes("t", new_topic.pk) == 1
    post_delete(actor=stranger, post_id=post.pk)
    assert changes("g", group.pk) == before + 3 and changes("t", new_topic.pk) == 2


def test_a_page_worked_out_before_a_change_is_not_kept_under_the_new_fingerprint(scene):
    """The page is stored under the fingerprint read *before* its sources: a post committed
    between the two reads gives the next reader a new fingerprint."""
    me, friend, *_ = scene
    real = selectors._sources_in_one_statement

    def sources_after_a_new_post(**kwargs):
        found = real(**kwargs)
        post_create(actor=friend, body="Published meanwhile")
        return found

    selectors._sources_in_one_statement = sources_after_a_new_post
    try:
        assert "Published meanwhile" not in bodies(me)
    finally:
        selectors._sources_in_one_statement = real
    assert bodies(me)[0] == "Published meanwhile"


def test_forgetting_every_page_works_out_the_next_one_again(
    scene, django_assert_num_queries, django_capture_on_commit_callbacks
):
    me, *_ = scene
    warm(me, django_assert_num_queries)
    with django_capture_on_commit_callbacks(execute=True):
        feedcache.bump_epoch()
    with django_assert_num_queries(5):  # context, sources, posts, marks… not the kept page
        bodies(me)
