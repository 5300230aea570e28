"""The discussions tab's kept pages (``feed.feedcache``, PostgreSQL): a kept page is read with
the member's context in one statement, is the page the per-group read would give, and every
change of a thread it could show — a new thread, a reply, an edit, a pin, moderation, a
delete, a block, a mute, leaving the group, a renamed author — is on the next read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from rounds.community import services as community
from rounds.community.models import Thread
from rounds.core.testing import clear_test_cache
from rounds.feed.selectors import discussions
from rounds.feed.services import member_mute_set
from rounds.feed.tests.factories import join, make_group
from rounds.moderation.registry import ModerationState
from rounds.network.services import block
from rounds.profiles.services import profile_update
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="kept pages are PostgreSQL's"),
]


@pytest.fixture
def forum():
    me, owner, other = (ProfileFactory().user for _ in range(3))
    group = make_group(owner, visibility="private", slug="ward-forum")
    join(me, group)
    join(other, group)
    start = timezone.now() - timedelta(hours=2)
    for i in range(3):
        Thread.objects.create(
            group=group,
            author=other,
            title=f"Thread {i}",
            body="Body",
            last_activity_at=start + timedelta(minutes=i),
        )
    return me, owner, other, group


def titles(viewer) -> list[str]:
    return [thread.title for thread in discussions(viewer=viewer).items]


def warm(viewer, django_assert_num_queries) -> list[str]:
    first = titles(viewer)
    with django_assert_num_queries(1):  # the kept page, read with the member's context
        second = titles(viewer)
    assert second == first
    return first


def test_a_kept_page_is_the_worked_out_page(forum, django_assert_num_queries):
    me, *_ = forum
    page = warm(me, django_assert_num_queries)
    assert page == ["Thread 2", "Thread 1", "Thread 0"]
    clear_test_cache()
    assert titles(me) == page


def test_new_threads_replies_and_deletes_show_at_once(forum, django_assert_num_queries):
    me, _, other, group = forum
    warm(me, django_assert_num_queries)
    new = community.thread_create(actor=other, group=group, title="Handover tips", body="Body")
    assert titles(me)[0] == "Handover tips"
    warm(me, django_assert_num_queries)
    oldest = Thread.objects.get(title="Thread 0")
    oldest.group = group
    reply = community.reply_create(actor=other, thread=oldest, body="Still relevant")
    assert titles(me)[0] == "Thread 0"
    assert discussions(viewer=me).items[0].reply_count == 1
    warm(me, django_assert_num_queries)
    reply.thread = oldest
    community.reply_delete(actor=other, reply=reply)
    assert discussions(viewer=me).items[0].reply_count == 0
    warm(me, django_assert_num_queries)
    new.group = group
    community.thread_delete(actor=other, thread=new)
    assert "Handover tips" not in titles(me)


def test_edits_pins_and_moderation_show_at_once(forum, django_assert_num_queries):
    me, _, other, group = forum
    warm(me, django_assert_num_queries)
    thread = Thread.objects.get(title="Thread 1")
    thread.group = group
    community.thread_update(actor=other, thread=thread, title="Thread 1, edited")
    assert "Thread 1, edited" in titles(me)
    warm(me, django_assert_num_queries)
    thread.moderation_state = ModerationState.HIDDEN  # as moderation writes it
    thread.save(update_fields=["moderation_state"])
    assert "Thread 1, edited" not in titles(me)


def test_blocks_and_mutes_take_threads_out(forum, django_assert_num_queries):
    me, _, other, _ = forum
    warm(me, django_assert_num_queries)
    member_mute_set(actor=me, member=other, muted=True)
    assert titles(me) == []
    member_mute_set(actor=me, member=other, muted=False)
    warm(me, django_assert_num_queries)
    block(actor=other, blocked=me)
    assert titles(me) == []


def test_leaving_the_group(forum, django_assert_num_queries):
    me, _, _, group = forum
    warm(me, django_assert_num_queries)
    community.group_leave(actor=me, group=group)
    assert titles(me) == []


def test_a_renamed_author_shows_on_a_kept_page(forum, django_assert_num_queries):
    me, _, other, _ = forum
    warm(me, django_assert_num_queries)
    profile_update(actor=other, profile=other.profile, changes={"display_name": "Dr. Renamed"})
    with django_assert_num_queries(1):
        first = discussions(viewer=me).items[0]
    assert first.author.profile.display_name == "Dr. Renamed"
