"""The notebook pages: every page renders, says who can see it, works without JavaScript
(plain POST → redirect) and answers bad input with a 4xx and a message."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from rounds.contacts.models import Contact, ContactNote, ContactTag, NotebookSettings
from rounds.contacts.services import note_create, tag_create
from rounds.network.tests.factories import connect

from .factories import add_contact, age, contact_of

pytestmark = pytest.mark.django_db

PRIVATE = "Only you can see this notebook."
HTMX = {"HX-Request": "true"}


@pytest.fixture
def owner(member):
    return member.user


@pytest.fixture
def contact(owner):
    return add_contact(owner, "Priya Raman", organization="Lakeside CHC", email="priya@example.org")


def _page_urls(contact, note, tag):
    return [
        reverse("contacts:list"),
        reverse("contacts:add"),
        reverse("contacts:due"),
        reverse("contacts:tags"),
        reverse("contacts:settings"),
        reverse("contacts:import"),
        reverse("contacts:detail", args=[contact.pk]),
        reverse("contacts:edit", args=[contact.pk]),
        reverse("contacts:note_edit", args=[contact.pk, note.pk]),
    ]


def test_every_page_renders_and_says_only_you_can_see_it(member_client, owner, contact):
    """Each notebook page answers 200 and carries the privacy promise."""
    note = note_create(
        actor=owner, contact=contact, kind="note", occurred_on=timezone.localdate(), body="Cares."
    )
    tag = tag_create(actor=owner, name="Board")
    for url in _page_urls(contact, note, tag):
        response = member_client.get(url)
        assert response.status_code == 200, url
        assert PRIVATE in response.content.decode(), url


def test_empty_notebook_teaches_how_to_fill_it(member_client):
    """A new member's notebook and due list say what appears there and offer the import."""
    html = member_client.get(reverse("contacts:list")).content.decode()
    assert "Your notebook is empty" in html and "Import LinkedIn connections" in html
    html = member_client.get(reverse("contacts:due")).content.decode()
    assert "Nobody is due right now" in html and reverse("contacts:import") in html


def test_visitors_are_sent_to_sign_in(client, contact):
    """Every notebook page needs a signed-in member."""
    for url in (reverse("contacts:list"), reverse("contacts:detail", args=[contact.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_add_a_contact_without_javascript(member_client, owner):
    """A plain POST creates the contact and redirects to it."""
    tag = tag_create(actor=owner, name="Research")
    response = member_client.post(
        reverse("contacts:add"),
        {
            "name": "Marcus Bell",
            "organization": "State Department of Health",
            "email": "Marcus@Example.org",
            "how_met": "Health policy workshop.",
            "network_type": "strategic",
            "cadence_days": "45",
            "tags": [str(tag.pk)],
        },
    )
    contact = Contact.objects.get(owner=owner)
    assert response.status_code == 302 and response["Location"] == reverse(
        "contacts:detail", args=[contact.pk]
    )
    assert contact.email == "marcus@example.org" and contact.cadence_days == 45
    assert list(contact.tags.all()) == [tag] and contact.network_type == "strategic"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "A", "email": "nope"}, "email"),
        ({"name": "A", "url": "javascript:alert(1)"}, "url"),
        ({"name": "A", "cadence_days": "2"}, "cadence_days"),
        ({"name": "A", "network_type": "galactic"}, "network_type"),
        ({"name": "A", "tags": ["99999"]}, "tags"),
        ({"name": "A", "phone": "<script>"}, "phone"),
        ({"name": "x" * 201}, "name"),
    ],
)
def test_invalid_contacts_are_refused_with_a_message(member_client, owner, data, field):
    """422 with the field's message; nothing saved."""
    response = member_client.post(reverse("contacts:add"), data)
    assert response.status_code == 422
    assert (
        f'id="id_{field}_error"' in response.content.decode()
        or "Please fix" in response.content.decode()
    )
    assert not Contact.objects.filter(owner=owner).exists()


def test_duplicate_email_is_a_conflict(member_client, contact):
    """The same email twice in a notebook is a 409 naming the field."""
    response = member_client.post(
        reverse("contacts:add"), {"name": "Other", "email": "PRIYA@example.org"}
    )
    assert response.status_code == 409
    assert "already in your notebook" in response.content.decode()


