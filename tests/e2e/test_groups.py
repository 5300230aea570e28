"""Browser journey of groups and forums: create a private group, a colleague asks to join and
is approved, starts a discussion mentioning the owner, the owner replies quoting, and the
colleague finds the thread through search — all with plain forms (no JavaScript needed)."""

from __future__ import annotations

import re

import pytest

from rounds.community.models import GroupMembership, Reply, Thread
from rounds.notifications.models import Kind, Notification
from rounds.profiles.tests.factories import PASSWORD, ProfileFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_login", email)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_load_state()


def sign_out(page) -> None:
    page.context.clear_cookies()


def test_private_group_request_thread_mention_quote_and_search(desktop_page, live_server):
    """Owner creates a private group; a colleague asks to join, is approved, posts mentioning
    the owner; the owner replies quoting; search finds the thread for members only."""
    page = desktop_page
    owner = ProfileFactory(user__email="owner@example.org", handle="lead-hospitalist")
    ProfileFactory(user__email="colleague@example.org", display_name="Ana Ruiz")

    sign_in(page, "owner@example.org")
    page.goto("/groups/")
    page.get_by_role("link", name="Create a group").first.click()
    page.get_by_label("Name").fill("Night Float Huddle")
    page.get_by_label("About the group").fill("Handover tips for **night** teams.")
    page.get_by_label(re.compile("Private")).check()
    page.get_by_label("Topics").fill("handover, nights")
    page.get_by_role("button", name="Create group").click()
    page.wait_for_url(re.compile(r"/groups/night-float-huddle/$"))
    assert "Handover tips for night teams." in page.inner_text("main")
    sign_out(page)

    sign_in(page, "colleague@example.org")
    page.goto("/groups/?topic=nights")
    page.get_by_role("link", name="Night Float Huddle").click()
    assert "Members only" in page.inner_text("main")
    page.get_by_role("button", name="Ask to join").click()
    page.get_by_text("Request sent").wait_for()
    sign_out(page)

    sign_in(page, "owner@example.org")
    page.goto("/groups/night-float-huddle/members/")
    # The accessible name Chromium computes, exactly (no stray space before the colon).
    page.get_by_role("button", name="Approve: Ana Ruiz", exact=True).click()
    page.get_by_text("Request approved.").wait_for()
    sign_out(page)

    sign_in(page, "colleague@example.org")
    page.goto("/groups/night-float-huddle/")
    page.get_by_role("link", name="Start a discussion").click()
    page.get_by_label("Title").fill("Cross-cover pages at 3am")
    page.get_by_label("Your post").fill("How do you triage them, @lead-hospitalist?")
    page.get_by_role("button", name="Post").click()
    page.wait_for_url(re.compile(r"/threads/\d+/$"))
    page.get_by_label("Your reply").fill("We batch non-urgent pages every hour.")
    page.get_by_role("button", name="Reply").click()
    page.locator(".prose", has_text="We batch non-urgent pages").wait_for()
    sign_out(page)

    assert Notification.objects.filter(recipient=owner.user, kind=Kind.MENTION).count() == 1
    thread = Thread.objects.get()
    sign_in(page, "owner@example.org")
    page.goto(f"/groups/night-float-huddle/threads/{thread.pk}/")
    page.get_by_role("link", name="Quote").first.click()
    assert "Quoting:" in page.inner_text("main")
    page.get_by_label("Your reply").fill("Agreed, and escalate anything with vitals.")
    page.get_by_role("button", name="Reply").click()
    page.get_by_text("wrote:").wait_for()
    assert Reply.objects.filter(quoted__isnull=False).count() == 1

    page.goto("/groups/search/?q=triage")
    assert "Cross-cover pages at 3am" in page.inner_text("main")
    sign_out(page)
    page.goto("/groups/search/?q=triage")
    assert "Cross-cover pages at 3am" not in page.inner_text("main")
    assert GroupMembership.objects.filter(state="active").count() == 2
