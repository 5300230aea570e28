"""The groups API: CRUD, every membership action, threads, replies, search."""

from __future__ import annotations

import pytest

from rounds.community.models import Group, GroupMembership, Reply, Thread
from rounds.core.tests.api_client import ApiClient, api_as, assert_error
from rounds.profiles.tests.factories import ProfileFactory

from .factories import add_member, make_group, make_reply, make_thread

pytestmark = pytest.mark.django_db


def _user():
    return ProfileFactory().user


def test_group_crud():
    """Create (owner), read, patch (visibility by owner only), delete."""
    owner = _user()
    api = api_as(owner)
    response = api.post(
        "/groups",
        {"name": "Hospitalist Leaders", "description": "*Ops* talk", "topics": ["Leadership"]},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["your_role"] == "owner" and body["topics"] == ["leadership"]
    assert "<em>Ops</em>" in body["description_html"]
    slug = body["slug"]
    assert ApiClient().get(f"/groups/{slug}").json()["your_state"] is None
    mod = add_member(Group.objects.get(slug=slug), role="moderator")
    assert_error(api_as(mod).patch(f"/groups/{slug}", {"visibility": "secret"}), 403)
    assert api_as(mod).patch(f"/groups/{slug}", {"name": "Hospitalist Leads"}).status_code == 200
    patched = api.patch(f"/groups/{slug}", {"visibility": "private", "topics": []}).json()
    assert patched["visibility"] == "private" and patched["topics"] == []
    assert_error(api_as(mod).delete(f"/groups/{slug}"), 403)
    assert api.delete(f"/groups/{slug}").status_code == 204
    assert not Group.objects.exists()


def test_create_group_validation_and_slug_conflict():
    """Bad visibility is 422; a taken slug is 409; an unknown specialty is 422."""
    api = api_as(_user())
    assert_error(api.post("/groups", {"name": "x", "visibility": "open"}), 422)
    assert api.post("/groups", {"name": "Peds", "slug": "peds-forum"}).status_code == 201
    assert_error(api.post("/groups", {"name": "Peds 2", "slug": "peds-forum"}), 409, "slug")
    assert_error(api.post("/groups", {"name": "P", "specialties": ["nope"]}), 422, "specialties")


def test_membership_actions_through_the_api():
    """Request, approve, invite, accept, role, remove, ban, unban, transfer, leave."""
    owner, asker, guest, member = _user(), _user(), _user(), _user()
    group = make_group(owner, visibility="private")
    slug = group.slug
    owner_api = api_as(owner)
    assert api_as(asker).post(f"/groups/{slug}/membership/join").json()["your_state"] == "requested"
    listed = owner_api.get(f"/groups/{slug}/memberships", {"state": "requested"}).json()
    assert [m["member"]["handle"] for m in listed["items"]] == [asker.profile.handle]
    assert (
        owner_api.post(f"/groups/{slug}/members/{asker.profile.handle}/approve").status_code == 204
    )
    response = owner_api.post(f"/groups/{slug}/invitations", {"handle": guest.profile.handle})
    assert response.status_code == 201 and response.json()["state"] == "invited"
    assert api_as(guest).get("/groups/invitations").json()["items"][0]["slug"] == slug
    assert api_as(guest).post(f"/groups/{slug}/membership/decline").status_code == 200
    owner_api.post(f"/groups/{slug}/invitations", {"handle": member.profile.handle})
    assert api_as(member).post(f"/groups/{slug}/membership/accept").json()["your_state"] == "active"
    role = owner_api.put(f"/groups/{slug}/members/{member.profile.handle}", {"role": "moderator"})
    assert role.json()["role"] == "moderator"
    assert_error(api_as(member).post(f"/groups/{slug}/members/{owner.profile.handle}/ban"), 403)
    assert owner_api.post(f"/groups/{slug}/members/{asker.profile.handle}/ban").status_code == 204
    assert_error(api_as(asker).post(f"/groups/{slug}/membership/join"), 403)
    assert owner_api.post(f"/groups/{slug}/members/{asker.profile.handle}/unban").status_code == 204
    assert (
        owner_api.post(f"/groups/{slug}/members/{member.profile.handle}/transfer").status_code
        == 204
    )
    assert_error(api_as(member).post(f"/groups/{slug}/membership/leave"), 409)
    assert owner_api.post(f"/groups/{slug}/membership/leave").json()["your_state"] is None
    members = api_as(member).get(f"/groups/{slug}/members").json()["items"]
    assert [(m["member"]["handle"], m["role"]) for m in members] == [
        (member.profile.handle, "owner")
    ]
    assert_error(owner_api.post(f"/groups/{slug}/members/{member.profile.handle}/remove"), 403)


def test_threads_and_replies_through_the_api():
    """Create, list, read, patch, flag, reply with a quote, edit, delete."""
    owner = _user()
    group = make_group(owner)
    member = add_member(group)
    api = api_as(member)
    base = f"/groups/{group.slug}/threads"
    created = api.post(base, {"title": "Discharge summaries", "body": "Templates?"})
    assert created.status_code == 201, created.content
    thread_id = created.json()["id"]
    assert ApiClient().get(base).json()["items"][0]["id"] == thread_id
    assert ApiClient().get(f"{base}/{thread_id}").json()["body"] == "Templates?"
    assert (
        api.patch(f"{base}/{thread_id}", {"title": "Discharge summary templates"}).status_code
        == 200
    )
    assert_error(api.post(f"{base}/{thread_id}/flags", {"pinned": True}), 403)
    assert api_as(owner).post(f"{base}/{thread_id}/flags", {"pinned": True}).json()["pinned"]
    first = api_as(owner).post(f"{base}/{thread_id}/replies", {"body": "Ours is one page."}).json()
    second = api.post(f"{base}/{thread_id}/replies", {"body": "Nice", "quoted_id": first["id"]})
    assert second.json()["quoted"]["excerpt"] == "Ours is one page."
    assert_error(
        api.post(f"{base}/{thread_id}/replies", {"body": "x", "quoted_id": 999999}),
        422,
        "quoted_id",
    )
    replies = ApiClient().get(f"{base}/{thread_id}/replies").json()["items"]
    assert [r["body"] for r in replies] == ["Ours is one page.", "Nice"]
    reply_id = second.json()["id"]
    assert (
        api.patch(f"{base}/{thread_id}/replies/{reply_id}", {"body": "Nice!"}).json()["body"]
        == "Nice!"
    )
    assert_error(api_as(owner).delete(f"{base}/{thread_id}/replies/{reply_id}"), 403)
    assert api.delete(f"{base}/{thread_id}/replies/{reply_id}").status_code == 204
    assert api.delete(f"{base}/{thread_id}").status_code == 204
    assert not Thread.objects.exists() and not Reply.objects.exists()


def test_search_endpoints():
    """Search across readable groups and within one group."""
    owner = _user()
    group = make_group(owner)
    private = make_group(owner, visibility="private")
    make_thread(group, owner, title="Insulin drips")
    make_thread(private, owner, title="Insulin secrets")
    found = ApiClient().get("/groups/search", {"q": "insulin"}).json()["items"]
    assert [t["title"] for t in found] == ["Insulin drips"]
    mine = api_as(owner).get(f"/groups/{private.slug}/search", {"q": "insulin"}).json()["items"]
    assert [t["title"] for t in mine] == ["Insulin secrets"]
    assert_error(ApiClient().get(f"/groups/{private.slug}/search", {"q": "insulin"}), 404)
    assert_error(ApiClient().get("/groups/search", {"q": ""}), 422)


def test_reply_rate_limit_is_429_with_retry_after(settings):
    """Over the hourly reply limit the API answers 429 with Retry-After."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "reply": 1}
    owner = _user()
    thread = make_thread(make_group(owner), owner)
    make_reply(thread, owner)
    response = api_as(owner).post(
        f"/groups/{thread.group.slug}/threads/{thread.pk}/replies", {"body": "x"}
    )
    assert_error(response, 429)
    assert int(response["Retry-After"]) > 0
    assert GroupMembership.objects.count() == 1
