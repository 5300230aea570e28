"""Browser journey of direct messages: one member sends, the other sees it arrive by polling
without reloading, and the sender's composer is ready for the next message."""

from __future__ import annotations

import re

import pytest

from rounds.messaging.models import Message
from rounds.messaging.tests.factories import start
from rounds.network.tests.factories import connect
from rounds.profiles.tests.factories import PASSWORD, ProfileFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_login", email)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_load_state()


def test_a_message_appears_on_the_other_side_without_reload(browser, live_server):
    """Ben sends from his page; Ana's open conversation shows it by polling, and the unread
    badge in Ben's navigation is gone once he has read hers."""
    ana = ProfileFactory(user__email="dm-ana@example.org", display_name="Ana Ruiz")
    ben = ProfileFactory(user__email="dm-ben@example.org", display_name="Ben Okafor")
    connect(ana.user, ben.user)
    first = start(ana.user, ben.user, body="Are you presenting at M&M on Friday?")
    address = f"/messages/{first.conversation_id}/"

    contexts = []
    pages = []
    for email in ("dm-ana@example.org", "dm-ben@example.org"):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 390, "height": 844}
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, email)
        pages.append(page)
    ana_page, ben_page = pages
    try:
        assert "conversation waiting" in ben_page.content()  # the navigation badge
        ana_page.goto(address)
        ben_page.goto(address)
        assert "Are you presenting" in ben_page.locator("#dm-messages").inner_text()
        assert "conversation waiting" not in ben_page.locator(".site-nav").inner_html()

        ben_page.fill("#id_body", "Yes, **the sepsis case**. Come by!")
        ben_page.get_by_role("button", name="Send", exact=True).click()
        # Ben's own message arrives through the poller, triggered right after sending.
        ben_page.locator(".dm-msg-mine", has_text="the sepsis case").wait_for()
        assert ben_page.locator("#id_body").input_value() == ""
        # Ana's page was never reloaded: the poller (every 5 s) brings it in.
        arrived = ana_page.locator(".dm-msg", has_text="the sepsis case")
        arrived.wait_for(timeout=15_000)
        assert arrived.locator("strong").inner_text() == "the sepsis case"
        assert Message.objects.filter(sender=ben.user).count() == 1
    finally:
        for context in contexts:
            context.close()
