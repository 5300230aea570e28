"""Browser journey of Settings → Your data: prepare and download a copy, schedule the
account's deletion with the password, then cancel it."""

from __future__ import annotations

import re
import zipfile

import pytest

from rounds.accounts.models import AccountDeletion
from rounds.profiles.tests.factories import PASSWORD, ProfileFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_download_a_copy_then_schedule_and_cancel_deletion(page, settings, tmp_path):
    """The copy is prepared in place (htmx) and downloads as a ZIP; deletion asks for the
    password, shows the date, and cancelling restores the account."""
    settings.DATA_EXPORT_DIR = tmp_path / "exports"
    profile = ProfileFactory(user__email="data-rights@example.org", display_name="Dana Rights")
    page.goto("/accounts/login/")
    page.fill("#id_login", "data-rights@example.org")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_load_state()

    page.goto("/settings/")
    page.get_by_role("link", name="Download a copy of your data").click()
    page.get_by_role("button", name="Prepare my copy").click()
    link = page.get_by_role("link", name="Download your data")
    link.wait_for()  # swapped in by htmx (the local task backend builds it at once)
    with page.expect_download() as info:
        link.click()
    path = info.value.path()
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
    assert {"README.txt", "profile.json", "connections.json"} <= names

    deletion = page.locator("#deletion")
    deletion.get_by_label(re.compile("Keep them")).check()
    deletion.get_by_label("Your current password").fill("not my password")
    deletion.get_by_role("button", name=re.compile("Delete my account")).click()
    page.locator(".field-errors").wait_for()
    assert "not your current password" in page.locator("#deletion").inner_text()
    page.locator("#deletion").get_by_label("Your current password").fill(PASSWORD)
    page.locator("#deletion").get_by_role("button", name=re.compile("Delete my account")).click()
    page.get_by_text(re.compile("Your account will be deleted on")).first.wait_for()
    assert AccountDeletion.objects.get(user=profile.user).anonymise

    page.get_by_role("button", name="Cancel the deletion").click()
    page.get_by_text("Deletion cancelled").wait_for()
    assert AccountDeletion.objects.get(user=profile.user).state == "cancelled"