def test_edit_a_contact(member_client, contact):
    """The edit form shows the values and saves changes."""
    url = reverse("contacts:edit", args=[contact.pk])
    assert "Lakeside CHC" in member_client.get(url).content.decode()
    response = member_client.post(url, {"name": "Dr. Priya Raman", "organization": "Mercy"})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.name == "Dr. Priya Raman" and contact.organization == "Mercy"
    assert contact.email == ""  # the form is the whole contact: an empty field clears it


def test_log_a_conversation_and_see_it_in_the_timeline(member_client, contact):
    """The log form records a coffee with its note and redirects to the timeline."""
    age(contact, days=300)
    day = (timezone.localdate() - dt.timedelta(days=2)).isoformat()
    response = member_client.post(
        reverse("contacts:log", args=[contact.pk]),
        {"kind": "coffee", "occurred_on": day, "body": "Worried about <b>staffing</b>."},
    )
    assert response.status_code == 302 and response["Location"].endswith("#notes")
    html = member_client.get(reverse("contacts:detail", args=[contact.pk])).content.decode()
    assert "Worried about &lt;b&gt;staffing&lt;/b&gt;." in html
    assert "Next catch-up by" in html


def test_log_form_errors_rerender_the_contact_with_422(member_client, contact):
    """A future date is a 422 on the contact page, nothing saved."""
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = member_client.post(
        reverse("contacts:log", args=[contact.pk]), {"kind": "call", "occurred_on": future}
    )
    assert response.status_code == 422
    assert "cannot be in the future" in response.content.decode()
    assert not ContactNote.objects.exists()


def test_note_form_has_the_active_listening_tip_and_says_what_to_write(member_client, contact):
    """The note form asks for what they care about, their needs and concerns."""
    html = member_client.get(reverse("contacts:detail", args=[contact.pk])).content.decode()
    assert "what they care about" in html.lower() and "needs and concerns" in html
    assert 'data-place="contact_notes"' in html


def test_edit_and_delete_a_note(member_client, owner, contact):
    """Notes can be corrected and deleted."""
    note = note_create(
        actor=owner, contact=contact, kind="note", occurred_on=timezone.localdate(), body="Old."
    )
    url = reverse("contacts:note_edit", args=[contact.pk, note.pk])
    response = member_client.post(
        url, {"kind": "note", "occurred_on": timezone.localdate().isoformat(), "body": "New."}
    )
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.body == "New."
    response = member_client.post(reverse("contacts:note_delete", args=[contact.pk, note.pk]))
    assert response.status_code == 302 and not ContactNote.objects.exists()


def test_cadence_tags_snooze_archive_and_delete(member_client, owner, contact):
    """The contact page's small forms each do one thing and redirect back."""
    tag = tag_create(actor=owner, name="Board", cadence_days=30)
    detail = reverse("contacts:detail", args=[contact.pk])
    assert (
        member_client.post(reverse("contacts:cadence", args=[contact.pk]), {"cadence_days": "20"})[
            "Location"
        ]
        == detail
    )
    assert (
        member_client.post(
            reverse("contacts:contact_tags", args=[contact.pk]), {"tags": [str(tag.pk)]}
        )["Location"]
        == detail
    )
    contact.refresh_from_db()
    assert contact.cadence_days == 20 and list(contact.tags.all()) == [tag]
    bad = member_client.post(
        reverse("contacts:cadence", args=[contact.pk]), {"cadence_days": "abc"}
    )
    assert bad.status_code == 422
    member_client.post(reverse("contacts:snooze", args=[contact.pk]))
    contact.refresh_from_db()
    assert contact.snoozed_until > timezone.now() + dt.timedelta(days=29)
    member_client.post(reverse("contacts:archive", args=[contact.pk]), {"archived": "1"})
    assert Contact.objects.get(pk=contact.pk).archived
    link = f'href="{detail}"'
    assert link not in member_client.get(reverse("contacts:list")).content.decode()
    assert link in member_client.get(reverse("contacts:list"), {"archived": "on"}).content.decode()
    response = member_client.post(reverse("contacts:delete", args=[contact.pk]))
    assert response.status_code == 302 and not Contact.objects.filter(pk=contact.pk).exists()


