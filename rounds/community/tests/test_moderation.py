"""The moderation adapter: threads and replies are reportable only where readable, name their
group for its moderators, and hidden content leaves lists and search at once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rounds.community.models import Reply, Thread
from rounds.community.selectors import search_threads, threads_of
from rounds.moderation.registry import target_for
from rounds.profiles.tests.factories import ProfileFactory

from .factories import add_member, make_group, make_reply, make_thread

pytestmark = pytest.mark.django_db


def test_targets_are_declared_with_group_and_url():
    """ "thread" and "reply" targets name their group, author, excerpt and page."""
    owner = ProfileFactory().user
    group = make_group(owner)
    thread = make_thread(group, owner, title="Sepsis", body="Lactate first")
    reply = make_reply(thread, owner, body="Agreed")
    thread_target, reply_target = target_for("thread"), target_for("reply")
    assert thread_target.group_id(thread) == group.pk
    assert reply_target.group_id(reply) == group.pk
    assert thread_target.author_id(thread) == owner.pk
    assert "Sepsis" in thread_target.excerpt(thread)
    assert reply_target.url(reply).endswith(f"#reply-{reply.pk}")


def test_only_readable_content_is_reportable():
    """A private group's threads and replies are reportable by its members only."""
    owner = ProfileFactory().user
    group = make_group(owner, visibility="private")
    member = add_member(group)
    thread = make_thread(group, owner)
    reply = make_reply(thread, owner)
    stranger = ProfileFactory().user
    assert thread in target_for("thread").visible_to(member)
    assert reply in target_for("reply").visible_to(member)
    assert thread not in target_for("thread").visible_to(stranger)
    assert reply not in target_for("reply").visible_to(stranger)


def test_hidden_content_leaves_lists_and_search_but_the_author_sees_why(client):
    """Hidden threads/replies vanish for others (lists, search, page 404) and show the reason
    to their author."""
    owner = ProfileFactory().user
    group = make_group(owner)
    author = add_member(group)
    reader = add_member(group)
    thread = make_thread(group, author, title="Triage tips")
    reply = make_reply(thread, author, body="Triage reply")
    Thread.objects.filter(pk=thread.pk).update(
        moderation_state="hidden", moderation_reason="Off topic"
    )
    Reply.objects.filter(pk=reply.pk).update(moderation_state="removed", moderation_reason="Spam")
    assert list(threads_of(viewer=reader, group=group)) == []
    assert search_threads(viewer=reader, query="triage").items == []
    url = reverse("community:thread", args=[group.slug, thread.pk])
    client.force_login(reader)
    assert client.get(url).status_code == 404
    client.force_login(author)
    html = client.get(url).content.decode()
    assert "Off topic" in html and "Spam" in html
