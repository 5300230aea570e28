"""Browser journey of the feed: publish from the composer (htmx puts the post on top of the
feed, the guard asks before publishing a warning), like it in place, and comment on it."""

from __future__ import annotations

import re

import pytest

from rounds.feed.models import Comment, Like, Post
from rounds.network.tests.factories import connect
from rounds.profiles.tests.factories import PASSWORD, ProfileFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_login", email)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_load_state()


def test_publish_like_and_comment(page, live_server):
    """Publish a post with a #topic in place, confirm a guard warning, like it without a
    reload, then comment on it from its page."""
    me = ProfileFactory(user__email="poster@example.org", display_name="Rosa Díaz")
    connect(me.user, ProfileFactory().user)
    sign_in(page, "poster@example.org")
    page.goto("/feed/")
    composer = page.locator("#feed-composer")
    composer.get_by_label("Post").fill("Our #sepsis bundle audit is out: https://example.org/audit")
    composer.get_by_role("button", name="Publish", exact=True).click()
    feed = page.locator("#feed-items")
    feed.get_by_text("Our").first.wait_for()
    link = feed.get_by_role("link", name="#sepsis").first
    assert link.get_attribute("href") == "/topics/sepsis/"
    assert (
        feed.get_by_role("link", name="https://example.org/audit").first.get_attribute("rel")
        == "nofollow noopener ugc"
    )
    assert Post.objects.filter(author=me.user).count() == 1

    composer = page.locator("#feed-composer")
    composer.get_by_label("Post").fill("This new EHR rollout is a load of crap.")
    composer.get_by_role("button", name="Publish", exact=True).click()
    anyway = page.get_by_role("button", name="Publish anyway")
    anyway.wait_for()
    anyway.click()
    feed.get_by_text("EHR rollout").first.wait_for()
    assert Post.objects.filter(author=me.user).count() == 2

    like = feed.get_by_role("button", name=re.compile("^Like")).first
    like.click()
    feed.get_by_role("button", name=re.compile("^Liked")).first.wait_for()
    assert Like.objects.count() == 1

    post = Post.objects.get(body__startswith="Our")
    page.goto(f"/feed/posts/{post.pk}/")
    page.get_by_role("textbox", name="Comment").fill("Great work, team.")
    page.get_by_role("button", name="Comment", exact=True).click()
    page.locator(".comment-list").get_by_text("Great work, team.").wait_for()
    assert Comment.objects.filter(post=post).count() == 1
