"""Data rights of the feed: the export holds the member's posts (with earlier versions),
comments, likes, bookmarks, followed topics and mutes, and nothing private of anyone else;
erasure removes (or, anonymising, keeps as "Former member") their texts, leaving no canary."""

from __future__ import annotations

import json

import pytest
from django.db import models

from rounds.feed import datarights
from rounds.feed.models import (
    Bookmark,
    Comment,
    Like,
    Mute,
    Post,
    PostRevision,
    PostTopic,
    Topic,
    TopicFollow,
)
from rounds.feed.services import (
    bookmark_set,
    comment_create,
    like_set,
    member_mute_set,
    post_create,
    post_edit,
    topic_follow_set,
    topic_mute_set,
)
from rounds.network.tests.factories import connect
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db

CANARY = "canary5e1d"
FEED_MODELS = [Post, PostRevision, PostTopic, Comment, Like, Bookmark, Topic, TopicFollow, Mute]


def rows_containing(text: str) -> list[tuple[str, int]]:
    found = []
    for model in FEED_MODELS:
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField)
        ]
        for row in model.objects.values("pk", *fields):
            if any(text in str(row[name]) for name in fields):
                found.append((model.__name__, row["pk"]))
    return found


@pytest.fixture
def world():
    ana = ProfileFactory(handle="ana").user
    ben = ProfileFactory(handle="ben").user
    connect(ana, ben)
    post = post_create(actor=ana, body=f"First {CANARY} draft", audience="public")
    post_edit(actor=ana, post_id=post.pk, body=f"Final {CANARY} text")
    comment_create(actor=ana, post_id=post.pk, body=f"Own comment {CANARY}")
    theirs = post_create(actor=ben, body="Ben's update on #rounds", audience="public")
    comment_create(actor=ana, post_id=theirs.pk, body=f"Reply {CANARY} to Ben")
    comment_create(actor=ben, post_id=post.pk, body="Ben's private-ish comment")
    like_set(actor=ana, post_id=theirs.pk, liked=True)
    bookmark_set(actor=ana, post_id=theirs.pk, bookmarked=True)
    topic_follow_set(actor=ana, slug="rounds", following=True)
    topic_mute_set(actor=ana, slug="rounds", muted=True)
    member_mute_set(actor=ana, member=ben, muted=True)
    member_mute_set(actor=ben, member=ana, muted=True)
    return ana, ben, post, theirs


def test_export_holds_the_members_data_and_nothing_private_of_others(world):
    """Every canary of the member's texts is in the export; Ben's comment and mutes are not."""
    ana, _ben, _post, theirs = world
    data = datarights.export_member_data(ana)
    text = json.dumps(data)
    assert text.count(CANARY) == 4  # final text, earlier version, two comments
    assert "Ben's private-ish comment" not in text
    assert data["post_likes"][0]["post"] == theirs.pk
    assert data["post_bookmarks"][0]["post"] == theirs.pk
    assert data["topics_followed"] == ["rounds"]
    assert {"member": "ben"} in data["mutes"] and {"topic": "rounds"} in data["mutes"]
    assert len(data["mutes"]) == 2  # her own; Ben muting her is his private choice


@pytest.mark.parametrize("anonymise", [False, True])
def test_erase_leaves_no_canary(world, anonymise):
    """After erasure and deleting the user, no feed row holds the canary (anonymised posts
    keep no history); counters on others' posts are corrected."""
    ana, _ben, post, theirs = world
    if anonymise:
        # Keeping contributions: the canary stays only in the kept texts, by a former member.
        datarights.erase_member_data(ana, anonymise=True)
        ana.delete()
        kept = Post.objects.get(pk=post.pk)
        assert kept.author_id is None and not PostRevision.objects.exists()
        assert Comment.objects.filter(author__isnull=True).count() == 2
        Post.objects.filter(author__isnull=True).delete()
        Comment.objects.filter(author__isnull=True).delete()
    else:
        datarights.erase_member_data(ana, anonymise=False)
        ana.delete()
        assert not Post.objects.filter(pk=post.pk).exists()
    assert rows_containing(CANARY) == []
    refreshed = Post.objects.get(pk=theirs.pk)
    assert refreshed.like_count == 0
    assert refreshed.comment_count == (1 if anonymise else 0)


def test_anonymised_posts_lose_the_members_name_and_handle(db):
    """Keeping contributions keeps the text but replaces the member's name, handle and e-mail
    with "Former member" and clears moderators' reasons."""
    member = ProfileFactory(handle="rosa-diaz", display_name="Rosa Díaz")
    post = post_create(
        actor=member.user, body="Rosa Díaz here (@rosa-diaz): new #sepsis data", audience="public"
    )
    Post.objects.filter(pk=post.pk).update(moderation_reason="Rosa Díaz was warned")
    datarights.erase_member_data(member.user, anonymise=True)
    member.user.delete()
    kept = Post.objects.get(pk=post.pk)
    assert kept.author_id is None and kept.moderation_reason == ""
    assert kept.body == "Former member here (@Former member): new #sepsis data"
