"""Query counts of every notebook list page and list endpoint, measured at two data sizes: the
count must not grow with the number of rows (no N+1). The due list is also measured with a
2,000-contact notebook (a hub's), where it stays one indexed range scan."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rounds.contacts.imports import contact_import_create
from rounds.contacts.models import Contact, ContactNote
from rounds.contacts.services import tag_create
from rounds.core.tests.api_client import api_as
from rounds.network.tests.factories import connect
from rounds.profiles.tests.factories import AffiliationFactory, ProfileFactory

pytestmark = pytest.mark.django_db

SMALL, LARGE = 3, 25


@pytest.fixture
def owner(member):
    return member.user


def _grow(owner, count: int, *, overdue: bool = True) -> None:
    """``count`` more contacts: members with profiles and tags, others with notes, all due."""
    tag = tag_create(actor=owner, name=f"Tag {Contact.objects.count()}", cadence_days=30)
    past = timezone.now() - dt.timedelta(days=400)
    for i in range(count):
        if i % 2:
            profile = ProfileFactory()
            AffiliationFactory(user=profile.user)
            connect(owner, profile.user)
            contact = Contact.objects.get(owner=owner, member=profile.user)
        else:
            contact = Contact.objects.create(
                owner=owner, name=f"Person {Contact.objects.count()}", due_at=past
            )
        contact.tags.add(tag)
        ContactNote.objects.create(
            contact=contact, kind="note", occurred_on=timezone.localdate(), body="Cares."
        )
    if overdue:
        Contact.objects.filter(owner=owner).update(due_at=past, last_interaction_at=past)


def _count(fetch) -> int:
    with CaptureQueriesContext(db_connection) as captured:
        response = fetch()
    assert response.status_code == 200, response.content[:300]
    return len(captured)


def _assert_constant(owner, fetch, *, ceiling: int = 30) -> None:
    _grow(owner, SMALL)
    fetch()  # warm the per-process caches (session, ContentTypes)
    small = _count(fetch)
    _grow(owner, LARGE - SMALL)
    fetch()  # the home page's suggestions are cached per network version (network app)
    large = _count(fetch)
    assert large == small, (small, large)
    assert small <= ceiling, small


PAGES = {
    "list": lambda c: c.get(reverse("contacts:list")),
    "list-filtered": lambda c: c.get(reverse("contacts:list"), {"q": "e", "kind": "member"}),
    "due": lambda c: c.get(reverse("contacts:due")),
    "tags": lambda c: c.get(reverse("contacts:tags")),
    "home": lambda c: c.get(reverse("profiles:home")),
    "export": lambda c: c.get(reverse("contacts:export")),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_list_pages_do_not_grow_with_rows(member_client, owner, name):
    """Notebook list pages cost the same with 3 or 25 contacts."""
    fetch = PAGES[name]
    _assert_constant(owner, lambda: fetch(member_client), ceiling=60 if name == "home" else 30)


def test_contact_page_does_not_grow_with_notes(member_client, owner):
    """A contact page costs the same with 3 or 25 notes and tags."""
    contact = Contact.objects.create(owner=owner, name="Priya", due_at=timezone.now())
    url = reverse("contacts:detail", args=[contact.pk])

    def grow(n):
        for i in range(n):
            ContactNote.objects.create(
                contact=contact, kind="call", occurred_on=timezone.localdate(), body=f"n{i}"
            )
            contact.tags.add(tag_create(actor=owner, name=f"T{contact.tags.count()}-{i}"))

    grow(SMALL)
    member_client.get(url)
    small = _count(lambda: member_client.get(url))
    grow(LARGE - SMALL)
    assert _count(lambda: member_client.get(url)) == small


def test_import_preview_page_does_not_grow_with_rows(member_client, owner):
    """The preview page shows 50 rows per page at a fixed cost."""

    def preview(rows: int):
        csv = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n" + "".join(
            f"A{i},B{i},,,C,D,\n" for i in range(rows)
        )
        imp = contact_import_create(actor=owner, kind="linkedin", data=csv.encode())
        url = reverse("contacts:import_preview", args=[imp.pk])
        member_client.get(url)
        return _count(lambda: member_client.get(url))

    assert preview(SMALL) == preview(60)


API = {
    "contacts": "/contacts",
    "due": "/contacts/due",
    "tags": "/contacts/tags",
    "export": "/contacts/export.vcf",
    "imports": "/contacts/imports",
}


@pytest.mark.parametrize("name", list(API))
def test_list_endpoints_do_not_grow_with_rows(owner, name):
    """Notebook list endpoints cost the same with 3 or 25 rows."""
    api = api_as(owner)
    path = API[name]
    if name == "imports":
        for _ in range(SMALL):
            contact_import_create(
                actor=owner,
                kind="linkedin",
                data=b"First Name,Last Name,Company,Position\nA,B,C,D\n",
            )
    _assert_constant(owner, lambda: api.get(path, {"page_size": 100} if name == "contacts" else {}))


def test_notes_endpoint_does_not_grow(owner):
    """A contact's notes endpoint costs the same with 3 or 25 notes."""
    api = api_as(owner)
    contact = Contact.objects.create(owner=owner, name="Priya", due_at=timezone.now())
    path = f"/contacts/{contact.pk}/notes"
    ContactNote.objects.bulk_create(
        [ContactNote(contact=contact, kind="note", occurred_on=timezone.localdate(), body="x")]
        * SMALL
    )
    api.get(path)
    small = _count(lambda: api.get(path))
    ContactNote.objects.bulk_create(
        [
            ContactNote(contact=contact, kind="note", occurred_on=timezone.localdate(), body="x")
            for _ in range(LARGE)
        ]
    )
    assert _count(lambda: api.get(path)) == small


def test_due_list_of_a_2000_contact_notebook_is_one_range_scan(member_client, owner):
    """With 2,000 contacts (a hub), the due page and endpoint cost the same as with 3."""
    api = api_as(owner)
    past = timezone.now() - dt.timedelta(days=400)

    def fill(n):
        Contact.objects.bulk_create(
            [
                Contact(owner=owner, name=f"P{i}", due_at=past + dt.timedelta(minutes=i))
                for i in range(n)
            ]
        )

    fill(SMALL)
    member_client.get(reverse("contacts:due"))
    api.get("/contacts/due")
    page_small = _count(lambda: member_client.get(reverse("contacts:due")))
    api_small = _count(lambda: api.get("/contacts/due"))
    fill(2000)
    assert _count(lambda: member_client.get(reverse("contacts:due"))) == page_small
    assert _count(lambda: api.get("/contacts/due")) == api_small
    first = api.get("/contacts/due", {"limit": 100}).json()
    second = api.get("/contacts/due", {"limit": 100, "cursor": first["next_cursor"]}).json()
    assert first["items"][-1]["contact"]["due_at"] <= second["items"][0]["contact"]["due_at"]
