"""A group read in one statement (``community.reads``, PostgreSQL): the same group, owner,
forum page and upcoming events as the ORM reads, the forum page kept until anything it shows
changes, and the same 404s."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection

from rounds.community import reads, selectors, services
from rounds.community.models import Thread
from rounds.community.tests.factories import add_member, make_group, make_reply, make_thread
from rounds.core.errors import NotFound
from rounds.core.testing import clear_test_cache
from rounds.events.selectors import group_upcoming_events
from rounds.events.tests.factories import make_event
from rounds.moderation.registry import ModerationState
from rounds.network.services import block
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="one statement on PostgreSQL"),
]


@pytest.fixture
def forum():
    owner, me, other = (ProfileFactory().user for _ in range(3))
    group = make_group(owner, visibility="private", name="Ward Rounds")
    add_member(group, me)
    add_member(group, other)
    for i in range(3):
        make_thread(group, other, title=f"Thread {i}")
    return group, owner, me, other


def titles(viewer, group, *, page: int = 1, size: int = 20) -> list[str]:
    read = reads.group_read(viewer, group.slug, forum=(page, size))
    return [t.title for t in reads.forum_page(viewer, read, page=page, size=size).items]


def warm(viewer, group, django_assert_num_queries, **kwargs) -> list[str]:
    first = titles(viewer, group, **kwargs)
    with django_assert_num_queries(1):  # group, owner, blocks and the kept page: one statement
        second = titles(viewer, group, **kwargs)
    assert second == first
    return first


def orm_titles(viewer, group) -> list[str]:
    return [t.title for t in selectors.threads_of(viewer=viewer, group=group)[:20]]


def test_the_read_is_the_orm_read(forum):
    group, owner, me, _ = forum
    read = reads.group_read(me, group.slug)
    assert read.group.pk == group.pk and read.group.name == "Ward Rounds"
    assert read.group.organization is None
    assert read.owner.user_id == owner.pk
    assert read.owner.user.profile.display_name == owner.profile.display_name
    assert selectors.owner_of(group).pk == read.owner.pk
    from rounds.community import policies

    assert policies.membership_of(me, read.group).state == "active"
    assert titles(me, group) == orm_titles(me, group) == ["Thread 2", "Thread 1", "Thread 0"]


def test_secret_and_unknown_groups_are_404(forum):
    group, *_ = forum
    secret = make_group(ProfileFactory().user, visibility="secret", name="Quiet Room")
    stranger = ProfileFactory().user
    for slug in (secret.slug, "no-such-group", "x" * 200, "bad\x00slug"):
        with pytest.raises(NotFound):
            reads.group_read(stranger, slug)
    assert reads.group_read(stranger, group.slug).group.pk == group.pk  # private: listed


def test_the_forum_page_is_kept_until_it_changes(forum, django_assert_num_queries):
    group, owner, me, other = forum
    warm(me, group, django_assert_num_queries)
    thread = make_thread(group, other, title="New thread")
    assert titles(me, group)[0] == "New thread"
    warm(me, group, django_assert_num_queries)
    oldest = Thread.objects.get(title="Thread 0")
    make_reply(oldest, other)
    assert titles(me, group)[0] == "Thread 0"
    warm(me, group, django_assert_num_queries)
    services.thread_set_flags(actor=owner, thread=Thread.objects.get(pk=thread.pk), pinned=True)
    assert titles(me, group)[0] == "New thread"
    warm(me, group, django_assert_num_queries)
    hidden = Thread.objects.get(title="Thread 1")
    hidden.moderation_state = ModerationState.HIDDEN  # as moderation writes it
    hidden.save(update_fields=["moderation_state"])
    assert "Thread 1" not in titles(me, group)
    warm(me, group, django_assert_num_queries)
    services.thread_delete(actor=other, thread=Thread.objects.get(pk=thread.pk))
    assert titles(me, group) == orm_titles(me, group) == ["Thread 0", "Thread 2"]


def test_blocks_and_own_hidden_threads(forum, django_assert_num_queries):
    group, _, me, other = forum
    mine = make_thread(group, me, title="Mine")
    Thread.objects.filter(pk=mine.pk).update(moderation_state=ModerationState.HIDDEN)
    clear_test_cache()  # the update above bypassed the services: start from nothing kept
    assert titles(me, group)[0] == "Mine"  # the author still sees their hidden thread
    assert "Mine" not in titles(other, group)
    warm(me, group, django_assert_num_queries)
    block(actor=other, blocked=me)
    assert titles(me, group) == ["Mine"]


def test_pages_are_kept_apart(forum, django_assert_num_queries):
    group, _, me, _ = forum
    assert warm(me, group, django_assert_num_queries, size=2) == ["Thread 2", "Thread 1"]
    assert warm(me, group, django_assert_num_queries, page=2, size=2) == ["Thread 0"]
    read = reads.group_read(me, group.slug, forum=(1, 2))
    assert reads.forum_page(me, read, page=1, size=2).has_next


def test_upcoming_events_are_the_selectors(forum):
    group, owner, me, other = forum
    mine = make_event(owner, group=group.slug, title="Journal club")
    later = make_event(other, group=group.slug, title="Skills lab", starts_in=timedelta(days=9))
    make_event(owner, group=group.slug, title="Draft", publish=False)
    read = reads.group_read(me, group.slug)
    expected = [e.pk for e in group_upcoming_events(viewer=me, group=group)]
    assert [e.pk for e in read.upcoming_events(me)] == expected == [mine.pk, later.pk]
    block(actor=me, blocked=other)
    read = reads.group_read(me, group.slug)
    assert [e.pk for e in read.upcoming_events(me)] == [mine.pk]


# --- a thread and its replies -----------------------------------------------------------------


def reply_bodies(viewer, group, thread, *, page: int = 1, size: int = 50) -> list[str]:
    read = reads.thread_read(viewer, group.slug, thread.pk, replies=(page, size))
    return [r.body for r in reads.replies_page(viewer, read, page=page, size=size).items]


def warm_replies(viewer, group, thread, django_assert_num_queries) -> list[str]:
    first = reply_bodies(viewer, group, thread)
    with django_assert_num_queries(1):
        second = reply_bodies(viewer, group, thread)
    assert second == first
    return first


@pytest.fixture
def conversation(forum):
    group, owner, me, other = forum
    thread = Thread.objects.get(title="Thread 0")
    first = make_reply(thread, other, body="First")
    make_reply(thread, me, body="Second", quoted=first)
    return group, owner, me, other, Thread.objects.get(pk=thread.pk)


def test_the_thread_read_is_access_thread(conversation):
    group, _, me, other, thread = conversation
    read = reads.thread_read(me, group.slug, thread.pk)
    assert read.thread.pk == thread.pk and read.thread.reply_count == 2
    assert read.thread.author.profile.display_name == other.profile.display_name
    orm = [r.body for r in selectors.replies_of(viewer=me, thread=thread)]
    assert reply_bodies(me, group, thread) == orm == ["First", "Second"]
    second = reads.replies_page(me, read, page=1, size=50).items[1]
    assert second.quoted.body == "First"


def test_threads_outside_reach_are_404(conversation):
    group, _, me, other, thread = conversation
    founder = ProfileFactory().user
    elsewhere = make_thread(make_group(founder, name="Elsewhere"), founder)
    hidden = make_thread(group, other, title="Hidden")
    Thread.objects.filter(pk=hidden.pk).update(moderation_state=ModerationState.HIDDEN)
    stranger = ProfileFactory().user
    for viewer, slug, thread_id in (
        (me, group.slug, elsewhere.pk),  # another group's thread
        (me, group.slug, hidden.pk),  # hidden, not theirs
        (me, group.slug, 2**62),
        (stranger, group.slug, thread.pk),  # a private group's thread, not a member
    ):
        with pytest.raises(NotFound):
            reads.thread_read(viewer, slug, thread_id)
    assert reads.thread_read(other, group.slug, hidden.pk).thread.pk == hidden.pk  # their own


def test_the_replies_page_is_kept_until_it_changes(conversation, django_assert_num_queries):
    group, _, me, other, thread = conversation
    third = ProfileFactory().user
    add_member(group, third)
    warm_replies(me, group, thread, django_assert_num_queries)
    reply = make_reply(thread, other, body="Third")
    assert reply_bodies(me, group, thread)[-1] == "Third"
    warm_replies(me, group, thread, django_assert_num_queries)
    reply.thread = thread
    services.reply_update(actor=other, reply=reply, body="Third, edited")
    assert reply_bodies(me, group, thread)[-1] == "Third, edited"
    warm_replies(me, group, thread, django_assert_num_queries)
    services.reply_delete(actor=other, reply=reply)
    assert reply_bodies(me, group, thread) == ["First", "Second"]
    warm_replies(me, group, thread, django_assert_num_queries)
    first = thread.replies.get(body="First")
    first.moderation_state = ModerationState.HIDDEN  # as moderation writes it
    first.save(update_fields=["moderation_state"])
    read = reads.thread_read(me, group.slug, thread.pk, replies=(1, 50))
    page = reads.replies_page(me, read, page=1, size=50).items
    assert [r.body for r in page] == ["Second"]
    assert page[0].quoted.moderation_state == ModerationState.HIDDEN  # its excerpt is gone
    make_reply(thread, third, body="By a member I will block")
    warm_replies(me, group, thread, django_assert_num_queries)
    block(actor=me, blocked=third)
    assert reply_bodies(me, group, thread) == ["Second"]
