"""Nobody but the owner can read or change any contact, note, tag, cadence or import: every
page route and every API route, enumerated from the URL conf and the OpenAPI schema, answers
another member with a 404 (objects) or with their own, empty notebook (lists), and nothing of
the owner's changes."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config.api import api as ninja_api
from rounds.contacts import urls as contact_urls
from rounds.contacts.imports import contact_import_create
from rounds.contacts.models import Contact, ContactImport, ContactNote, ContactTag
from rounds.contacts.services import note_create, tag_create
from rounds.core.tests.api_client import api_as
from rounds.profiles.tests.factories import ProfileFactory

from .factories import add_contact

pytestmark = pytest.mark.django_db

SECRET = "Zanzibar-Quokka"  # appears in every text of the owner's notebook
CSV = (
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    f"Ana,{SECRET},,,Mercy,Nurse,1 Jan 2020\n"
).encode()


@pytest.fixture
def notebook(member):
    """The owner's notebook: a contact, a note, a tag and an import in preview."""
    owner = member.user
    tag = tag_create(actor=owner, name=f"Tag {SECRET}", cadence_days=30)
    contact = add_contact(owner, f"Contact {SECRET}", email="secret@example.org", tag_ids=[tag.pk])
    note = note_create(
        actor=owner,
        contact=contact,
        kind="note",
        occurred_on=timezone.localdate(),
        body=f"Note {SECRET}",
    )
    imp = contact_import_create(actor=owner, kind="linkedin", data=CSV, filename="c.csv")
    return {"contact_id": contact.pk, "note_id": note.pk, "tag_id": tag.pk, "import_id": imp.pk}


def _snapshot(owner) -> list:
    """Everything in the owner's notebook."""
    return [
        list(Contact.objects.filter(owner=owner).order_by("pk").values()),
        list(ContactNote.objects.filter(contact__owner=owner).order_by("pk").values()),
        list(ContactTag.objects.filter(owner=owner).order_by("pk").values()),
        list(
            ContactImport.objects.filter(owner=owner).order_by("pk").values("pk", "state", "rows")
        ),
    ]


def test_every_page_route_is_404_or_empty_for_another_member(notebook, client, member):
    """GET and POST on every /contacts/ route as another member: objects are 404, lists and
    exports show only their own (empty) notebook; the owner's data is unchanged."""
    intruder = ProfileFactory().user
    client.force_login(intruder)
    before = _snapshot(member.user)
    covered = 0
    for pattern in contact_urls.urlpatterns:
        kwargs = {name: notebook[name] for name in pattern.pattern.converters}
        url = reverse(f"contacts:{pattern.name}", kwargs=kwargs)
        data = {
            "name": "X",
            "kind": "call",
            "occurred_on": timezone.localdate().isoformat(),
            "body": "x",
            "cadence_days": "30",
            "archived": "1",
            "confirm": "1",
            "row": "0",
            "request": "0",
        }
        for method in ("get", "post"):
            response = getattr(client, method)(url, data if method == "post" else None)
            if kwargs:
                assert response.status_code in (404, 405), (method, url, response.status_code)
            else:
                assert response.status_code in (200, 302, 400, 405, 409, 422), (method, url)
            assert SECRET.encode() not in response.content, (method, url)
            assert b"secret@example.org" not in response.content, (method, url)
        covered += 1
    assert covered == len(contact_urls.urlpatterns) >= 24
    assert _snapshot(member.user) == before


def _api_routes() -> list[tuple[str, str]]:
    schema = ninja_api.get_openapi_schema()
    routes = []
    for path, operations in schema["paths"].items():
        if path.startswith("/api/v1/contacts"):
            for method in operations:
                routes.append((method, path))
    return routes


#: A valid body for each kind of write, so that a 404 can only mean "not yours".
BODIES = {
    ("post", "/api/v1/contacts"): {"name": "X"},
    ("patch", "/api/v1/contacts/{contact_id}"): {"name": "X"},
    ("post", "/api/v1/contacts/{contact_id}/snooze"): {"days": 30},
    ("post", "/api/v1/contacts/{contact_id}/notes"): {"kind": "note", "body": "x"},
    ("patch", "/api/v1/contacts/{contact_id}/notes/{note_id}"): {"body": "x"},
    ("post", "/api/v1/contacts/{contact_id}/interactions"): {"kind": "call"},
    ("post", "/api/v1/contacts/tags"): {"name": "X"},
    ("patch", "/api/v1/contacts/tags/{tag_id}"): {"name": "X"},
    ("put", "/api/v1/contacts/settings"): {
        "operational_days": 30,
        "personal_days": 30,
        "strategic_days": 30,
    },
    ("patch", "/api/v1/contacts/imports/{import_id}/rows"): {"rows": [{"index": 0, "skip": True}]},
    ("post", "/api/v1/contacts/imports/{import_id}/confirm"): {"note": ""},
    ("post", "/api/v1/contacts/imports/{import_id}/cancel"): {},
}


