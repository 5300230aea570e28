"""The notebook's JSON API: contacts, notes, interactions, tags, settings, due list, vCard."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rounds.contacts.models import Contact, ContactNote, ContactTag
from rounds.core.tests.api_client import api_as, assert_error
from rounds.network.models import Interaction
from rounds.network.tests.factories import connect

from .factories import add_contact, age, contact_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(member):
    return member.user


@pytest.fixture
def api(owner):
    return api_as(owner)


def test_create_read_update_delete_a_contact(api, owner):
    """POST → GET → PATCH → DELETE, each answering the documented shape."""
    response = api.post(
        "/contacts",
        {
            "name": "Marcus Bell",
            "organization": "State Department of Health",
            "email": "Marcus@example.org",
            "network_type": "strategic",
            "cadence_days": 30,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "marcus@example.org" and body["member"] is None
    assert body["cadence"] == {"days": 30, "source": "contact"}
    contact_id = body["id"]
    assert api.get(f"/contacts/{contact_id}").json()["name"] == "Marcus Bell"
    response = api.patch(
        f"/contacts/{contact_id}", {"title": "Policy analyst", "cadence_days": None}
    )
    assert response.status_code == 200
    assert response.json()["title"] == "Policy analyst"
    assert response.json()["cadence"] == {"days": 60, "source": "default"}
    assert api.delete(f"/contacts/{contact_id}").status_code == 204
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 422, "name"),
        ({"name": ""}, 422, "name"),
        ({"name": "A", "email": "nope"}, 422, "email"),
        ({"name": "A", "url": "ftp://x"}, 422, "url"),
        ({"name": "A", "cadence_days": 1}, 422, "cadence_days"),
        ({"name": "A", "network_type": "galactic"}, 422, "network_type"),
        ({"name": "A", "tag_ids": [999]}, 422, "tags"),
        ({"name": "A\u0000"}, 422, "name"),
        ({"name": "A", "unknown": 1}, 422, "unknown"),
        ({"name": "x" * 201}, 422, "name"),
    ],
)
def test_invalid_contacts_are_422_naming_the_field(api, body, status, field):
    """Validation errors use the shared error shape."""
    assert_error(api.post("/contacts", body), status, field)


def test_malformed_bodies_are_4xx(api, owner):
    """Not JSON, not an object, or a PATCH with nothing to change."""
    contact = add_contact(owner)
    assert api.post("/contacts", raw="{nope").status_code == 400
    assert_error(api.post("/contacts", [1, 2]), 422)
    assert_error(api.patch(f"/contacts/{contact.pk}", {}), 422, "__all__")
    assert_error(api.patch(f"/contacts/{contact.pk}", {"name": None}), 422, "name")


def test_list_filters_and_pages(api, owner, other_member):
    """Filters by q, kind, type, tag and archived; pages without a count."""
    connect(owner, other_member.user)
    tag = api.post("/contacts/tags", {"name": "Research", "cadence_days": 30}).json()
    api.post(
        "/contacts", {"name": "Priya Raman", "organization": "Lakeside", "tag_ids": [tag["id"]]}
    )
    for i in range(3):
        add_contact(owner, f"Person {i}")

    def names(**params):
        return {c["name"] for c in api.get("/contacts", params).json()["items"]}

    assert names(q="lakeside") == {"Priya Raman"}
    assert names(kind="member") == {other_member.display_name}
    assert names(tag=tag["id"]) == {"Priya Raman"}
    page = api.get("/contacts", {"page_size": 2}).json()
    assert len(page["items"]) == 2 and page["has_next"] and page["next_page"] == 2
    assert_error(api.get("/contacts", {"type": "galactic"}), 422, "type")
    assert_error(api.get("/contacts", {"page_size": 1000}), 422, "page_size")


def test_member_contact_shows_the_member_and_its_type_changes_the_connection(
    api, owner, other_member
):
    """A connected member's contact names the member; PATCH network_type overrides the
    connection's private type."""
    from rounds.network.models import Connection

    connect(owner, other_member.user)
    contact = contact_of(owner, other_member.user)
    body = api.get(f"/contacts/{contact.pk}").json()
    assert body["member"] == {
        "handle": other_member.handle,
        "display_name": other_member.display_name,
    }
    assert body["connected"] is True and body["source"] == "connection"
    body = api.patch(f"/contacts/{contact.pk}", {"network_type": "strategic"}).json()
    assert body["network_type"] == "strategic"
    assert Connection.objects.get(owner=owner).override_type == "strategic"
    assert_error(api.delete(f"/contacts/{contact.pk}"), 409)


