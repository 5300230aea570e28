"""The group pages work without JavaScript: directory, group, forum, membership actions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rounds.community.models import Group, GroupMembership, Reply, Thread
from rounds.profiles.tests.factories import ProfileFactory

from .factories import add_member, make_group, make_reply, make_thread

pytestmark = pytest.mark.django_db


def test_create_group_through_the_page(member_client, member):
    """The create form makes a group with topics and the creator as owner."""
    response = member_client.post(
        reverse("community:create"),
        {
            "name": "Rural Emergency Medicine",
            "description": "Sharing **protocols** for small EDs.",
            "visibility": "private",
            "topics": "Telemedicine, transfers",
        },
    )
    assert response.status_code == 302
    group = Group.objects.get()
    assert response["Location"] == reverse("community:group", args=[group.slug])
    assert sorted(t.name for t in group.topics.all()) == ["telemedicine", "transfers"]
    assert GroupMembership.objects.get(group=group).role == "owner"


def test_create_group_with_bad_input_rerenders_with_errors(member_client):
    """A missing name or unknown visibility re-renders the form (422), nothing saved."""
    response = member_client.post(reverse("community:create"), {"name": "", "visibility": "x"})
    assert response.status_code == 422
    assert b"Please fix the problems below" in response.content
    assert not Group.objects.exists()


def test_directory_lists_public_and_private_but_not_secret(client):
    """Visitors see public and private groups; secret groups are unlisted."""
    make_group(name="Open Cardiology")
    make_group(name="Closed Oncology", visibility="private")
    make_group(name="Hidden Board", visibility="secret")
    html = client.get(reverse("community:directory")).content.decode()
    assert "Open Cardiology" in html and "Closed Oncology" in html
    assert "Hidden Board" not in html


def test_directory_filters_by_text_and_topic(client):
    """The directory's search and topic filter narrow the list."""
    make_group(name="Pediatric Sepsis", topics=["sepsis"])
    make_group(name="Adult Cardiology", topics=["heart"])
    html = client.get(reverse("community:directory"), {"q": "pediatric"}).content.decode()
    assert "Pediatric Sepsis" in html and "Adult Cardiology" not in html
    html = client.get(reverse("community:directory"), {"topic": "heart"}).content.decode()
    assert "Adult Cardiology" in html and "Pediatric Sepsis" not in html


def test_join_start_thread_reply_and_quote(member_client, member):
    """A member joins, starts a thread, replies and quotes a reply; all show on the pages."""
    group = make_group()
    slug = group.slug
    assert (
        member_client.post(reverse("community:membership", args=[slug, "join"])).status_code == 302
    )
    response = member_client.post(
        reverse("community:thread_create", args=[slug]),
        {"title": "Handover checklists", "body": "Which one do you use?"},
    )
    thread = Thread.objects.get()
    assert response["Location"] == reverse("community:thread", args=[slug, thread.pk])
    url = reverse("community:reply_create", args=[slug, thread.pk])
    assert member_client.post(url, {"body": "I-PASS works for us."}).status_code == 302
    first = Reply.objects.get()
    page = member_client.get(
        reverse("community:thread", args=[slug, thread.pk]), {"quote": first.pk}
    )
    assert page.status_code == 200 and b"Quoting:" in page.content
    assert member_client.post(url, {"body": "Same here.", "quoted_id": first.pk}).status_code == 302
    html = member_client.get(reverse("community:thread", args=[slug, thread.pk])).content.decode()
    assert "I-PASS works for us." in html and "wrote:" in html


def test_private_group_page_shows_about_but_not_threads_to_outsiders(member_client):
    """A private group's page shows its about and a join button, never its threads."""
    owner = ProfileFactory().user
    group = make_group(owner, visibility="private", description="Tumor board prep")
    make_thread(group, owner, title="Confidential case planning")
    html = member_client.get(reverse("community:group", args=[group.slug])).content.decode()
    assert "Tumor board prep" in html and "Ask to join" in html
    assert "Confidential case planning" not in html


def test_moderator_pages_approve_requests_and_ban(client):
    """The members page lets moderators approve a request and ban a member."""
    owner = ProfileFactory().user
    group = make_group(owner, visibility="private")
    asker = ProfileFactory().user
    member = add_member(group)
    from rounds.community.services import group_join

    group_join(actor=asker, group=group)
    client.force_login(owner)
    html = client.get(reverse("community:members", args=[group.slug])).content.decode()
    assert asker.profile.display_name in html
    approve = reverse("community:member_action", args=[group.slug, asker.profile.handle, "approve"])
    assert client.post(approve).status_code == 302
    ban = reverse("community:member_action", args=[group.slug, member.profile.handle, "ban"])
    assert client.post(ban).status_code == 302
    states = dict(GroupMembership.objects.filter(group=group).values_list("user_id", "state"))
    assert states[asker.pk] == "active" and states[member.pk] == "banned"


def test_unknown_member_action_is_404(client):
    """An unknown action in the URL is a 404, not a 500."""
    owner = ProfileFactory().user
    group = make_group(owner)
    member = add_member(group)
    client.force_login(owner)
    url = reverse("community:member_action", args=[group.slug, member.profile.handle, "explode"])
    assert client.post(url).status_code == 404


def test_thread_rate_limit_answers_429_with_retry_after(member_client, member, settings):
    """Over the hourly thread limit, the page answers 429 with Retry-After."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "thread": 1}
    group = make_group(member.user)
    url = reverse("community:thread_create", args=[group.slug])
    assert member_client.post(url, {"title": "One", "body": "x"}).status_code == 302
    response = member_client.post(url, {"title": "Two", "body": "y"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert Thread.objects.count() == 1


def test_edit_and_delete_own_reply_through_pages(member_client, member):
    """The author edits then deletes their reply from the page."""
    group = make_group(member.user)
    thread = make_thread(group, member.user)
    reply = make_reply(thread, member.user)
    url = reverse("community:reply_edit", args=[group.slug, thread.pk, reply.pk])
    assert member_client.get(url).status_code == 200
    assert member_client.post(url, {"body": "Corrected."}).status_code == 302
    reply.refresh_from_db()
    assert reply.body == "Corrected." and reply.edited_at
    delete = reverse("community:reply_delete", args=[group.slug, thread.pk, reply.pk])
    assert member_client.post(delete).status_code == 302
    assert not Reply.objects.exists()


def test_search_page_and_invitations_page_render(member_client, member):
    """Search shows matches; the invitations page lists invitations with accept buttons."""
    owner = ProfileFactory().user
    group = make_group(owner, visibility="secret", name="Chiefs Council")
    make_thread(group, owner, title="Budget season")
    from rounds.community.services import group_invite

    group_invite(actor=owner, group=group, invitee=member.user)
    html = member_client.get(reverse("community:invitations")).content.decode()
    assert "Chiefs Council" in html and "Accept" in html
    public = make_group(owner)
    make_thread(public, owner, title="Budget templates")
    html = member_client.get(reverse("community:search"), {"q": "budget"}).content.decode()
    assert "Budget templates" in html and "Budget season" not in html


def test_stale_quote_link_shows_the_thread_without_a_quote(member_client, member):
    """A quote link to a reply that is gone or elsewhere still shows the thread (200)."""
    group = make_group(member.user)
    thread = make_thread(group, member.user)
    url = reverse("community:thread", args=[group.slug, thread.pk])
    response = member_client.get(url, {"quote": 999999})
    assert response.status_code == 200 and b"Quoting:" not in response.content