def test_a_connected_member_cannot_be_deleted_only_archived(member_client, owner, other_member):
    """Every connection is a contact: deleting it is a 409 with a message."""
    connect(owner, other_member.user)
    contact = contact_of(owner, other_member.user)
    response = member_client.post(reverse("contacts:delete", args=[contact.pk]))
    assert response.status_code == 409 and "Archive" in response.content.decode()
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_member_contact_page_offers_message_and_profile(member_client, owner, other_member):
    """A member contact links to messaging and the profile."""
    connect(owner, other_member.user)
    contact = contact_of(owner, other_member.user)
    html = member_client.get(reverse("contacts:detail", args=[contact.pk])).content.decode()
    assert f"/messages/new/?to={other_member.handle}" in html
    assert reverse("profiles:detail", args=[other_member.handle]) in html
    assert "Connected on Rounds" in html


def test_list_filters_and_bad_filters(member_client, owner, other_member):
    """Search, tag, network and member-or-not filters; unknown values are a 400 with a message."""
    connect(owner, other_member.user)
    tag = tag_create(actor=owner, name="Research")
    add_contact(owner, "Priya Raman", organization="Lakeside", tag_ids=[tag.pk])
    add_contact(owner, "Marcus Bell", network_type="strategic")
    url = reverse("contacts:list")

    def names(**params):
        html = member_client.get(url, params).content.decode()
        return {n for n in ("Priya Raman", "Marcus Bell", other_member.display_name) if n in html}

    assert names(q="lakeside") == {"Priya Raman"}
    assert names(tag=tag.pk) == {"Priya Raman"}
    assert names(type="strategic") == {"Marcus Bell"}
    assert names(kind="member") == {other_member.display_name}
    assert names(kind="other") == {"Priya Raman", "Marcus Bell"}
    for params in ({"type": "galactic"}, {"tag": "abc"}, {"kind": "robots"}, {"q": "x" * 101}):
        response = member_client.get(url, params)
        assert response.status_code == 400 and "could not filter" in response.content.decode()
    fragment = member_client.get(url, {"q": "priya"}, headers=HTMX)
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()


def test_due_list_orders_by_how_overdue_and_acts_in_place(member_client, owner):
    """Most overdue first with days overdue; htmx snooze and quick log replace the item."""
    late = age(add_contact(owner, "Late Person"), days=400)
    later = age(add_contact(owner, "Later Person"), days=200)
    add_contact(owner, "Fresh Person")
    html = member_client.get(reverse("contacts:due")).content.decode()
    assert html.index("Late Person") < html.index("Later Person")
    assert "Fresh Person" not in html
    assert "310 days overdue" in html
    response = member_client.post(reverse("contacts:snooze", args=[late.pk]), headers=HTMX)
    assert response.status_code == 200 and "Snoozed" in response.content.decode()
    assert f'id="due-{late.pk}"' in response.content.decode()
    response = member_client.post(
        reverse("contacts:quick_log", args=[later.pk]), {"kind": "coffee"}, headers=HTMX
    )
    assert "Logged for Later Person" in response.content.decode()
    html = member_client.get(reverse("contacts:due")).content.decode()
    assert "Late Person" not in html and "Later Person" not in html
    response = member_client.post(
        reverse("contacts:quick_log", args=[later.pk]), {"kind": "dance"}, headers=HTMX
    )
    assert (
        response.status_code == 422
        and "Choose call, coffee or meeting" in response.content.decode()
    )


def test_due_list_pages_with_a_cursor(member_client, owner):
    """Keyset pages: "More" follows the cursor; a forged cursor is a 422 page."""
    for i in range(23):
        age(add_contact(owner, f"Person {i:02d}"), days=200 + i)
    first = member_client.get(reverse("contacts:due")).content.decode()
    assert "Person 22" in first and "Person 00" not in first
    cursor = first.split("?cursor=", 1)[1].split('"', 1)[0]
    second = member_client.get(reverse("contacts:due") + "?cursor=" + cursor).content.decode()
    assert "Person 00" in second and "Person 22" not in second
    bad = member_client.get(reverse("contacts:due"), {"cursor": "1_x"})
    assert bad.status_code == 422 and "cursor" in bad.content.decode()


