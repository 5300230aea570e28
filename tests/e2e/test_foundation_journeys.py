"""Browser journeys of the foundation, in Debian's Chromium via Playwright."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from rounds.profiles.models import Profile
from rounds.profiles.tests.factories import PASSWORD, ProfileFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"https?://[^\s]+/accounts/confirm-email/[^\s]+")


def wait_for_swap(page) -> None:
    """Wait until htmx has swapped in the section form and moved focus into it."""
    page.locator(".is-editing").first.wait_for()
    page.wait_for_function("!document.querySelector('[data-focus-after-swap]')")


def test_signup_verify_login_edit_profile_and_appear_in_directory(page, live_server):
    """A new clinician signs up, confirms their email, edits their headline with htmx and is found."""
    page.goto("/accounts/signup/")
    page.fill("#id_email", "priya.raman@example.org")
    page.fill("#id_display_name", "Priya Raman")
    page.select_option("#id_role", "physician")
    page.fill("#id_password1", "a-long-and-unusual-passphrase")
    page.fill("#id_password2", "a-long-and-unusual-passphrase")
    page.get_by_role("button", name=re.compile("sign up", re.I)).click()
    page.wait_for_load_state()
    assert "verify" in page.content().lower() or "confirm" in page.content().lower()

    assert len(mail.outbox) == 1
    link = LINK.search(mail.outbox[0].body).group(0)
    page.goto(link.replace("http://testserver", live_server.url))
    page.get_by_role("button", name=re.compile("confirm", re.I)).click()
    page.wait_for_url(re.compile(r"/profile/edit/"))

    section = page.locator("#section-basics")
    section.get_by_role("link", name="Edit: Basics", exact=True).click()
    wait_for_swap(page)
    page.locator("#section-basics #id_headline").fill("Hospitalist · sepsis quality improvement")
    page.locator("#section-basics").get_by_role("button", name="Save").click()
    page.locator("#section-basics .saved").wait_for()
    assert "sepsis quality improvement" in page.locator("#section-basics").inner_text()
    assert Profile.objects.get(display_name="Priya Raman").headline.startswith("Hospitalist")

    page.goto("/members/?q=Priya")
    card = page.locator("main").get_by_role("link", name=re.compile("Priya Raman")).first
    card.wait_for()
    card.click()
    page.wait_for_url(re.compile(r"/members/priya-raman/"))
    assert "sepsis quality improvement" in page.content()


def test_invalid_npi_shows_the_message_in_place(page, live_server):
    """An invalid NPI is refused inline with the check-digit message; a valid one shows "on file"."""
    profile = ProfileFactory(user__email="npi@example.org")
    page.goto("/accounts/login/")
    page.fill("#id_login", "npi@example.org")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_load_state()
    page.goto("/profile/edit/")
    page.locator("#section-npi").get_by_role("link", name=re.compile("Add your NPI")).click()
    wait_for_swap(page)
    page.locator("#section-npi input[name=npi]").fill("1234567890")
    page.locator("#section-npi").get_by_role("button", name=re.compile("Save")).click()
    page.locator("#section-npi").get_by_text(re.compile("check digit")).wait_for()
    profile.refresh_from_db()
    assert profile.npi is None
    page.locator("#section-npi input[name=npi]").fill("1234567893")
    page.locator("#section-npi").get_by_role("button", name=re.compile("Save")).click()
    page.locator("#section-npi code", has_text="1234567893").wait_for()
    profile.refresh_from_db()
    assert profile.npi == "1234567893" and not profile.npi_verified


def test_directory_works_without_javascript(browser, live_server):
    """With JavaScript off, the directory filter form still filters by plain GET."""
    ProfileFactory(display_name="Zora Okafor")
    ProfileFactory(display_name="Someone Else")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        member = ProfileFactory(user__email="nojs@example.org")
        page.goto("/accounts/login/")
        page.fill("#id_login", "nojs@example.org")
        page.fill("#id_password", PASSWORD)
        page.get_by_role("button", name=re.compile("sign in", re.I)).click()
        page.wait_for_load_state()
        page.goto("/members/")
        page.fill("#id_q", "Zora")
        page.get_by_role("button", name="Show members").click()
        page.wait_for_load_state()
        assert "Zora Okafor" in page.content()
        assert "Someone Else" not in page.content()
        assert member.handle  # the signed-in member exists
    finally:
        context.close()
