"""Browser journey of moderation: a member reports a message, site staff find it through the
account menu's Moderation link, remove it with a reason, and the sender reads why."""

from __future__ import annotations

import re

import pytest

from rounds.messaging.models import Message
from rounds.moderation.models import Report
from rounds.moderation.tests.factories import message_between, staff_member
from rounds.notifications.models import Kind, Notification
from rounds.profiles.tests.factories import PASSWORD, ProfileFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_login", email)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_load_state()


def test_report_remove_and_the_author_reads_why(browser, live_server):
    """Report → queue → remove with a reason → the sender's notice shows the reason."""
    ana = ProfileFactory(user__email="mod-ana@example.org")
    ben = ProfileFactory(user__email="mod-ben@example.org", display_name="Ben Okafor")
    staff_member(user__email="mod-staff@example.org", display_name="Sam Staff")
    message = message_between(ben.user, ana.user, body="Cheap supplements, DM me")

    def new_page(email):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 390, "height": 844}
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, email)
        return context, page

    contexts = []
    try:
        context, page = new_page("mod-ana@example.org")
        contexts.append(context)
        page.goto(f"/report/message/{message.pk}/")
        assert "Cheap supplements" in page.locator("main").inner_text()
        page.get_by_label("Spam").check()
        page.get_by_label("Details for the moderators").fill("Advertising in my inbox")
        page.get_by_role("button", name="Send report").click()
        page.wait_for_load_state()
        assert Report.objects.filter(state="open").count() == 1

        context, page = new_page("mod-staff@example.org")
        contexts.append(context)
        page.goto("/")
        page.locator("summary.menu-button").click()
        page.get_by_role("link", name="Moderation", exact=True).click()
        page.get_by_role("link", name=re.compile(r"Message #")).click()
        assert "Advertising in my inbox" in page.locator("main").inner_text()
        page.get_by_label("Removed the content").check()
        page.get_by_label("Reason the author will read").fill("Advertising is not allowed")
        page.get_by_role("button", name="Decide").click()
        page.wait_for_load_state()
        assert "Nothing waiting" in page.locator("main").inner_text()
        assert Message.objects.get(pk=message.pk).body == ""

        context, page = new_page("mod-ben@example.org")
        contexts.append(context)
        note = Notification.objects.get(recipient=ben.user, kind=Kind.MODERATION)
        page.goto(note.url)
        text = page.locator("main").inner_text()
        assert "Removed by moderators" in text and "Advertising is not allowed" in text
    finally:
        for context in contexts:
            context.close()
