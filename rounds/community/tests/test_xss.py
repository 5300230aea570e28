"""XSS: every hostile payload of the shared corpus, in every text field of groups and forums
(group name, about, topic; thread title, body and moderation reason; reply body, its quote
excerpt and moderation reason), renders with no executable construct on the pages, the edit
forms and in the API's HTML."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from rounds.community.models import Group, GroupMembership, GroupTopic, Reply, Thread
from rounds.core.testing import executable_constructs
from rounds.core.tests.api_client import api_as
from rounds.core.tests.xss_corpus import XSS_PAYLOADS
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


def assert_page_safe(html: str, what: str) -> None:
    """The main region holds no executable construct but the page's own forms (each written
    ``<form method=``): a payload's form or script would be counted apart."""
    main = html[html.index('<main id="main"') : html.index("</main>")]
    found = [item for item in executable_constructs(main) if item not in {"<form>", "<svg>"}]
    assert not found, f"{what}: {found}"
    assert main.count("<form") == main.count('<form method="'), what
    assert main.count("<svg") == main.count('<svg class="icon"'), what


@pytest.fixture
def hostile(db):
    """One group per payload (name, about, topic), and in one group one thread per payload
    (title, body, moderation reason shown to its author) plus replies quoting each other."""
    author = ProfileFactory().user
    now = timezone.now()
    groups = []
    for index, payload in enumerate(XSS_PAYLOADS):
        group = Group.objects.create(
            name=payload[:120],
            slug=f"hostile-{index}",
            description=payload,
            visibility="public",
            member_count=1,
        )
        GroupTopic.objects.create(group=group, name=payload[:40])
        GroupMembership.objects.create(
            group=group, user=author, role="owner", state="active", joined_at=now
        )
        groups.append(group)
    forum = groups[0]
    threads = []
    for payload in XSS_PAYLOADS:
        thread = Thread.objects.create(
            group=forum,
            author=author,
            title=payload[:200],
            body=payload,
            last_activity_at=now,
            moderation_state="hidden",
            moderation_reason=payload[:500],
        )
        threads.append(thread)
    visible = Thread.objects.create(
        group=forum, author=author, title="Replies", body="x", last_activity_at=now
    )
    previous = None
    for payload in XSS_PAYLOADS:
        previous = Reply.objects.create(
            thread=visible, author=author, body=payload, quoted=previous
        )
    Reply.objects.create(
        thread=visible,
        author=author,
        body="hidden",
        moderation_state="removed",
        moderation_reason=XSS_PAYLOADS[0],
    )
    return author, groups, threads, visible


def test_pages_render_hostile_texts_inert(client, hostile):
    """Directory, group pages, thread pages (with quotes), members, search and edit forms."""
    author, groups, threads, visible = hostile
    client.force_login(author)
    forum = groups[0]
    for page in range(1, len(groups) // 20 + 2):
        html = client.get(reverse("community:directory"), {"page": page}).content.decode()
        assert_page_safe(html, f"directory page {page}")
    for group in groups:
        assert_page_safe(
            client.get(reverse("community:group", args=[group.slug])).content.decode(), group.slug
        )
    assert_page_safe(
        client.get(reverse("community:edit", args=[forum.slug])).content.decode(), "edit"
    )
    assert_page_safe(
        client.get(reverse("community:members", args=[forum.slug])).content.decode(), "members"
    )
    for thread in threads:
        url = reverse("community:thread", args=[forum.slug, thread.pk])
        assert_page_safe(client.get(url).content.decode(), f"thread {thread.pk}")
        edit = reverse("community:thread_edit", args=[forum.slug, thread.pk])
        assert_page_safe(client.get(edit).content.decode(), f"thread edit {thread.pk}")
    url = reverse("community:thread", args=[forum.slug, visible.pk])
    for page in (1, 2):
        html = client.get(url, {"page": page}).content.decode()
        assert_page_safe(html, f"replies page {page}")
    reply = visible.replies.order_by("id")[1]
    assert_page_safe(client.get(url, {"quote": reply.pk}).content.decode(), "quote form")
    edit = reverse("community:reply_edit", args=[forum.slug, visible.pk, reply.pk])
    assert_page_safe(client.get(edit).content.decode(), "reply edit")
    for payload in XSS_PAYLOADS[:20]:
        html = client.get(reverse("community:search"), {"q": payload[:200]}).content.decode()
        assert_page_safe(html, f"search {payload!r}")


def test_api_html_renders_hostile_texts_inert(hostile):
    """The API's rendered HTML (about, thread bodies, reply bodies) holds nothing executable."""
    author, groups, threads, visible = hostile
    api = api_as(author)
    for group in groups:
        body = api.get(f"/groups/{group.slug}").json()
        assert not executable_constructs(body["description_html"]), group.slug
    forum = groups[0].slug
    for thread in threads:
        body = api.get(f"/groups/{forum}/threads/{thread.pk}").json()
        assert not executable_constructs(body["body_html"]), thread.pk
    items = api.get(f"/groups/{forum}/threads/{visible.pk}/replies", {"page_size": 100}).json()[
        "items"
    ]
    assert len(items) >= len(XSS_PAYLOADS)
    for item in items:
        assert not executable_constructs(item["body_html"]), item["id"]
