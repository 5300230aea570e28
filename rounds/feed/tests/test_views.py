"""The feed pages: /feed/ tabs and composer (plain and htmx), a post with comments, edit and
history, reposting, likes and bookmarks without JavaScript, topic pages, mutes, the home page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rounds.feed.models import Bookmark, Comment, Like, Post, TopicFollow
from rounds.feed.tests.factories import join, make_group, make_post
from rounds.network.tests.factories import connect
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def friend(member):
    other = ProfileFactory(display_name="Ana Lucia Ferreira")
    connect(member.user, other.user)
    return other


def test_feed_page_shows_tabs_composer_and_posts(member_client, friend):
    """/feed/ shows the three tabs, the composer with its audience choice, and the posts."""
    make_post(friend.user, "Grand rounds on **sepsis** tomorrow")
    html = member_client.get(reverse("feed:feed")).content.decode()
    for text in ("Discussions", "Bookmarks", 'name="audience"', "<strong>sepsis</strong>"):
        assert text in html
    assert "Ana Lucia Ferreira" in html


def test_anonymous_visitors_are_sent_to_sign_in(client):
    """The feed needs a signed-in member."""
    response = client.get(reverse("feed:feed"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_composer_publishes_without_javascript_and_with_htmx(member_client, member):
    """A plain POST redirects to the new post; htmx gets a fresh composer and the new card."""
    response = member_client.post(reverse("feed:create"), {"body": "Plain", "audience": "public"})
    post = Post.objects.get(body="Plain")
    assert response.status_code == 302 and response["Location"] == reverse(
        "feed:post", args=[post.pk]
    )
    response = member_client.post(
        reverse("feed:create"), {"body": "Swapped", "audience": "members"}, headers=HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'id="feed-composer"' in html
    assert 'hx-swap-oob="afterbegin:#feed-items"' in html and "Swapped" in html


def test_composer_errors_come_back_on_the_form(member_client):
    """An over-long or empty post is a 422 with the message on the composer."""
    response = member_client.post(reverse("feed:create"), {"body": "", "audience": "public"})
    assert response.status_code == 422
    assert "Write your post first." in response.content.decode()


def test_rate_limited_page_is_429_with_retry_after(member_client, settings):
    """Over the hourly post limit the composer answers 429 with Retry-After."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "post": 1}
    assert member_client.post(reverse("feed:create"), {"body": "one"}).status_code == 302
    response = member_client.post(reverse("feed:create"), {"body": "two"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "limit of 1 posts per hour" in response.content.decode()


def test_post_page_comments_and_replies_without_javascript(member_client, member, friend):
    """Comment, then reply through ?reply=; both show on the post page under their thread."""
    post = make_post(friend.user, "Discuss")
    url = reverse("feed:comment", args=[post.pk])
    assert member_client.post(url, {"body": "First thought"}).status_code == 302
    top = Comment.objects.get()
    page = member_client.get(reverse("feed:post", args=[post.pk]) + f"?reply={top.pk}")
    assert f'value="{top.pk}"' in page.content.decode()
    member_client.post(url, {"body": "A reply", "parent": top.pk})
    html = member_client.get(reverse("feed:post", args=[post.pk])).content.decode()
    assert "First thought" in html and "A reply" in html and "comment-replies" in html


def test_edit_page_keeps_history_and_marks_edited(member_client, member):
    """Editing shows "edited" and the history page lists the earlier version."""
    post = make_post(member.user, "Version one")
    response = member_client.post(reverse("feed:edit", args=[post.pk]), {"body": "Version two"})
    assert response.status_code == 302
    html = member_client.get(reverse("feed:post", args=[post.pk])).content.decode()
    assert "edited" in html and "Version two" in html
    history = member_client.get(reverse("feed:history", args=[post.pk])).content.decode()
    assert "Version one" in history and "Version two" in history


def test_edit_page_of_someone_elses_post_is_403(member_client, friend):
    """A visible post of another member cannot be edited (403)."""
    post = make_post(friend.user, "Theirs")
    assert member_client.get(reverse("feed:edit", args=[post.pk])).status_code == 403


def test_like_and_bookmark_forms_work_with_and_without_htmx(member_client, member, friend):
    """Plain POSTs redirect back; htmx gets the updated action bar."""
    post = make_post(friend.user, "Useful")
    member_client.post(reverse("feed:like", args=[post.pk]), {"liked": "1"})
    assert Like.objects.filter(user=member.user, post=post).exists()
    response = member_client.post(
        reverse("feed:bookmark", args=[post.pk]), {"bookmarked": "1"}, headers=HTMX
    )
    assert "Bookmarked" in response.content.decode()
    assert Bookmark.objects.filter(user=member.user).exists()
    bookmarks = member_client.get(reverse("feed:feed") + "?tab=bookmarks").content.decode()
    assert "Useful" in bookmarks
    assert (
        member_client.post(reverse("feed:like", args=[post.pk]), {"liked": "x"}).status_code == 400
    )


def test_repost_page_publishes_a_repost(member_client, member, friend):
    """The repost page embeds the original and publishes a repost with a comment."""
    post = make_post(friend.user, "Original insight")
    page = member_client.get(reverse("feed:repost", args=[post.pk]))
    assert "Original insight" in page.content.decode()
    response = member_client.post(
        reverse("feed:repost", args=[post.pk]), {"body": "Agree", "audience": "public"}
    )
    assert response.status_code == 302
    repost = Post.objects.get(repost_of=post)
    html = member_client.get(reverse("feed:post", args=[repost.pk])).content.decode()
    assert "Agree" in html and "Original insight" in html


def test_topic_page_follow_and_mute(member_client, member, friend):
    """The topic page lists its posts and follows/mutes it for the member."""
    make_post(friend.user, "About #Oncology research")
    url = reverse("feed:topic", args=["oncology"])
    assert "About" in member_client.get(url).content.decode()
    member_client.post(reverse("feed:topic_follow", args=["oncology"]), {"following": "1"})
    assert TopicFollow.objects.filter(user=member.user).exists()
    assert "Following" in member_client.get(url).content.decode()
    assert member_client.get(reverse("feed:topic", args=["nope"])).status_code == 404


def test_junk_cursor_is_a_400_page(member_client):
    """A forged cursor on /feed/ is a 400 page, never a 500."""
    assert member_client.get(reverse("feed:feed") + "?cursor=%%%").status_code == 400


def test_discussions_tab_lists_threads_of_my_groups(member_client, member):
    """The discussions tab lists recent threads from the member's groups only."""
    from rounds.community.services import thread_create

    owner = ProfileFactory().user
    mine = make_group(owner, slug="my-forum")
    other = make_group(owner, slug="other-forum")
    join(member.user, mine)
    thread_create(actor=owner, group=mine, title="Night shift handoffs", body="How do you do it?")
    thread_create(actor=owner, group=other, title="Unrelated thread", body="Elsewhere")
    html = member_client.get(reverse("feed:feed") + "?tab=discussions").content.decode()
    assert "Night shift handoffs" in html and "Unrelated thread" not in html


def test_home_page_shows_the_feed_and_keeps_its_sections(member_client, member, friend):
    """The home page shows the newest feed posts, and its network section stays."""
    make_post(friend.user, "Home page post")
    html = member_client.get("/").content.decode()
    assert "Your feed" in html and "Home page post" in html
    assert "Your three networks" in html


def test_home_page_newcomer_sees_how_to_fill_the_feed(member_client):
    """A newcomer's home feed teaches how to fill it."""
    html = member_client.get("/").content.decode()
    assert "join a group" in html and "Find colleagues to follow" in html


def test_mutes_page_lists_and_unmutes(member_client, member, friend):
    """Muting a member from a post lists them on the mutes page, where they can be unmuted."""
    url = reverse("feed:mute_member", args=[friend.handle])
    assert member_client.post(url, {"muted": "1"}).status_code == 302
    assert "Ana Lucia Ferreira" in member_client.get(reverse("feed:mutes")).content.decode()
    member_client.post(url, {"muted": "0"})
    assert not member.user.feed_mutes.exists()


def test_edit_guarded_by_professionalism_guard(member_client, member):
    """An edit with a warning asks to confirm (422, "Publish anyway"), then saves."""
    post = make_post(member.user, "Fine")
    url = reverse("feed:edit", args=[post.pk])
    response = member_client.post(url, {"body": "This rollout is a load of crap."})
    assert (
        response.status_code == 422 and 'name="acknowledge_warnings"' in response.content.decode()
    )
    response = member_client.post(
        url, {"body": "This rollout is a load of crap.", "acknowledge_warnings": "1"}
    )
    assert response.status_code == 302
