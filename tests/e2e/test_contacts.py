"""Browser journeys of the contacts notebook: import LinkedIn connections and review the
preview, then keep in touch from the due list (htmx, in place) and write what a colleague
cares about on their page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from rounds.contacts.models import Contact, ContactNote
from rounds.network.models import ConnectionRequest
from rounds.profiles.tests.factories import PASSWORD, AffiliationFactory, ProfileFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CSV = (
    'Notes:\r\n"When exporting your connection data, you may notice that some of the email '
    'addresses are missing."\r\n\r\n'
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\r\n"
    "Ana,Ruiz,https://www.linkedin.com/in/anaruiz,,Acme Health,Hospitalist,24 Aug 2023\r\n"
    'Marcus,Bell,https://www.linkedin.com/in/mbell,marcus@example.org,"State Dept, Health",'
    "Policy Analyst,03 Jan 2021\r\n"
)


def sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_login", email)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_load_state()


def test_import_linkedin_connections_and_send_a_request(page, live_server, tmp_path):
    """Upload Connections.csv, see the proposed member with its confidence, import: contacts
    created, one connection request sent."""
    ProfileFactory(user__email="importer@example.org")
    ana = ProfileFactory(display_name="Ana Ruiz")
    AffiliationFactory(user=ana.user, organization__name="Acme Health")
    path = tmp_path / "Connections.csv"
    path.write_bytes(CSV.encode("utf-8-sig"))
    sign_in(page, "importer@example.org")
    page.goto("/contacts/import/")
    assert "Only you can see this notebook." in page.inner_text("main")
    page.locator("#linkedin input[type=file]").set_input_files(str(path))
    page.locator("#linkedin").get_by_role("button", name="Upload and preview").click()
    page.wait_for_url(re.compile(r"/contacts/import/\d+/"))
    table = page.locator("table.import-table")
    assert "Medium: same name and organization" in table.inner_text()
    assert page.get_by_label("Send a connection request to Ana Ruiz").is_checked()
    page.get_by_role("button", name=re.compile("Import 2 contacts")).click()
    page.get_by_text("1 connection request sent").wait_for()
    assert set(Contact.objects.values_list("name", flat=True)) == {"Ana Ruiz", "Marcus Bell"}
    assert ConnectionRequest.objects.filter(recipient=ana.user).exists()


def test_keep_in_touch_from_the_due_list_and_write_a_note(page, live_server):
    """A contact overdue on the due list: log a coffee in place (htmx), then open another and
    write what they care about; the note is in their timeline."""
    owner = ProfileFactory(user__email="keeper@example.org").user
    past = timezone.now() - dt.timedelta(days=300)
    for name in ("Priya Raman", "Luis Ortega"):
        Contact.objects.create(owner=owner, name=name, due_at=past, created_at=past)
    sign_in(page, "keeper@example.org")
    page.goto("/")
    page.get_by_role("heading", name="Due to reconnect").wait_for()
    page.goto("/contacts/due/")
    item = page.locator("li.due-item", has_text="Priya Raman")
    item.get_by_label("What happened with Priya Raman").select_option("coffee")
    item.get_by_role("button", name=re.compile("Log it")).click()
    page.get_by_text("Logged for Priya Raman").wait_for()
    assert Contact.objects.get(name="Priya Raman").due_at > timezone.now()

    page.get_by_role("link", name="Luis Ortega").click()
    page.wait_for_url(re.compile(r"/contacts/\d+/$"))
    assert "Listen, then write it down" in page.inner_text("main")
    page.get_by_label("What happened").select_option("note")
    page.get_by_label("Your note").fill("Cares about protected research time; wants a second site.")
    page.get_by_role("button", name="Save", exact=True).click()
    page.locator("#notes").get_by_text("protected research time").wait_for()
    assert ContactNote.objects.get(kind="note").body.startswith(
        "Cares about protected research time"
    )
