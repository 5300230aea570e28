"""Browser journeys of the professionalism guard: inline findings while composing, refusal on
submit, "Publish anyway" for warnings, and no way past a block, with and without JavaScript."""

from __future__ import annotations

import re

import pytest

from rounds.core.models import GuardTally
from rounds.network.models import ConnectionRequest
from rounds.profiles.tests.factories import PASSWORD, ProfileFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WARNING = "Twenty years of night shifts and this new EHR rollout is still a load of crap."
PATIENT_INFO = "My patient John Smith, DOB 03/14/1956, MRN 00123456, was admitted last night."


def sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_login", email)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_load_state()


def wait_for_swap(page) -> None:
    """Wait until htmx has swapped in the section form and moved focus into it."""
    page.locator(".is-editing").first.wait_for()
    page.wait_for_function("!document.querySelector('[data-focus-after-swap]')")


def open_about_editor(page) -> None:
    page.goto("/profile/edit/")
    page.locator("#section-about").get_by_role("link", name=re.compile("Edit")).click()
    wait_for_swap(page)


def test_a_warning_shows_while_typing_and_publish_anyway_saves_it(page, live_server):
    """Warnings show inline as the member types, come back on Save, and one click on
    "Publish anyway" publishes the bio and counts the override."""
    profile = ProfileFactory(user__email="guard-warn@example.org")
    sign_in(page, "guard-warn@example.org")
    open_about_editor(page)
    section = page.locator("#section-about")
    assert "Share insight, protect patients" in section.inner_text()  # the composer tip

    section.locator("#id_bio").fill(WARNING)
    section.locator("#guard-bio .guard-report-warn").wait_for()  # inline, debounced
    assert section.locator("#guard-bio mark").first.inner_text() == "crap"
    assert "Take a second look" in section.locator("#guard-bio").inner_text()

    section.get_by_role("button", name="Save").click()
    publish = section.get_by_role("button", name="Publish anyway")
    publish.wait_for()
    assert "second look" in section.locator(".field-errors").inner_text()
    profile.refresh_from_db()
    assert profile.bio == ""

    publish.click()
    section.locator(".saved").wait_for()
    assert "load of crap" in section.inner_text()
    profile.refresh_from_db()
    assert profile.bio == WARNING
    overridden = GuardTally.objects.get(kind="bio", outcome="overridden")
    assert (overridden.rule, overridden.count) == ("offensive.profanity", 1)


def test_patient_information_is_highlighted_and_cannot_be_published(page, live_server):
    """Patient identifiers are highlighted while typing and refused on Save, with no way to
    publish them anyway."""
    profile = ProfileFactory(user__email="guard-block@example.org")
    sign_in(page, "guard-block@example.org")
    open_about_editor(page)
    section = page.locator("#section-about")

    section.locator("#id_bio").fill(PATIENT_INFO)
    section.locator("#guard-bio .guard-report-block").wait_for()
    marks = section.locator("#guard-bio mark.guard-mark-block").all_inner_texts()
    assert {"00123456", "03/14/1956"} <= set(marks)
    assert "identify a patient" in section.locator("#guard-bio").inner_text()

    section.get_by_role("button", name="Save").click()
    section.locator(".field-errors").wait_for()
    assert "identify a patient" in section.locator(".field-errors").inner_text()
    assert section.get_by_role("button", name="Publish anyway").count() == 0
    profile.refresh_from_db()
    assert profile.bio == ""
    assert GuardTally.objects.filter(outcome="blocked", rule="phi.mrn").get().count == 1


def test_without_javascript_the_note_is_checked_on_submit(browser, live_server):
    """With JavaScript off, a connection note with warnings comes back with "Send anyway",
    which sends it; a note with patient information cannot be sent."""
    recipient = ProfileFactory(display_name="Ana Lucia Ferreira")
    blocked_recipient = ProfileFactory()
    ProfileFactory(user__email="guard-nojs@example.org")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, "guard-nojs@example.org")

        page.goto(f"/members/{recipient.handle}/connect/")
        page.fill("#id_note", "Loved your talk. Our EHR rollout is crap too; can we compare notes?")
        page.get_by_role("button", name="Send request").click()
        page.wait_for_load_state()
        assert page.locator("#guard-note mark").first.inner_text() == "crap"
        assert not ConnectionRequest.objects.exists()
        page.get_by_role("button", name="Send anyway").click()
        page.wait_for_url(re.compile(rf"/members/{recipient.handle}/$"))
        assert ConnectionRequest.objects.get(recipient=recipient.user).note.startswith("Loved")

        page.goto(f"/members/{blocked_recipient.handle}/connect/")
        page.fill("#id_note", PATIENT_INFO)
        page.get_by_role("button", name="Send request").click()
        page.wait_for_load_state()
        assert "identify a patient" in page.locator(".field-errors").inner_text()
        assert page.locator("mark.guard-mark-block").count() >= 2
        assert page.get_by_role("button", name="Send anyway").count() == 0
        assert not ConnectionRequest.objects.filter(recipient=blocked_recipient.user).exists()
    finally:
        context.close()
