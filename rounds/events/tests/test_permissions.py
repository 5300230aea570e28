"""The permission matrix: every principal × every event page and API operation.

404 for what a principal may not see (someone else's draft, a private group's event to
non-members, an event whose organizer blocked them or whom they blocked), 403 only for
visible-but-forbidden actions (editing, the roster for non-registrants, the CSV for
registrants), a login redirect (pages) or 401 (API) for visitors on member-only actions.

Principals: anonymous, stranger, registrant (going, listed), hidden (going, hidden from other
registrants), organizer, co_organizer, blocked (the organizer blocked them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from rounds.community.tests.factories import add_member, make_group
from rounds.core.tests.api_client import ApiClient, api_as
from rounds.events import services
from rounds.network.services import block

from .factories import fresh, make_event, new_user, register

pytestmark = pytest.mark.django_db

PRINCIPALS = [
    "anonymous",
    "stranger",
    "registrant",
    "hidden",
    "organizer",
    "co_organizer",
    "blocked",
]


@dataclass
class World:
    event: Any
    users: dict[str, Any]

    def client(self, who: str) -> Client:
        client = Client()
        if who != "anonymous":
            client.force_login(self.users[who])
        return client

    def api(self, who: str) -> ApiClient:
        return ApiClient() if who == "anonymous" else api_as(self.users[who])


@pytest.fixture
def world(db) -> World:
    users = {name: new_user() for name in PRINCIPALS if name != "anonymous"}
    event = make_event(users["organizer"], capacity=50)
    services.co_organizer_add(
        actor=users["organizer"], event=fresh(event), handle=users["co_organizer"].profile.handle
    )
    register(event, users["registrant"])
    register(event, users["hidden"], roster_visibility="hidden")
    block(actor=users["organizer"], blocked=users["blocked"])
    return World(event=fresh(event), users=users)


LOGIN = 302
#: (path suffix, method) → expected status per principal.
PAGES: dict[tuple[str, str], dict[str, int]] = {
    ("", "get"): {
        "anonymous": 200,
        "stranger": 200,
        "registrant": 200,
        "hidden": 200,
        "organizer": 200,
        "co_organizer": 200,
        "blocked": 404,
    },
    ("edit/", "get"): {
        "anonymous": LOGIN,
        "stranger": 403,
        "registrant": 403,
        "hidden": 403,
        "organizer": 200,
        "co_organizer": 200,
        "blocked": 404,
    },
    ("cancel/", "get"): {
        "anonymous": LOGIN,
        "stranger": 403,
        "registrant": 403,
        "hidden": 403,
        "organizer": 200,
        "co_organizer": 403,  # only the owner cancels
        "blocked": 404,
    },
    ("organizers/", "get"): {
        "anonymous": LOGIN,
        "stranger": 403,
        "registrant": 403,
        "hidden": 403,
        "organizer": 200,
        "co_organizer": 200,
        "blocked": 404,
    },
    ("shifts/", "get"): {
        "anonymous": LOGIN,
        "stranger": 403,
        "registrant": 403,
        "hidden": 403,
        "organizer": 200,
        "co_organizer": 200,
        "blocked": 404,
    },
    ("roster/", "get"): {
        "anonymous": LOGIN,
        "stranger": 403,
        "registrant": 200,
        "hidden": 200,
        "organizer": 200,
        "co_organizer": 200,
        "blocked": 404,
    },
    ("roster.csv", "get"): {
        "anonymous": LOGIN,
        "stranger": 403,
        "registrant": 403,
        "hidden": 403,
        "organizer": 200,
        "co_organizer": 200,
        "blocked": 404,
    },
    ("attendance/", "get"): {
        "anonymous": LOGIN,
        "stranger": 403,
        "registrant": 403,
        "hidden": 403,
        "organizer": 200,
        "co_organizer": 200,
        "blocked": 404,
    },
    ("publish/", "post"): {
        "anonymous": LOGIN,
        "stranger": 403,
        "registrant": 403,
        "hidden": 403,
        "organizer": 409,  # already published: allowed, but not again
        "co_organizer": 409,
        "blocked": 404,
    },
    ("register/visibility/", "post"): {
        "anonymous": LOGIN,
        "stranger": 409,  # not registered
        "registrant": 302,
        "hidden": 302,
        "organizer": 409,
        "co_organizer": 409,
        "blocked": 404,
    },
}


@pytest.mark.parametrize("who", PRINCIPALS)
@pytest.mark.parametrize("target", list(PAGES), ids=lambda t: f"{t[1]} {t[0] or 'detail'}")
def test_page_matrix(world, who, target):
    suffix, method = target
    url = f"/events/{world.event.pk}/{suffix}"
    client = world.client(who)
    data = {"roster_visibility": "registrants"} if method == "post" else None
    response = getattr(client, method)(url, data) if data else getattr(client, method)(url)
    assert response.status_code == PAGES[target][who], (who, url, response.status_code)


API: dict[tuple[str, str], dict[str, int]] = {
    ("GET", ""): {
        "anonymous": 200,
        "stranger": 200,
        "registrant": 200,
        "hidden": 200,
        "organizer": 200,
        "co_organizer": 200,
        "blocked": 404,
    },
    ("PATCH", ""): {
        "anonymous": 401,
        "stranger": 403,
        "registrant": 403,
        "hidden": 403,
        "organizer": 200,
        "co_organizer": 200,
        "blocked": 404,
    },
    ("GET", "/roster"): {
        "anonymous": 401,
        "stranger": 403,
        "registrant": 200,
        "hidden": 200,
        "organizer": 200,
        "co_organizer": 200,
        "blocked": 404,
    },
    ("GET", "/registration"): {
        "anonymous": 401,
        "stranger": 404,
        "registrant": 200,
        "hidden": 200,
        "organizer": 404,
        "co_organizer": 404,
        "blocked": 404,
    },
    ("POST", "/organizers"): {
        "anonymous": 401,
        "stranger": 403,
        "registrant": 403,
        "hidden": 403,
        "organizer": 422,  # the handle below does not exist
        "co_organizer": 422,
        "blocked": 404,
    },
    ("POST", "/cancel"): {
        "anonymous": 401,
        "stranger": 403,
        "registrant": 403,
        "hidden": 403,
        "organizer": 200,
        "co_organizer": 403,  # only the owner cancels
        "blocked": 404,
    },
    ("PUT", "/registration"): {
        "anonymous": 401,
        "stranger": 200,
        "registrant": 409,  # already going
        "hidden": 409,
        "organizer": 403,  # organizers host, they do not register
        "co_organizer": 403,
        "blocked": 404,
    },
    ("PUT", "/attendance/nobody-here"): {
        "anonymous": 401,
        "stranger": 403,
        "registrant": 403,
        "hidden": 403,
        "organizer": 404,
        "co_organizer": 404,
        "blocked": 404,
    },
}


@pytest.mark.parametrize("who", PRINCIPALS)
@pytest.mark.parametrize("target", list(API), ids=lambda t: f"{t[0]} {t[1] or 'detail'}")
def test_api_matrix(world, who, target):
    method, suffix = target
    path = f"/events/{world.event.pk}{suffix}"
    api = world.api(who)
    if method == "GET":
        response = api.get(path)
    else:
        response = api.send(
            method,
            path,
            {"handle": "no-such-member"}
            if "organizers" in suffix
            else {"title": "Renamed"}
            if method == "PATCH"
            else {},
        )
    assert response.status_code == API[target][who], (who, method, path, response.content[:200])


def test_roster_contents_by_principal(world):
    handles = {name: user.profile.handle for name, user in world.users.items()}

    def roster_of(who: str) -> set[str]:
        body = world.api(who).get(f"/events/{world.event.pk}/roster").json()
        return {row["member"]["handle"] for row in body["items"]}

    assert roster_of("organizer") == {handles["registrant"], handles["hidden"]}
    assert roster_of("co_organizer") == {handles["registrant"], handles["hidden"]}
    assert roster_of("registrant") == {handles["registrant"]}
    assert roster_of("hidden") == {handles["registrant"], handles["hidden"]}  # sees themselves
    page = world.client("registrant").get(f"/events/{world.event.pk}/roster/").content.decode()
    assert world.users["registrant"].profile.display_name in page
    assert world.users["hidden"].profile.display_name not in page


def test_roster_hides_members_blocked_either_way(world):
    other = new_user()
    register(world.event, other)
    block(actor=other, blocked=world.users["registrant"])
    body = world.api("registrant").get(f"/events/{world.event.pk}/roster").json()
    assert other.profile.handle not in {row["member"]["handle"] for row in body["items"]}


def test_drafts_are_the_organizers_only(world):
    draft = make_event(world.users["organizer"], publish=False)
    services.co_organizer_add(
        actor=world.users["organizer"],
        event=fresh(draft),
        handle=world.users["co_organizer"].profile.handle,
    )
    for who in PRINCIPALS:
        expected = 200 if who in ("organizer", "co_organizer") else 404
        assert world.client(who).get(f"/events/{draft.pk}/").status_code == expected, who
        assert world.api(who).get(f"/events/{draft.pk}").status_code == expected, who
        ids = [e["id"] for e in world.api(who).get("/events").json()["items"]]
        assert draft.pk not in ids


def test_blocked_member_does_not_find_the_event_in_lists(world):
    ids = [e["id"] for e in world.api("blocked").get("/events").json()["items"]]
    assert world.event.pk not in ids
    assert world.event.pk in [e["id"] for e in world.api("stranger").get("/events").json()["items"]]
    page = world.client("blocked").get("/events/").content.decode()
    assert world.event.title not in page


def test_private_group_events(client):
    owner = new_user()
    group = make_group(owner, visibility="private")
    member, outsider = new_user(), new_user()
    add_member(group, member)
    event = make_event(member, group=group.slug, title="Members-only journal club")
    for who, expected in ((owner, 200), (member, 200), (outsider, 404)):
        client.force_login(who)
        assert client.get(f"/events/{event.pk}/").status_code == expected
        assert api_as(who).get(f"/events/{event.pk}").status_code == expected
        listed = "Members-only journal club" in client.get("/events/").content.decode()
        assert listed is (expected == 200)
    client.logout()
    assert client.get(f"/events/{event.pk}/").status_code == 404
    assert ApiClient().get(f"/events/{event.pk}").status_code == 404
    # The group page lists it for members only.
    client.force_login(member)
    assert "Members-only journal club" in client.get(f"/groups/{group.slug}/").content.decode()
    client.force_login(outsider)
    assert "Members-only journal club" not in client.get(f"/groups/{group.slug}/").content.decode()


def test_only_active_group_members_create_group_events():
    owner = new_user()
    group = make_group(owner)
    outsider = new_user()
    response = api_as(outsider).post(
        "/events",
        {
            "title": "Not my group",
            "starts_at": "2028-01-01T10:00:00Z",
            "ends_at": "2028-01-01T11:00:00Z",
            "city": "Boston",
            "group": group.slug,
        },
    )
    assert response.status_code == 422 and "group" in response.json()["errors"]
    ok = api_as(owner).post(
        "/events",
        {
            "title": "Our group",
            "starts_at": "2028-01-01T10:00:00Z",
            "ends_at": "2028-01-01T11:00:00Z",
            "city": "Boston",
            "group": group.slug,
        },
    )
    assert ok.status_code == 201 and ok.json()["group"] == group.slug


def test_public_group_event_on_the_group_page(client):
    owner = new_user()
    group = make_group(owner)
    make_event(owner, group=group.slug, title="Open journal club")
    assert "Open journal club" in client.get(f"/groups/{group.slug}/").content.decode()
