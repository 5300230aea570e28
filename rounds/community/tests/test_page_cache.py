"""Group and thread pages cached whole per viewer (``core.fragments.render_page``, key parts
from ``community.stamps``): a warm page renders no template, yet new threads and replies,
edits, moderation, blocks, membership changes and renames show on the next request, and no
session's CSRF token is kept in the cached page."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from rounds.community import services
from rounds.community.models import Group, Reply, Thread
from rounds.community.tests.factories import add_member, make_group, make_reply, make_thread
from rounds.core.fragments import CSRF_PLACEHOLDER
from rounds.moderation.registry import ModerationState
from rounds.network.services import block
from rounds.profiles.services import profile_update
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def rendered(client: Client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return [t.name for t in response.templates if t.name]


@pytest.fixture
def forum(member):
    owner = ProfileFactory(display_name="Olga Owner")
    group = make_group(owner.user, name="Ward Rounds")
    add_member(group, member.user)
    thread = make_thread(group, owner.user, title="Handover checklist", body="Ideas welcome")
    return group, thread, owner


def group_url(group: Group) -> str:
    return reverse("community:group", args=[group.slug])


def thread_url(group: Group, thread: Thread) -> str:
    return reverse("community:thread", args=[group.slug, thread.pk])


def test_warm_group_and_thread_pages_render_no_template(member_client, forum):
    """The second request of each page comes from the page cache."""
    group, thread, _ = forum
    for url in (group_url(group), thread_url(group, thread)):
        assert rendered(member_client, url) != []
        assert rendered(member_client, url) == []


def test_group_page_follows_threads_replies_and_moderation(member_client, member, forum):
    """New threads, reply counts, a hidden thread and a renamed group show at once."""
    group, thread, owner = forum
    url = group_url(group)
    assert "Handover checklist" in page(member_client, url)
    make_thread(group, owner.user, title="Night shift staffing")
    assert "Night shift staffing" in page(member_client, url)
    make_reply(thread, owner.user)
    assert "1 reply" in page(member_client, url)
    Thread.objects.filter(pk=thread.pk).update(moderation_state=ModerationState.HIDDEN)
    assert "Handover checklist" not in page(member_client, url)
    Group.objects.filter(pk=group.pk).update(name="Night Ward Rounds", member_count=99)
    html = page(member_client, url)
    assert "Night Ward Rounds" in html and "99 members" in html


def test_group_page_follows_the_groups_topics(member_client, forum):
    """Topics changed through the group's edit service show at once (the key holds the
    group's updated_at, which that service moves)."""
    group, _, owner = forum
    url = group_url(group)
    assert "night shifts" not in page(member_client, url)
    services.group_update(actor=owner.user, group=group, changes={"topics": "night shifts"})
    assert "night shifts" in page(member_client, url)


def test_group_page_follows_the_viewers_membership(member_client, member, forum):
    """Leaving the group changes the header's actions at once."""
    group, _, _ = forum
    url = group_url(group)
    assert "Leave</button>" in page(member_client, url)
    services.group_leave(actor=member.user, group=group)
    assert "Join group</button>" in page(member_client, url)


def test_thread_page_follows_replies_edits_moderation_and_blocks(member_client, member, forum):
    """New replies, an edited reply, a hidden quoted reply, a renamed author and a block."""
    group, thread, owner = forum
    url = thread_url(group, thread)
    first = make_reply(thread, owner.user, body="Use SBAR every time.")
    assert "Use SBAR every time." in page(member_client, url)
    quoting = make_reply(thread, member.user, body="Agreed.", quoted=first)
    assert "Agreed." in page(member_client, url)
    services.reply_update(actor=owner.user, reply=first, body="Use SBAR, and write it down.")
    assert "write it down" in page(member_client, url)
    Reply.objects.filter(pk=first.pk).update(moderation_state=ModerationState.REMOVED)
    html = page(member_client, url)
    assert "write it down" not in html and f'id="reply-{quoting.pk}"' in html
    profile_update(actor=owner.user, profile=owner, changes={"display_name": "Dr Olga Renamed"})
    assert "Dr Olga Renamed" in page(member_client, url)
    block(actor=member.user, blocked=owner.user)
    assert member_client.get(url).status_code == 404


def test_each_session_gets_its_own_csrf_token(member, forum):
    """The cached thread page carries a placeholder; each session's forms get a token its
    own cookie accepts (a reply posted from the second session's cached page goes through)."""
    group, thread, _ = forum
    url = thread_url(group, thread)
    for attempt in range(2):
        client = Client(enforce_csrf_checks=True)
        client.force_login(member.user)
        html = page(client, url)
        tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))
        assert len(tokens) == 1 and CSRF_PLACEHOLDER not in html
        response = client.post(
            reverse("community:reply_create", args=[group.slug, thread.pk]),
            {"csrfmiddlewaretoken": tokens.pop(), "body": f"Reply number {attempt}"},
        )
        assert response.status_code == 302
