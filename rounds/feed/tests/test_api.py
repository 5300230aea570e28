"""The posts API: publishing, reposts, comments, likes, bookmarks, topics, mutes, limits."""

from __future__ import annotations

import pytest

from rounds.core.tests.api_client import api_as, assert_error
from rounds.feed.models import Comment, Like, Post, PostRevision
from rounds.feed.tests.factories import join, make_group, make_post
from rounds.network.tests.factories import connect
from rounds.notifications.models import Notification
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(db):
    author, reader = ProfileFactory(), ProfileFactory()
    connect(author.user, reader.user)
    return author.user, reader.user


def test_publish_renders_markdown_links_and_topics_safely(pair):
    """A post's HTML links #topics to their page and URLs with rel=nofollow noopener ugc."""
    author, _ = pair
    response = api_as(author).post(
        "/posts", {"body": "New #Sepsis guidance: https://example.org/paper", "audience": "public"}
    )
    assert response.status_code == 201, response.content
    html = response.json()["body_html"]
    assert '<a href="/topics/sepsis/" rel="nofollow noopener ugc">#Sepsis</a>' in html
    assert 'href="https://example.org/paper" rel="nofollow noopener ugc"' in html


def test_post_limits_and_audience_are_validated(pair):
    """Too long, empty, unknown audience, or a group the author is not in: 422 with a field."""
    author, _ = pair
    api = api_as(author)
    assert_error(api.post("/posts", {"body": "x" * 3001}), 422, "body")
    assert_error(api.post("/posts", {"body": "   "}), 422, "body")
    assert_error(api.post("/posts", {"body": "hi", "audience": "world"}), 422, "audience")
    assert_error(api.post("/posts", {"body": "hi", "audience": "group"}), 422, "group")
    group = make_group(ProfileFactory().user, slug="not-mine")
    response = api.post("/posts", {"body": "hi", "audience": "group", "group": group.slug})
    assert_error(response, 422, "group")
    join(author, group)
    response = api.post("/posts", {"body": "hi", "audience": "group", "group": group.slug})
    assert response.status_code == 201 and response.json()["group"] == group.slug


def test_only_the_author_edits_or_deletes(pair):
    """Another member who can see the post gets 403 on edit and delete; the author succeeds."""
    author, reader = pair
    post = make_post(author, "Original")
    assert_error(api_as(reader).patch(f"/posts/{post.pk}", {"body": "hijack"}), 403)
    assert_error(api_as(reader).delete(f"/posts/{post.pk}"), 403)
    response = api_as(author).patch(f"/posts/{post.pk}", {"body": "Better"})
    assert response.json()["edited"] is True
    assert PostRevision.objects.filter(post=post, body="Original").exists()
    assert api_as(author).delete(f"/posts/{post.pk}").status_code == 204
    assert not Post.objects.filter(pk=post.pk).exists()


def test_repost_cannot_widen_the_audience(pair):
    """A connections-only post can be reposted to connections only; a public one anywhere; a
    repost of a post the member cannot see is a 404."""
    author, reader = pair
    narrow = make_post(author, "for connections", audience="connections")
    api = api_as(reader)
    assert_error(api.post(f"/posts/{narrow.pk}/reposts", {"audience": "public"}), 422, "audience")
    ok = api.post(f"/posts/{narrow.pk}/reposts", {"audience": "connections", "body": "Agree"})
    assert ok.status_code == 201 and ok.json()["repost_of"]["id"] == narrow.pk
    stranger = ProfileFactory().user
    assert_error(api_as(stranger).post(f"/posts/{narrow.pk}/reposts", {}), 404)
    assert Post.objects.get(pk=narrow.pk).repost_count == 1


def test_comments_are_threaded_one_level(pair):
    """A reply to a reply joins the top-level comment's thread; the author is notified."""
    author, reader = pair
    post = make_post(author, "Discuss")
    api = api_as(reader)
    top = api.post(f"/posts/{post.pk}/comments", {"body": "First"}).json()
    reply = (
        api_as(author)
        .post(f"/posts/{post.pk}/comments", {"body": "Thanks", "parent": top["id"]})
        .json()
    )
    deeper = api.post(f"/posts/{post.pk}/comments", {"body": "Deeper", "parent": reply["id"]})
    assert deeper.status_code == 201 and deeper.json()["parent"] == top["id"]
    listing = api.get(f"/posts/{post.pk}/comments").json()["items"]
    assert [c["id"] for c in listing] == [top["id"]]
    assert [r["body"] for r in listing[0]["replies"]] == ["Thanks", "Deeper"]
    assert Notification.objects.filter(recipient=author, kind="post.comment").exists()
    other_post = make_post(author, "Elsewhere")
    wrong = api.post(f"/posts/{other_post.pk}/comments", {"body": "x", "parent": top["id"]})
    assert_error(wrong, 422, "parent")
    assert Post.objects.get(pk=post.pk).comment_count == 3


