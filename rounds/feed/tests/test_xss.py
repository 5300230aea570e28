"""XSS: every hostile payload of the shared corpus, in every text field of the feed (post
body, its earlier versions, a repost's comment, comments and replies, topic names), renders
with no executable construct on the pages and in the API's HTML."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from rounds.core.testing import executable_constructs
from rounds.core.tests.api_client import api_as
from rounds.core.tests.xss_corpus import XSS_PAYLOADS
from rounds.feed.models import Comment, PostRevision
from rounds.feed.tests.factories import make_post
from rounds.network.tests.factories import connect
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


def assert_safe(html: str, what: str) -> None:
    found = executable_constructs(html)
    assert not found, f"{what}: {found}"


def assert_page_safe(html: str, what: str) -> None:
    """Every rendered member text (``prose`` blocks) holds no executable construct, and the
    main region holds none but the page's own forms (each ``<form method=``) and icons
    (``<svg class="icon"``): a payload's would be counted apart."""
    main = html[html.index('<main id="main"') : html.index("</main>")]
    texts = re.findall(r'class="(?:post-body )?prose">(.*?)</div>', main, re.S)
    assert texts, what
    assert_safe("".join(texts), what)
    allowed = {"<form>", "<svg>"}
    found = [item for item in executable_constructs(main) if item not in allowed]
    assert not found, f"{what}: {found}"
    assert main.count("<form") == main.count('<form method="'), what
    assert main.count("<svg") == main.count('<svg class="icon"'), what


@pytest.fixture
def hostile(db):
    """One post per payload (with an earlier version, a comment and a reply holding it, and a
    repost whose comment holds it), by a connection of the reader."""
    author, reader = ProfileFactory(), ProfileFactory()
    connect(author.user, reader.user)
    posts = []
    for payload in XSS_PAYLOADS:
        post = make_post(author.user, payload)
        PostRevision.objects.create(post=post, body=payload, created_at=post.created_at)
        post.edited_at = post.created_at
        post.save(update_fields=["edited_at"])
        top = Comment.objects.create(post=post, author=reader.user, body=payload)
        Comment.objects.create(post=post, author=author.user, parent=top, body=payload)
        make_post(reader.user, payload, repost_of=post, is_repost=True)
        posts.append(post)
    return author.user, reader.user, posts


def test_payloads_render_safely_on_pages(hostile, client):
    """The post page (with comments and the embedded repost), history, feed tabs, topic pages
    and the home page hold no executable construct."""
    _author, reader, posts = hostile
    client.force_login(reader)
    for post in posts:
        for name in ("feed:post", "feed:history"):
            response = client.get(reverse(name, args=[post.pk]))
            assert response.status_code == 200
            assert_page_safe(response.content.decode(), f"{name} {post.body[:40]!r}")
    url = reverse("feed:feed")
    pages = 0
    while url and pages < 20:
        response = client.get(url)
        html = response.content.decode()
        assert_page_safe(html, url)
        marker = 'href="?tab=feed&amp;cursor='
        url = (
            reverse("feed:feed") + "?cursor=" + html.split(marker, 1)[1].split('"', 1)[0]
            if marker in html
            else None
        )
        pages += 1
    assert pages > 1
    assert_page_safe(client.get("/").content.decode(), "home")
    topic_page = client.get(reverse("feed:topic", args=["topic"])).content.decode()
    assert_page_safe(topic_page, "topic")


def test_payloads_render_safely_in_the_api(hostile):
    """``body_html`` of posts, originals, revisions and comments holds nothing executable."""
    _author, reader, posts = hostile
    api = api_as(reader)
    cursor = None
    seen = 0
    while True:
        params = {"page_size": 50, **({"cursor": cursor} if cursor else {})}
        body = api.get("/feed", params).json()
        for item in body["items"]:
            assert_safe(item["body_html"], f"post {item['id']}")
            if item["repost_of"]:
                assert_safe(item["repost_of"]["body_html"], f"original of {item['id']}")
        seen += len(body["items"])
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == 2 * len(XSS_PAYLOADS)
    for post in posts[:: max(1, len(posts) // 15)]:
        history = api.get(f"/posts/{post.pk}/history").json()
        for revision in history["revisions"]:
            assert_safe(revision["body_html"], "revision")
        for comment in api.get(f"/posts/{post.pk}/comments").json()["items"]:
            assert_safe(comment["body_html"], "comment")
            for reply in comment["replies"]:
                assert_safe(reply["body_html"], "reply")
