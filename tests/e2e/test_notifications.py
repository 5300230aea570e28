"""Browser journey of notifications, in Debian's Chromium via Playwright."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from rounds.network.services import connection_request_send
from rounds.notifications.models import Kind
from rounds.notifications.selectors import deliveries_for
from rounds.profiles.tests.factories import PASSWORD, ProfileFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_login", email)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_load_state()


def test_bell_list_mark_all_read_open_and_email_settings(page):
    """Ben sees the bell count, reads his notifications (htmx updates the bell), follows one
    to his requests, and turns off emails about connection requests."""
    ana = ProfileFactory(display_name="Ana Ruiz")
    ben = ProfileFactory(display_name="Ben Okafor", user__email="ben@example.org")
    connection_request_send(
        actor=ana.user, recipient=ben.user, note="Met you at the sepsis workshop"
    )

    sign_in(page, "ben@example.org")
    bell = page.get_by_role("link", name="Notifications, 1 unread")
    bell.click()
    page.wait_for_url(re.compile(r"/notifications/$"))
    item = page.locator(".notification-item.is-unread")
    assert "Ana Ruiz asked to connect with you" in item.inner_text()
    # The accessible name Chromium computes, exactly (no stray space before the colon).
    expect(
        page.get_by_role(
            "button", name="Mark as read: Ana Ruiz asked to connect with you", exact=True
        )
    ).to_have_count(1)

    page.get_by_role("button", name="Mark all as read").click()
    page.get_by_text("Marked 1 notification as read.").wait_for()
    expect(page.get_by_role("link", name="Notifications", exact=True)).to_be_visible()  # bell
    expect(page.locator(".notification-item.is-unread")).to_have_count(0)

    page.get_by_role("link", name="Ana Ruiz asked to connect with you").click()
    page.wait_for_url(re.compile(r"/network/requests/$"))
    assert "Met you at the sepsis workshop" in page.content()

    page.goto("/notifications/preferences/")
    row = page.get_by_role("group", name=re.compile("^Connection requests"))
    row.get_by_label("No email").check()
    page.get_by_role("button", name="Save email choices").click()
    page.get_by_text("Your email choices are saved.").wait_for()
    assert deliveries_for(user_id=ben.user_id)[Kind.CONNECTION_REQUEST] == "off"
