"""@handle mentions in posts and comments: links to visible members' profiles (pages and API)
and one MENTION notification per member per post or comment, for members who may read it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rounds.community.mentions import mention_candidates, mention_links, mentioned_handles
from rounds.core.tests.api_client import api_as
from rounds.feed import services
from rounds.feed.models import Audience
from rounds.feed.tests.factories import join, make_group, make_post, publish
from rounds.network.models import Block
from rounds.network.tests.factories import connect
from rounds.notifications.models import Kind, Notification
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


def member(handle: str):
    return ProfileFactory(handle=handle).user


def mentioned(user) -> int:
    return Notification.objects.filter(recipient=user, kind=Kind.MENTION).count()


def test_mentioned_handles_are_distinct_lower_case_and_skip_emails_and_urls():
    text = "Hi @Ana-B and @ana-b, mail x@bob.org, see https://x.org/@carl, (@dee-1)."
    assert mentioned_handles(text) == ["ana-b", "dee-1"]


def test_a_post_notifies_each_mentioned_member_once_and_never_the_author_or_blocked():
    author, ana, bob, blocked = member("author"), member("ana"), member("bob"), member("blk")
    Block.objects.create(blocker=blocked, blocked=author)
    publish(author, "Thanks @ana and @bob (and @ana again), @author, @blk, @nobody.")
    assert (mentioned(ana), mentioned(bob), mentioned(author), mentioned(blocked)) == (1, 1, 0, 0)
    note = Notification.objects.get(recipient=ana, kind=Kind.MENTION)
    assert note.actor_id == author.pk and "/posts/" in note.url


def test_editing_a_post_notifies_only_newly_mentioned_members():
    author, ana, bob = member("author"), member("ana"), member("bob")
    post = publish(author, "Hello @ana")
    services.post_edit(actor=author, post_id=post.pk, body="Hello @ana and @bob")
    services.post_edit(actor=author, post_id=post.pk, body="Hello @ana, @bob!")
    assert (mentioned(ana), mentioned(bob)) == (1, 1)


def test_only_members_the_audience_admits_are_notified():
    """Connections-only: only connections; a private group's post: only its active members."""
    author, friend, stranger, insider = (member(h) for h in ("author", "friend", "str", "ins"))
    connect(author, friend)
    publish(author, "@friend @str", audience=Audience.CONNECTIONS)
    assert (mentioned(friend), mentioned(stranger)) == (1, 0)
    group = make_group(author, visibility="private", slug="private-icu")
    join(insider, group)
    publish(author, "@ins @str @friend", audience=Audience.GROUP, group_slug="private-icu")
    assert (mentioned(insider), mentioned(stranger), mentioned(friend)) == (1, 0, 1)


def test_a_comment_mention_notifies_once_and_not_again_as_the_post_author():
    """The post's author, mentioned in a comment on their post, gets the comment notification
    only; an edit adding a name notifies that member once."""
    author, commenter, ana, bob = (member(h) for h in ("author", "cmt", "ana", "bob"))
    post = publish(author, "A post")
    comment = services.comment_create(actor=commenter, post_id=post.pk, body="@author @ana see")
    assert mentioned(author) == 0 and mentioned(ana) == 1
    services.comment_edit(actor=commenter, comment_id=comment.pk, body="@author @ana @bob see")
    assert (mentioned(ana), mentioned(bob)) == (1, 1)


def test_mentions_link_to_profiles_the_viewer_may_see_only():
    viewer, ana, hidden, blocker = (member(h) for h in ("viewer", "ana", "gone", "blocker"))
    type(hidden).objects.filter(pk=hidden.pk).update(deletion_scheduled=True)
    Block.objects.create(blocker=blocker, blocked=viewer)
    links = mention_links(viewer, ["@ana @gone @blocker @nobody"])
    assert links == {"ana": reverse("profiles:detail", args=["ana"])}
    assert mention_candidates(actor=viewer, handles=["ana", "gone", "blocker"]) == {ana.pk}


def test_post_page_feed_and_api_render_mention_links(client):
    viewer, author, _ana = member("viewer"), member("author"), member("ana")
    connect(viewer, author)
    post = make_post(author, "Welcome @ana and @nobody")
    href = f'href="{reverse("profiles:detail", args=["ana"])}"'
    client.force_login(viewer)
    for url in (reverse("feed:post", args=[post.pk]), reverse("feed:feed")):
        html = client.get(url).content.decode()
        assert href in html and "@nobody</a>" not in html
    api = api_as(viewer)
    body_html = api.get(f"/posts/{post.pk}").json()["body_html"]
    assert href in body_html and "@nobody" in body_html and "@nobody</a>" not in body_html
    services.comment_create(actor=viewer, post_id=post.pk, body="Agree @ana")
    comments = api.get(f"/posts/{post.pk}/comments").json()["items"]
    assert href in comments[0]["body_html"]


def test_mention_links_cost_one_query_per_page(django_assert_max_num_queries):
    viewer = member("viewer")
    handles = [member(f"colleague-{i}") for i in range(5)]
    texts = [f"@{u.profile.handle} and @colleague-0" for u in handles]
    with django_assert_max_num_queries(1):
        links = mention_links(viewer, texts)
    assert len(links) == 5
