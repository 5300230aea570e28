"""The compiled due list (``selectors.due_rows_for``) against the ORM one it replaces
(``due_list_for``): the same contacts, order, cursors, tags and shown profiles (never a
member hidden from the owner: a block either way, a closed account, a scheduled deletion),
on every page, and fresh after the writes that change the list (a note, a snooze, a tag)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from rounds.contacts import services
from rounds.contacts.models import Contact
from rounds.contacts.schemas import due_item_out
from rounds.contacts.selectors import due_list_for
from rounds.contacts.tests.factories import add_contact
from rounds.core.api_utils import _render
from rounds.network.models import Block
from rounds.network.tests.factories import connect
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


def orm_due(viewer, *, cursor="", limit=20) -> dict:
    page = due_list_for(viewer=viewer, cursor=cursor, limit=limit)
    payload = {
        "items": [due_item_out(item) for item in page.items],
        "next_cursor": page.next_cursor,
    }
    return json.loads(_render(payload))


def api_due(client, *, cursor="", limit=20) -> dict:
    response = client.get("/api/v1/contacts/due", {"cursor": cursor, "limit": limit})
    assert response.status_code == 200, response.content[:300]
    return response.json()


def assert_same(client, viewer) -> int:
    seen = 0
    for limit in (1, 4, 20, 100):
        cursor = ""
        while True:
            mine = api_due(client, cursor=cursor, limit=limit)
            assert mine == orm_due(viewer, cursor=cursor, limit=limit), (limit, cursor)
            seen += len(mine["items"])
            if not mine["next_cursor"]:
                break
            cursor = mine["next_cursor"]
    return seen


@pytest.fixture
def notebook():
    """A notebook with members (visible, blocked either way, closed, deleting, without a
    profile photo), people who are not members, tags, equal due dates."""
    owner = ProfileFactory(handle="owner").user
    now = timezone.now()
    members = [ProfileFactory(handle=f"m{i}", display_name=f"Member {i}").user for i in range(6)]
    for member in members:
        connect(owner, member)
    Block.objects.create(blocker=members[1], blocked=owner)
    Block.objects.create(blocker=owner, blocked=members[2])
    members[3].is_active = False
    members[3].save(update_fields=["is_active"])
    members[4].deletion_scheduled = True
    members[4].save(update_fields=["deletion_scheduled"])
    tags = [services.tag_create(actor=owner, name=n) for n in ("Board", "alpha", "Residency")]
    for i in range(8):
        add_contact(
            owner,
            f"Person {i}",
            organization="St Elsewhere" if i % 2 else "",
            email=f"p{i}@example.org",
            tag_ids=[t.pk for t in tags[: i % 4]],
        )
    # spread due dates, some equal (the cursor's tie-break), some beyond the horizon
    for index, contact in enumerate(Contact.objects.filter(owner=owner).order_by("id")):
        due = now - dt.timedelta(days=index % 5) + dt.timedelta(days=3 * (index % 3 == 2))
        if index % 7 == 6:
            due = now + dt.timedelta(days=30)
        Contact.objects.filter(pk=contact.pk).update(due_at=due.replace(microsecond=0))
    Contact.objects.filter(owner=owner, name="Person 7").update(archived=True)
    return {"owner": owner, "members": members, "tags": tags}


def test_due_api_matches_the_orm_path(client, notebook):
    client.force_login(notebook["owner"])
    assert assert_same(client, notebook["owner"]) > 0
    body = json.dumps(api_due(client, limit=100))
    for hidden in ("m1", "m2", "m3", "m4"):
        assert f'"{hidden}"' not in body
    assert '"m0"' in body


def test_due_api_follows_writes(client, notebook):
    """A note (its clock restarts), a snooze, a tag renamed, a block: the next read shows it."""
    owner = notebook["owner"]
    client.force_login(owner)
    first = api_due(client, limit=100)["items"]
    contact = Contact.objects.get(pk=first[0]["contact"]["id"])
    services.note_create(
        actor=owner, contact=contact, kind="call", occurred_on=timezone.localdate()
    )
    after = api_due(client, limit=100)["items"]
    assert contact.pk not in [i["contact"]["id"] for i in after]
    assert_same(client, owner)
    second = Contact.objects.get(pk=after[0]["contact"]["id"])
    services.contact_snooze(actor=owner, contact=second)
    assert second.pk not in [i["contact"]["id"] for i in api_due(client, limit=100)["items"]]
    tag = notebook["tags"][0]
    services.tag_update(actor=owner, tag=tag, name="Board of trustees")
    assert_same(client, owner)
    Block.objects.create(blocker=notebook["members"][0], blocked=owner)
    assert '"m0"' not in json.dumps(api_due(client, limit=100))
    assert_same(client, owner)


def test_due_page_matches(client, notebook):
    """The page shows the same people (and hides the same profiles)."""
    owner = notebook["owner"]
    client.force_login(owner)
    body = client.get(reverse("contacts:due")).content.decode()
    for item in orm_due(owner, limit=20)["items"]:
        assert f'id="due-{item["contact"]["id"]}"' in body
    for hidden in ("m1", "m2", "m3", "m4"):
        assert f"/members/{hidden}/" not in body and f"to={hidden}" not in body


def test_due_page_follows_writes(client, notebook):
    """Items are cached under keys holding what they show: a logged conversation, an edit
    and a block show at once; the forms carry the request's CSRF token."""
    owner = notebook["owner"]
    client.force_login(owner)
    url = reverse("contacts:due")
    body = client.get(url).content.decode()
    assert "due-items-csrf-token-slot" not in body
    assert 'name="csrfmiddlewaretoken" value="' in body
    assert "/members/m0/" in body or "to=m0" in body
    first = orm_due(owner, limit=20)["items"][0]["contact"]
    contact = Contact.objects.get(pk=first["id"])
    services.note_create(
        actor=owner, contact=contact, kind="coffee", occurred_on=timezone.localdate()
    )
    assert f'id="due-{contact.pk}"' not in client.get(url).content.decode()
    second = Contact.objects.get(pk=orm_due(owner, limit=20)["items"][0]["contact"]["id"])
    # (an edit through the service also restarts the clock; the fixture's dates are set)
    Contact.objects.filter(pk=second.pk).update(title="Chief of Surgery")
    assert "Chief of Surgery" in client.get(url).content.decode()
    Block.objects.create(blocker=owner, blocked=notebook["members"][0])
    body = client.get(url).content.decode()
    assert "/members/m0/" not in body and "to=m0" not in body
