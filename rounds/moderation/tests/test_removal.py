"""Hidden and removed content leaves feeds, lists and search at once, through the owning
apps' own selectors and pages: messages, profiles, forum threads and feed posts."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from rounds.community import services as community
from rounds.community.selectors import search_threads, threads_of
from rounds.core.tests.api_client import api_as
from rounds.feed.selectors import home_feed, posts_visible_to
from rounds.feed.services import post_create
from rounds.messaging.selectors import message_search_for
from rounds.moderation.services import report_act
from rounds.moderation.tests.factories import message_between, report, staff_member
from rounds.network.tests.factories import connect
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return ProfileFactory().user, ProfileFactory().user, staff_member().user


def _act(staff, filed, action, reason="Breaks the community rules"):
    return report_act(actor=staff, report=filed, action=action, reason=reason)


def test_removed_message_leaves_search_and_the_conversation(people):
    """After removal the recipient's message search finds nothing and the conversation shows
    the message as deleted."""
    reader, author, staff = people
    message = message_between(author, reader, body="Miracle supplement zanzibar")
    assert message_search_for(viewer=reader, q="zanzibar").items
    _act(staff, report(reader, "message", message.pk), "remove")
    assert message_search_for(viewer=reader, q="zanzibar").items == []
    client = Client()
    client.force_login(reader)
    page = client.get(reverse("messaging:conversation", args=[message.conversation_id]))
    assert "zanzibar" not in page.content.decode()


def test_hidden_profile_headline_leaves_the_directory_search(people):
    """A hidden profile's headline no longer matches a directory search."""
    reader, author, staff = people
    author.profile.headline = "Quixotic wellness coach"
    author.profile.save()
    client = Client()
    client.force_login(reader)
    url = reverse("profiles:directory") + "?q=Quixotic"
    assert author.profile.display_name in client.get(url).content.decode()
    _act(staff, report(reader, "profile", author.profile.pk), "hide")
    assert author.profile.display_name not in client.get(url).content.decode()


def test_hidden_thread_leaves_the_forum_and_search_but_its_author_sees_why(people):
    """A hidden thread is gone from the group's forum and search for members; its author
    still sees it, marked with the reason."""
    reader, author, staff = people
    owner = ProfileFactory().user
    group = community.group_create(actor=owner, name="Critical care")
    community.group_join(actor=author, group=group)
    community.group_join(actor=reader, group=group)
    thread = community.thread_create(
        actor=author, group=group, title="Vasopressin protocol", body="Our bundle"
    )
    assert search_threads(viewer=reader, query="Vasopressin").items == [thread]
    _act(staff, report(reader, "thread", thread.pk), "hide", reason="Off topic")
    assert list(threads_of(viewer=reader, group=group)) == []
    assert search_threads(viewer=reader, query="Vasopressin").items == []
    mine = list(threads_of(viewer=author, group=group))
    assert [(t.pk, t.moderation_state, t.moderation_reason) for t in mine] == [
        (thread.pk, "hidden", "Off topic")
    ]


def test_removed_post_leaves_the_home_feed_at_once(people):
    """A connection's removed post disappears from the reader's home feed and every post
    list; the API feed agrees."""
    reader, author, staff = people
    connect(reader, author)
    post = post_create(actor=author, body="Ivermectin cures everything")
    assert post.pk in [p.pk for p in home_feed(viewer=reader).items]
    _act(staff, report(reader, "post", post.pk, reason="misinformation"), "remove")
    assert post.pk not in [p.pk for p in home_feed(viewer=reader).items]
    assert not posts_visible_to(reader).filter(pk=post.pk).exists()
    feed = api_as(reader).get("/feed").json()
    assert "Ivermectin" not in str(feed)