def test_tags_page_creates_renames_and_deletes(member_client, owner):
    """Tag management without JavaScript; duplicate names are a 409."""
    url = reverse("contacts:tags")
    assert member_client.post(url, {"name": "Board", "cadence_days": "30"}).status_code == 302
    tag = ContactTag.objects.get(owner=owner)
    assert member_client.post(url, {"name": "board"}).status_code == 409
    response = member_client.post(
        reverse("contacts:tag_edit", args=[tag.pk]), {"name": "Hospital board", "cadence_days": ""}
    )
    assert response.status_code == 302
    tag.refresh_from_db()
    assert tag.name == "Hospital board" and tag.cadence_days is None
    assert (
        member_client.post(reverse("contacts:tag_edit", args=[tag.pk]), {"name": ""}).status_code
        == 422
    )
    member_client.post(reverse("contacts:tag_delete", args=[tag.pk]))
    assert not ContactTag.objects.exists()


def test_settings_page_changes_the_defaults(member_client, owner):
    """The three defaults; out-of-range values are a 422."""
    url = reverse("contacts:settings")
    ok = member_client.post(
        url, {"operational_days": "150", "personal_days": "60", "strategic_days": "30"}
    )
    assert ok.status_code == 302
    assert NotebookSettings.objects.get(owner=owner).personal_days == 60
    bad = member_client.post(
        url, {"operational_days": "1", "personal_days": "", "strategic_days": "x"}
    )
    assert bad.status_code == 422


def test_vcard_download_of_one_contact_and_the_notebook(member_client, owner, contact):
    """text/vcard attachments; the whole-notebook export is audited."""
    from rounds.core.models import AuditEntry

    response = member_client.get(reverse("contacts:vcard", args=[contact.pk]))
    assert response["Content-Type"].startswith("text/vcard")
    assert b"FN:Priya Raman\r\n" in response.content
    response = member_client.get(reverse("contacts:export"))
    assert response.status_code == 200 and b"BEGIN:VCARD" in response.content
    assert "attachment" in response["Content-Disposition"]
    assert AuditEntry.objects.filter(action="contacts.export", data__count=1).exists()


def test_hostile_text_is_escaped_everywhere(member_client, owner):
    """Names, organizations and notes with markup render as text."""
    evil = "<script>alert(1)</script><img src=x onerror=alert(1)>"
    contact = add_contact(owner, evil, organization=evil, title=evil)
    note_create(
        actor=owner, contact=contact, kind="note", occurred_on=timezone.localdate(), body=evil
    )
    tag_create(actor=owner, name=evil)
    age(contact, days=400)
    for url in (
        reverse("contacts:list"),
        reverse("contacts:due"),
        reverse("contacts:tags"),
        reverse("contacts:detail", args=[contact.pk]),
        reverse("profiles:home"),
    ):
        html = member_client.get(url).content.decode()
        assert "<script>alert(1)" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url


def test_home_shows_due_to_reconnect(member_client, owner):
    """The home page lists the top five due contacts and links to the full list."""
    for i in range(7):
        age(add_contact(owner, f"Due Person {i}"), days=300 + i)
    html = member_client.get(reverse("profiles:home")).content.decode()
    assert "Due to reconnect" in html and reverse("contacts:due") in html
    assert sum(f"Due Person {i}" in html for i in range(7)) == 5
    assert "Due Person 6" in html  # the most overdue first


def test_unknown_ids_are_404(member_client):
    """Ids that exist nowhere (or overflow) are 404 pages, never 500."""
    for url in (
        "/contacts/99999/",
        f"/contacts/{2**70}/",
        "/contacts/99999/notes/1/edit/",
        "/contacts/import/99999/",
        "/contacts/tags/99999/delete/",
    ):
        response = member_client.get(url) if "delete" not in url else member_client.post(url)
        assert response.status_code == 404, url
