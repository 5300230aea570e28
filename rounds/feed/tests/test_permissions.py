"""The permission matrix: anonymous, stranger, connection, follower, group member, group
moderator, owner (the author), banned and blocked × every post audience × read, comment,
like, bookmark, repost, edit, delete and history — pages and API. What a principal may not see
is a 404 (401 / sign-in for visitors on member-only routes); 403 only for visible-but-forbidden
actions (editing or deleting someone else's post)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from rounds.community.models import GroupMembership, MembershipState, Role
from rounds.core.tests.api_client import ApiClient, api_as
from rounds.feed.models import Audience
from rounds.feed.tests.factories import join, make_group, make_post
from rounds.network.models import Block
from rounds.network.services import follow
from rounds.network.tests.factories import connect
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db

PRINCIPALS = [
    "anonymous",
    "stranger",
    "connection",
    "follower",
    "group_member",
    "moderator",
    "owner",
    "banned",
    "blocked",
]
AUDIENCES = ["public", "members", "connections", "group"]

#: Who sees a post of each audience (the group is private).
SEES = {
    "public": set(PRINCIPALS) - {"blocked"},
    "members": set(PRINCIPALS) - {"blocked", "anonymous"},
    "connections": {"connection", "owner"},
    "group": {"group_member", "moderator", "owner"},
}


@pytest.fixture
def world(db) -> dict[str, Any]:
    users = {name: ProfileFactory(handle=name.replace("_", "-")).user for name in PRINCIPALS[1:]}
    owner = users["owner"]
    connect(owner, users["connection"])
    follow(actor=users["follower"], followee=owner)
    group = make_group(owner, visibility="private", slug="private-ward")
    join(users["group_member"], group)
    GroupMembership.objects.update_or_create(
        group=group,
        user=users["moderator"],
        defaults={"state": MembershipState.ACTIVE, "role": Role.MODERATOR},
    )
    GroupMembership.objects.update_or_create(
        group=group, user=users["banned"], defaults={"state": MembershipState.BANNED}
    )
    Block.objects.create(blocker=owner, blocked=users["blocked"])
    posts = {
        audience: make_post(
            owner,
            f"A {audience} post",
            audience=audience,
            group=group if audience == Audience.GROUP else None,
        )
        for audience in AUDIENCES
    }
    return {"users": users, "posts": posts}


def _client(world: dict[str, Any], principal: str) -> Client:
    client = Client()
    if principal != "anonymous":
        client.force_login(world["users"][principal])
    return client


def _api(world: dict[str, Any], principal: str) -> ApiClient:
    return ApiClient() if principal == "anonymous" else api_as(world["users"][principal])


@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("principal", PRINCIPALS)
def test_reading_a_post(world, principal, audience):
    """The post page, its history and the API answer 200 to whoever may see it, else 404."""
    post = world["posts"][audience]
    sees = principal in SEES[audience]
    client = _client(world, principal)
    expected = 200 if sees else 404
    assert client.get(reverse("feed:post", args=[post.pk])).status_code == expected
    assert client.get(reverse("feed:history", args=[post.pk])).status_code == expected
    api = _api(world, principal)
    assert api.get(f"/posts/{post.pk}").status_code == expected
    assert api.get(f"/posts/{post.pk}/comments").status_code == expected


@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("principal", PRINCIPALS)
def test_acting_on_a_post_through_the_api(world, principal, audience):
    """Like, bookmark, comment, repost: allowed when visible (404 otherwise, 401 for
    visitors); edit and delete: the owner only (403 for other viewers, 404 if not visible)."""
    post = world["posts"][audience]
    sees = principal in SEES[audience]
    api = _api(world, principal)
    base = f"/posts/{post.pk}"
    if principal == "anonymous":
        for method, path in [
            ("put", "/like"),
            ("put", "/bookmark"),
            ("post", "/comments"),
            ("post", "/reposts"),
            ("patch", ""),
            ("delete", ""),
        ]:
            assert getattr(api, method)(base + path, {"body": "x"}).status_code == 401
        return
    hidden = 404
    assert api.put(f"{base}/like").status_code == (200 if sees else hidden)
    assert api.put(f"{base}/bookmark").status_code == (200 if sees else hidden)
    assert api.post(f"{base}/comments", {"body": "Good point"}).status_code == (
        201 if sees else hidden
    )
    repost_body = {"audience": audience, "group": "private-ward" if audience == "group" else None}
    assert api.post(f"{base}/reposts", repost_body).status_code == (201 if sees else hidden)
    own = principal == "owner"
    edit = api.patch(base, {"body": "Edited"}).status_code
    assert edit == (200 if own else 403 if sees else hidden)
    delete = api.delete(base).status_code
    assert delete == (204 if own else 403 if sees else hidden)


@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("principal", PRINCIPALS)
def test_acting_on_a_post_through_pages(world, principal, audience):
    """The same rules through the no-JavaScript forms (visitors are sent to sign in)."""
    post = world["posts"][audience]
    sees = principal in SEES[audience]
    client = _client(world, principal)
    routes = [
        ("like", {"liked": "1"}),
        ("bookmark", {"bookmarked": "1"}),
        ("comment", {"body": "Good point"}),
        ("edit", {"body": "Edited"}),
        ("delete", {}),
    ]
    for name, data in routes:
        response = client.post(reverse(f"feed:{name}", args=[post.pk]), data)
        if principal == "anonymous":
            assert response.status_code == 302 and "login" in response["Location"], name
        elif not sees:
            assert response.status_code == 404, name
        elif name in ("edit", "delete") and principal != "owner":
            assert response.status_code == 403, name
        else:
            assert response.status_code == 302, (name, response.status_code)


def test_comments_of_blocked_members_are_hidden_both_ways(world):
    """A comment by a member blocked by the viewer (or who blocked them) is not shown."""
    users = world["users"]
    post = world["posts"]["public"]
    api_as(users["stranger"]).post(f"/posts/{post.pk}/comments", {"body": "From stranger"})
    Block.objects.create(blocker=users["stranger"], blocked=users["connection"])
    listing = api_as(users["connection"]).get(f"/posts/{post.pk}/comments").json()["items"]
    assert listing == []
    assert len(api_as(users["follower"]).get(f"/posts/{post.pk}/comments").json()["items"]) == 1


def test_non_members_cannot_comment_on_a_public_group_post(world):
    """A public group's post is readable by all, but only its members comment (403)."""
    users = world["users"]
    public_group = make_group(users["owner"], slug="open-forum")
    post = make_post(users["owner"], "Open", audience="group", group=public_group)
    response = api_as(users["stranger"]).post(f"/posts/{post.pk}/comments", {"body": "Hi"})
    assert response.status_code == 403
