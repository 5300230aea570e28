"""Query counts of the feed pages and endpoints: the same at two data sizes (a few rows, and
enough to fill a page from many authors, topics, groups and reposts), so nothing costs a query
per post, comment or author."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rounds.core.tests.api_client import ApiClient, api_as
from rounds.feed.models import Audience, Bookmark, Comment, Like
from rounds.feed.services import topic_follow_set
from rounds.feed.tests import factories
from rounds.feed.tests.factories import join, make_group, make_post
from rounds.network.services import follow
from rounds.network.tests.factories import connect
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db

#: SMALL covers every feed source (connection, followee, topic, group): an empty source costs
#: no query, so the comparison starts with each one answering.
SMALL, LARGE = 4, 24
MAX_PAGE_QUERIES = 40
MAX_API_QUERIES = 20


@pytest.fixture
def world(db) -> dict[str, Any]:
    me = ProfileFactory().user
    group = make_group(ProfileFactory().user, slug="query-forum")
    join(me, group)
    return {"me": me, "group": group, "focus": make_post(me, "Focus #cardiology")}


def grow(world: dict[str, Any], count: int) -> None:
    """``count`` more posts from connections, followees, a topic and the group; each liked,
    bookmarked, commented (with a reply) and some reposted."""
    me, group, focus = world["me"], world["group"], world["focus"]
    topic_follow_set(actor=me, slug="cardiology", following=True)
    # Not fanned out: at both sizes the people are read at read time. (With an inbox, a page
    # the inbox cannot fill takes one read-time query more than one it fills: bounded, not
    # growing; ``test_inbox`` covers that path.)
    make_post = partial(factories.make_post, fan=False)
    for index in range(count):
        author = ProfileFactory().user
        kind = index % 4
        if kind == 0:
            connect(me, author)
            post = make_post(author, f"Connection {index}", audience=Audience.CONNECTIONS)
        elif kind == 1:
            follow(actor=me, followee=author)
            post = make_post(author, f"Followee {index}", repost_of=focus, is_repost=True)
        elif kind == 2:
            post = make_post(author, f"On #cardiology {index}")
        else:
            post = make_post(author, f"Group {index}", audience=Audience.GROUP, group=group)
        Like.objects.create(post=post, user=me)
        Bookmark.objects.create(post=post, user=me)
        top = Comment.objects.create(post=focus, author=author, body=f"Comment {index}")
        Comment.objects.create(post=focus, author=me, parent=top, body=f"Reply {index}")


def count(call: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = call()
    assert response.status_code == 200, response.content[:300]
    return len(queries)


def measure(world: dict[str, Any], call: Callable[[], Any], ceiling: int) -> None:
    grow(world, SMALL)
    call()  # warm up: the first request of a client touches its session / token once
    small = count(call)
    grow(world, LARGE)
    call()  # the home page's suggestions are cached per network version: fill them again
    large = count(call)
    assert small == large, (small, large)
    assert large <= ceiling, large


def _page(world: dict[str, Any], url: str) -> Callable[[], Any]:
    client = Client()
    client.force_login(world["me"])
    return lambda: client.get(url)


@pytest.mark.parametrize(
    "url",
    [
        "/feed/",
        "/feed/?tab=bookmarks",
        "/feed/?tab=discussions",
        "/",
        "/topics/cardiology/",
    ],
)
def test_feed_pages_cost_the_same_at_two_sizes(world, url):
    """The feed tabs, the home page and a topic page: constant queries in the data size."""
    measure(world, _page(world, url), MAX_PAGE_QUERIES)


def test_post_page_with_comments_costs_the_same_at_two_sizes(world):
    """A post page with many comments and replies: constant queries."""
    url = reverse("feed:post", args=[world["focus"].pk])
    measure(world, _page(world, url), MAX_PAGE_QUERIES)


@pytest.mark.parametrize(
    "path",
    ["/feed", "/feed/bookmarks", "/topics/cardiology/posts", "/feed/mutes", "POST_COMMENTS"],
)
def test_api_lists_cost_the_same_at_two_sizes(world, path):
    """The feed, bookmarks, topic posts, mutes and comments endpoints: constant queries."""
    api: ApiClient = api_as(world["me"])
    if path == "POST_COMMENTS":
        path = f"/posts/{world['focus'].pk}/comments"
    measure(
        world,
        lambda: api.get(path, {"page_size": 20} if "comments" not in path else {}),
        MAX_API_QUERIES,
    )