def test_notes_crud_and_interactions(api, owner, other_member):
    """Notes list/create/patch/delete; an interaction on a member contact logs a network
    interaction and returns the contact with its new clock."""
    connect(owner, other_member.user)
    contact = age(contact_of(owner, other_member.user), days=300)
    response = api.post(f"/contacts/{contact.pk}/notes", {"kind": "note", "body": "Cares about X."})
    assert response.status_code == 201
    note_id = response.json()["id"]
    response = api.patch(f"/contacts/{contact.pk}/notes/{note_id}", {"body": "Cares about Y."})
    assert response.json()["body"] == "Cares about Y." and response.json()["kind"] == "note"
    assert_error(api.post(f"/contacts/{contact.pk}/notes", {"kind": "note"}), 422, "body")
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = api.post(
        f"/contacts/{contact.pk}/interactions", {"kind": "coffee", "occurred_on": yesterday}
    )
    assert response.status_code == 201
    assert response.json()["last_interaction_at"].startswith(yesterday)
    assert Interaction.objects.filter(kind="met", actor=owner, other=other_member.user).exists()
    future = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert_error(
        api.post(f"/contacts/{contact.pk}/interactions", {"kind": "call", "occurred_on": future}),
        422,
        "occurred_on",
    )
    assert_error(api.post(f"/contacts/{contact.pk}/interactions", {"kind": "note"}), 422, "kind")
    notes = api.get(f"/contacts/{contact.pk}/notes").json()["items"]
    assert [n["kind"] for n in notes] == ["note", "coffee"]
    assert api.delete(f"/contacts/{contact.pk}/notes/{note_id}").status_code == 204
    assert ContactNote.objects.count() == 1


def test_tags_and_settings(api, owner):
    """Tags CRUD with cadences; default cadences read and replaced."""
    created = api.post("/contacts/tags", {"name": "Board", "cadence_days": 30})
    assert created.status_code == 201 and created.json()["contact_count"] == 0
    tag_id = created.json()["id"]
    assert_error(api.post("/contacts/tags", {"name": "board"}), 409, "name")
    response = api.patch(f"/contacts/tags/{tag_id}", {"cadence_days": None})
    assert response.json()["cadence_days"] is None and response.json()["name"] == "Board"
    assert [t["name"] for t in api.get("/contacts/tags").json()] == ["Board"]
    assert api.delete(f"/contacts/tags/{tag_id}").status_code == 204
    assert not ContactTag.objects.exists()
    assert api.get("/contacts/settings").json() == {
        "operational_days": 180,
        "personal_days": 90,
        "strategic_days": 60,
    }
    new = {"operational_days": 120, "personal_days": 45, "strategic_days": 30}
    assert api.put("/contacts/settings", new).json() == new
    assert_error(api.put("/contacts/settings", {**new, "personal_days": 5}), 422, "personal_days")


def test_due_list_snooze_and_cursor(api, owner):
    """Most overdue first, keyset-paginated; snoozing removes a contact from the list."""
    people = [age(add_contact(owner, f"P{i}"), days=200 + i) for i in range(5)]
    add_contact(owner, "Fresh")
    first = api.get("/contacts/due", {"limit": 3}).json()
    assert [i["contact"]["name"] for i in first["items"]] == ["P4", "P3", "P2"]
    assert first["items"][0]["days_overdue"] == 114
    second = api.get("/contacts/due", {"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [i["contact"]["name"] for i in second["items"]] == ["P1", "P0"]
    assert second["next_cursor"] is None
    response = api.post(f"/contacts/{people[4].pk}/snooze", {})
    assert response.status_code == 200
    assert "P4" not in {i["contact"]["name"] for i in api.get("/contacts/due").json()["items"]}
    assert_error(api.post(f"/contacts/{people[3].pk}/snooze", {"days": 0}), 422, "days")
    for cursor in ("garbage", "1_2_3", f"{2**70}_1", "-5_-5", "x" * 101):
        assert_error(api.get("/contacts/due", {"cursor": cursor}), 422, "cursor")


def test_vcard_exports(api, owner):
    """The notebook and one contact as text/vcard."""
    contact = add_contact(owner, "Priya Raman", email="priya@example.org")
    response = api.get("/contacts/export.vcf")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/vcard")
    assert b"EMAIL:priya@example.org\r\n" in response.content
    response = api.get(f"/contacts/{contact.pk}/vcard")
    assert response.content.count(b"BEGIN:VCARD") == 1


def test_visitors_get_401(client):
    """Every endpoint needs a member."""
    from rounds.core.tests.api_client import ApiClient

    anonymous = ApiClient(client)
    for path in (
        "/contacts",
        "/contacts/due",
        "/contacts/tags",
        "/contacts/settings",
        "/contacts/imports",
    ):
        assert anonymous.get(path).status_code == 401
    assert anonymous.post("/contacts", {"name": "A"}).status_code == 401