def test_comment_edit_and_delete_rules(pair):
    """Comment authors edit their comments; they or the post's author delete them; others 403."""
    author, reader = pair
    post = make_post(author, "Discuss")
    comment = api_as(reader).post(f"/posts/{post.pk}/comments", {"body": "Hm"}).json()
    url = f"/posts/{post.pk}/comments/{comment['id']}"
    assert_error(api_as(author).patch(url, {"body": "changed"}), 403)
    assert api_as(reader).patch(url, {"body": "Better"}).json()["edited_at"]
    third = ProfileFactory().user
    assert_error(api_as(third).delete(url), 403)
    assert api_as(author).delete(url).status_code == 204
    assert not Comment.objects.exists()


def test_like_is_idempotent_and_notifies_once(pair):
    """Liking twice counts once and notifies the author once; unliking undoes it."""
    author, reader = pair
    post = make_post(author, "Like me")
    api = api_as(reader)
    api.put(f"/posts/{post.pk}/like")
    body = api.put(f"/posts/{post.pk}/like").json()
    assert body["like_count"] == 1 and body["liked"] is True
    assert Notification.objects.filter(recipient=author, kind="post.like").count() == 1
    assert api.delete(f"/posts/{post.pk}/like").json()["like_count"] == 0
    assert not Like.objects.exists()


def test_bookmarks_are_private(pair):
    """A member's bookmarks list only their own bookmarks."""
    author, reader = pair
    post = make_post(author, "Keep")
    api_as(reader).put(f"/posts/{post.pk}/bookmark")
    assert [i["id"] for i in api_as(reader).get("/feed/bookmarks").json()["items"]] == [post.pk]
    assert api_as(author).get("/feed/bookmarks").json()["items"] == []


def test_topics_follow_mute_and_list(pair):
    """Topics can be read by visitors, followed and muted by members; unknown topics 404."""
    author, reader = pair
    make_post(author, "On #wellness")
    api = api_as(reader)
    assert api.put("/topics/wellness/follow").json()["following"] is True
    assert api.put("/topics/wellness/mute").json()["muted"] is True
    assert api.get("/feed/mutes").json()["items"] == [
        {"kind": "topic", "handle": None, "topic": "wellness"}
    ]
    assert api.get("/topics/nothing-here").status_code == 404
    assert len(api.get("/topics/wellness/posts").json()["items"]) == 1


def test_member_mutes_by_handle(pair):
    """Muting a member by handle lists them; muting oneself is a 422."""
    author, reader = pair
    api = api_as(reader)
    handle = author.profile.handle
    assert api.put(f"/feed/mutes/members/{handle}").status_code == 204
    assert api.get("/feed/mutes").json()["items"][0]["handle"] == handle
    assert_error(api.put(f"/feed/mutes/members/{reader.profile.handle}"), 422)
    assert api.delete(f"/feed/mutes/members/{handle}").status_code == 204


def test_posting_and_commenting_are_rate_limited(pair, settings):
    """Over the hourly limit the API answers 429 with Retry-After and nothing is written."""
    author, reader = pair
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "post": 2, "comment": 1}
    api = api_as(author)
    assert api.post("/posts", {"body": "one"}).status_code == 201
    assert api.post("/posts", {"body": "two"}).status_code == 201
    refused = api.post("/posts", {"body": "three"})
    assert_error(refused, 429)
    assert int(refused["Retry-After"]) > 0
    assert Post.objects.count() == 2
    post = Post.objects.first()
    assert api_as(reader).post(f"/posts/{post.pk}/comments", {"body": "a"}).status_code == 201
    assert_error(api_as(reader).post(f"/posts/{post.pk}/comments", {"body": "b"}), 429)
