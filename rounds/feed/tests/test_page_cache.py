"""The feed tabs cached whole per viewer (``core.fragments.render_page``, key parts from
``feed.stamps``): a warm page renders no template, yet every change a card shows — edits,
deletes, likes, moderation, blocks, mutes, new posts, a renamed author or group — is on the
next request, and no session's CSRF token is kept in the cached page."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from rounds.community.models import Group
from rounds.community.services import reply_create, thread_create
from rounds.core.fragments import CSRF_PLACEHOLDER
from rounds.feed.models import Post
from rounds.feed.services import like_set, member_mute_set, post_delete, post_edit
from rounds.feed.tests.factories import join, make_group, make_post
from rounds.moderation.registry import ModerationState
from rounds.network.services import block
from rounds.network.tests.factories import connect
from rounds.profiles.services import profile_update
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db

FEED = reverse("feed:feed")
DISCUSSIONS = FEED + "?tab=discussions"


def page(client: Client, url: str = FEED) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def rendered_templates(client: Client, url: str = FEED) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return [t.name for t in response.templates if t.name]


@pytest.fixture
def friend(member):
    other = ProfileFactory(display_name="Ana Lucia Ferreira")
    connect(member.user, other.user)
    return other


def test_a_warm_feed_page_renders_no_template(member_client, friend):
    """The second request of the same tab comes from the page cache."""
    make_post(friend.user, "Grand rounds tomorrow")
    assert "feed/feed.html" in rendered_templates(member_client)
    assert rendered_templates(member_client) == []
    assert rendered_templates(member_client, DISCUSSIONS) != []
    assert rendered_templates(member_client, DISCUSSIONS) == []


def test_new_posts_edits_and_deletes_show_at_once(member_client, friend):
    """A new post, an edit and a delete change the cached page on the next request."""
    post = make_post(friend.user, "First version of the audit")
    assert "First version of the audit" in page(member_client)
    make_post(friend.user, "A second post arrives")
    assert "A second post arrives" in page(member_client)
    post_edit(actor=friend.user, post_id=post.pk, body="Corrected audit numbers")
    html = page(member_client)
    assert "Corrected audit numbers" in html and "First version" not in html
    post_delete(actor=friend.user, post_id=post.pk)
    assert "Corrected audit numbers" not in page(member_client)


def test_counts_and_the_viewers_own_state_show_at_once(member_client, member, friend):
    """Likes by others (a counter written without updated_at) and the viewer's own like."""
    post = make_post(friend.user, "Count me")
    assert 'aria-pressed="false">\n                        Like' in page(member_client)
    like_set(actor=ProfileFactory().user, post_id=post.pk, liked=True)
    html = page(member_client)
    assert re.search(r'Like\s*<span class="count-badge">1</span>', html)
    like_set(actor=member.user, post_id=post.pk, liked=True)
    assert re.search(r'Liked\s*<span class="count-badge">2</span>', page(member_client))


def test_moderation_blocks_and_mutes_take_posts_out_at_once(member_client, member, friend):
    """A hidden post (moderation writes only its state and reason), a mute and a block."""
    hidden = make_post(friend.user, "Soon hidden")
    page(member_client)
    hidden.moderation_state = ModerationState.HIDDEN
    hidden.moderation_reason = "Patient details"
    hidden.save(update_fields=["moderation_state", "moderation_reason"])
    assert "Soon hidden" not in page(member_client)
    make_post(friend.user, "Still here")
    assert "Still here" in page(member_client)
    member_mute_set(actor=member.user, member=friend.user, muted=True)
    assert "Still here" not in page(member_client)
    member_mute_set(actor=member.user, member=friend.user, muted=False)
    assert "Still here" in page(member_client)
    block(actor=friend.user, blocked=member.user)
    assert "Still here" not in page(member_client)


def test_the_authors_moderation_notice_follows_the_decision(member_client, member):
    """The author sees their own hidden post with the moderators' reason at once."""
    own = make_post(member.user, "My own post")
    assert "Only you can see this post" not in page(member_client)
    Post.objects.filter(pk=own.pk).update(
        moderation_state=ModerationState.REMOVED, moderation_reason="Off topic"
    )
    html = page(member_client)
    assert "Only you can see this post" in html and "Off topic" in html


def test_renamed_authors_and_groups_show_at_once(member_client, member, friend):
    """The author's name on a card and the composer's groups follow their changes."""
    group = make_group(friend.user, slug="ward-rounds")
    join(member.user, group)
    make_post(friend.user, "Renamed soon")
    html = page(member_client)
    assert "Ana Lucia Ferreira" in html and "Ward Rounds" in html
    profile_update(actor=friend.user, profile=friend, changes={"display_name": "Dr Ana Ferreira"})
    Group.objects.filter(pk=group.pk).update(name="Night Ward Rounds")
    html = page(member_client)
    assert "Dr Ana Ferreira" in html and "Night Ward Rounds" in html


def test_discussions_follow_new_replies(member_client, member, friend):
    """The discussions tab shows a thread's new reply count at once."""
    group = make_group(friend.user, slug="icu-forum")
    join(member.user, group)
    thread = thread_create(
        actor=friend.user, group=group, title="Handover checklist", body="Ideas?"
    )
    assert "0 replies" in page(member_client, DISCUSSIONS)
    reply_create(actor=member.user, thread=thread, body="Use SBAR.")
    assert "1 reply" in page(member_client, DISCUSSIONS)


def test_each_session_gets_its_own_csrf_token(member, friend):
    """The cached page carries a placeholder; each session's forms get a token its own cookie
    accepts (a like posted from the second session's cached page goes through)."""
    post = make_post(friend.user, "Forms inside")
    for _ in range(2):
        client = Client(enforce_csrf_checks=True)
        client.force_login(member.user)
        html = page(client)
        found = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))
        assert len(found) == 1 and CSRF_PLACEHOLDER not in html
        response = client.post(
            reverse("feed:like", args=[post.pk]),
            {"csrfmiddlewaretoken": found.pop(), "liked": "1", "next": FEED},
        )
        assert response.status_code == 302