def test_every_api_route_is_404_or_empty_for_another_member(notebook, member):
    """Every /api/v1/contacts operation in the OpenAPI schema, called by another member with
    the owner's ids: 404 for objects, their own empty notebook for lists; nothing changes."""
    intruder_api = api_as(ProfileFactory().user)
    before = _snapshot(member.user)
    routes = _api_routes()
    assert len(routes) >= 27
    for method, path in routes:
        names = re.findall(r"{(\w+)}", path)
        concrete = path.removeprefix("/api/v1")
        for name in names:
            concrete = concrete.replace("{" + name + "}", str(notebook[name]))
        if method == "get":
            response = intruder_api.get(concrete)
        elif method == "delete":
            response = intruder_api.delete(concrete)
        elif path.endswith(("/imports/linkedin", "/imports/vcard")):
            response = intruder_api.upload(concrete, {"file": ("x.csv", b"")})
        else:
            assert (method, path) in BODIES, f"add a valid body for {method} {path}"
            response = intruder_api.send(method.upper(), concrete, BODIES[(method, path)])
        if names:
            assert response.status_code == 404, (method, path, response.status_code)
        else:
            assert response.status_code < 500, (method, path)
        assert SECRET.encode() not in response.content, (method, path)
        assert b"secret@example.org" not in response.content, (method, path)
    assert _snapshot(member.user) == before


def test_the_owner_sees_everything(notebook, member):
    """The same routes answer the owner (the 404s above are about ownership, not bugs)."""
    client = Client()
    client.force_login(member.user)
    contact_id = notebook["contact_id"]
    for url in (
        reverse("contacts:detail", args=[contact_id]),
        reverse("contacts:note_edit", args=[contact_id, notebook["note_id"]]),
        reverse("contacts:import_preview", args=[notebook["import_id"]]),
    ):
        response = client.get(url)
        assert response.status_code == 200 and SECRET in response.content.decode(), url
    owner_api = api_as(member.user)
    assert owner_api.get(f"/contacts/{contact_id}").status_code == 200
    assert owner_api.get(f"/contacts/imports/{notebook['import_id']}/rows").status_code == 200


@pytest.mark.parametrize("hide", ["they_blocked", "i_blocked", "deleting", "deactivated"])
def test_a_member_hidden_from_the_owner_keeps_the_contact_but_not_their_profile(
    member, client, hide
):
    """After a block (either way), a deactivation, or while the member deletes their
    account, the owner's contact and notes stay, but the member's live profile (photo,
    handle, name, profile address, Message button) no longer shows in the notebook's pages,
    its API or its vCards: their profile is a 404 for the owner everywhere else."""
    from rounds.network.models import Block
    from rounds.network.tests.factories import connect

    owner = member.user
    other = ProfileFactory(handle="hidden-handle", display_name="Live Name")
    connect(owner, other.user)
    contact = Contact.objects.get(owner=owner, member=other.user)
    Contact.objects.filter(pk=contact.pk).update(
        name="My Name For Them", due_at=timezone.now(), url=""
    )
    if hide == "they_blocked":
        Block.objects.create(blocker=other.user, blocked=owner)
    elif hide == "i_blocked":
        Block.objects.create(blocker=owner, blocked=other.user)
    elif hide == "deleting":
        other.user.deletion_scheduled = True
        other.user.save(update_fields=["deletion_scheduled"])
    else:
        other.user.is_active = False
        other.user.save(update_fields=["is_active"])
    client.force_login(owner)
    pages = [
        reverse("contacts:list"),
        reverse("contacts:due"),
        reverse("contacts:detail", args=[contact.pk]),
        reverse("contacts:vcard", args=[contact.pk]),
        reverse("contacts:export"),
        "/api/v1/contacts",
        f"/api/v1/contacts/{contact.pk}",
        "/api/v1/contacts/due",
        "/api/v1/contacts/export.vcf",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "My Name For Them" in body, url
        assert "hidden-handle" not in body, url
        assert "Live Name" not in body, url
    # Visible again for an ordinary connection: the profile shows.
    Block.objects.all().delete()
    other.user.deletion_scheduled, other.user.is_active = False, True
    other.user.save(update_fields=["deletion_scheduled", "is_active"])
    body = client.get(reverse("contacts:detail", args=[contact.pk])).content.decode()
    assert "hidden-handle" in body
